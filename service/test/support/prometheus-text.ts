/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), as Prometheus
 * scrapes it: `# HELP` and `# TYPE` lines, then samples `name{label="value",...} value`. A
 * line it cannot read fails the test, so /metrics is checked as a scraper would take it, not
 * as prom-client wrote it. (The npm parser tried first, parse-prometheus-text-format 1.1.1,
 * drops a histogram's labels.)
 */

export interface Sample {
  /** The sample's own name: `x_bucket`, `x_sum` and `x_count` for a histogram `x`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/y;

function labelsOf(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const match = LABEL.exec(text);
    if (!match) throw new Error(`unreadable labels in: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
  }
  return labels;
}

/** As Prometheus reads it (Go's ParseFloat): NaN and Inf in any case; prom-client writes `Nan`. */
function valueOf(text: string, line: string): number {
  const lower = text.toLowerCase();
  if (lower === "+inf" || lower === "inf") return Infinity;
  if (lower === "-inf") return -Infinity;
  if (lower === "nan") return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`unreadable value in: ${line}`);
  return value;
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (!family) families.set(name, (family = { name, help: "", type: "untyped", samples: [] }));
    return family;
  };
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      if (kind === "HELP") familyOf(name).help = rest;
      else {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest)) throw new Error(`bad type in: ${line}`);
        familyOf(name).type = rest as MetricFamily["type"];
      }
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`unreadable sample: ${line}`);
    const [, name, labels, value] = match as unknown as [string, string, string | undefined, string];
    // A histogram's or summary's samples belong to the family without their suffix.
    const base = [...families.keys()].find((f) => name === f || (["_bucket", "_sum", "_count"].some((s) => name === f + s) && families.get(f)!.type !== "counter")) ?? name;
    familyOf(base).samples.push({ name, labels: labels ? labelsOf(labels, line) : {}, value: valueOf(value, line) });
  }
  return families;
}

/** The family's sample of that name carrying all of `labels` (others may be on it too). */
export function sampleOf(family: MetricFamily, name: string, labels: Record<string, string> = {}): Sample | undefined {
  return family.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
