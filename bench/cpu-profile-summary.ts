// Summarises the V8 CPU profiles `npm run bench -- --cpu-prof DIR` writes (one per service
// process, `<scenario>-<pid>.cpuprofile`, and the emulators' `emulators-<pid>.cpuprofile`):
// self time per module and per function, busiest first, so two runs compare line by line.
//   node bench/cpu-profile-summary.ts DIR-or-FILE... [--results bench/results.json] [--scenario NAME] [--top 25]
// With --results each profile is cut to the run's measured levels (their windows on the
// monotonic clock profiles use) and each row gets its CPU per completed chat: the row's share
// of the samples times the CPU /proc measured. Samples are wall time, so on a busy machine
// their sum overstates CPU; their shares do not.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { LevelResult } from "./measure.ts";
import type { Results } from "./report.ts";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

type Window = { startUs: number; endUs: number };

/** Where a function lives, short: a package, one of node's modules, or a path in this repository. */
export function moduleOf(url: string): string {
  if (url === "") return "(native or V8)";
  if (url.startsWith("node:")) return url;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  const repo = /\/(service|bench|emulators)\/(.*)$/.exec(url);
  return repo ? `${repo[1]}/${repo[2]}` : url.replace(/^file:\/\//, "");
}

// Time V8 spent waiting, not working.
const IDLE = new Set(["(idle)", "(program)"]);

/** Self time in ms per function ("name\tmodule:line") of the samples taken inside the windows (all, without any). */
export function selfTimes(profile: CpuProfile, windows: readonly Window[] = []): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const out = new Map<string, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample's time is the gap to the next one.
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (ms <= 0 || (windows.length > 0 && !windows.some((w) => at >= w.startUs && at < w.endUs))) continue;
    const frame = byId.get(profile.samples[i]!);
    if (!frame || IDLE.has(frame.functionName)) continue;
    const key = `${frame.functionName || "(anonymous)"}\t${moduleOf(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
    out.set(key, (out.get(key) ?? 0) + ms);
  }
  return out;
}

/** The same self times summed per module; V8's own entries ("(garbage collector)") stand alone. */
export function byModule(functions: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, ms] of functions) {
    const [name, where] = key.split("\t") as [string, string];
    const module = name.startsWith("(") && where === "(native or V8)" ? name : where.replace(/:\d+$/, "");
    out.set(module, (out.get(module) ?? 0) + ms);
  }
  return out;
}

/** What /proc measured over the levels a profile is cut to: CPU seconds and completed chats. */
interface Measured {
  levels: LevelResult[];
  cpuSeconds: number;
  chats: number;
}

function measuredFor(file: string, results: Results, scenario: string | undefined): Measured | undefined {
  const name = path.basename(file).replace(/-\d+\.cpuprofile$/, "");
  const emulators = name === "emulators";
  const scenarios = results.chats.filter((c) => (emulators ? scenario === undefined || c.name === scenario : c.name === name));
  const levels = scenarios.flatMap((c) => c.levels);
  if (levels.length === 0) return undefined;
  const cpu = (l: LevelResult) => (emulators ? l.upstreams?.cpuSeconds : l.service?.cpuSeconds) ?? 0;
  return { levels, cpuSeconds: levels.reduce((sum, l) => sum + cpu(l), 0), chats: levels.reduce((sum, l) => sum + l.completed, 0) };
}

function render(title: string, rows: Map<string, number>, top: number, measured: Measured | undefined): string {
  const total = [...rows.values()].reduce((sum, ms) => sum + ms, 0);
  const perChatUs = (ms: number) => (measured && measured.chats > 0 && total > 0 ? ((ms / total) * measured.cpuSeconds * 1e6) / measured.chats : undefined);
  const lines = [title];
  lines.push(`${"self ms".padStart(9)} ${"share".padStart(6)}${measured ? " µs/chat" : ""}  function / module`);
  for (const [key, ms] of [...rows].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const each = perChatUs(ms);
    lines.push(`${ms.toFixed(1).padStart(9)} ${`${((ms / total) * 100).toFixed(1)}%`.padStart(6)}${each === undefined ? "" : ` ${each.toFixed(0).padStart(7)}`}  ${key.replace("\t", "  ")}`);
  }
  return lines.join("\n");
}

function profileFiles(inputs: string[]): string[] {
  return inputs.flatMap((input) =>
    statSync(input).isDirectory()
      ? readdirSync(input)
          .filter((f) => f.endsWith(".cpuprofile"))
          .sort()
          .map((f) => path.join(input, f))
      : [input],
  );
}

function main(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, results: { type: "string" }, scenario: { type: "string" } },
  });
  if (positionals.length === 0) {
    process.stderr.write("Usage: node bench/cpu-profile-summary.ts DIR-or-FILE... [--results bench/results.json] [--scenario NAME] [--top 25]\n");
    return 2;
  }
  const top = Number(values.top);
  const results = values.results ? (JSON.parse(readFileSync(values.results, "utf8")) as Results) : undefined;
  for (const file of profileFiles(positionals)) {
    const measured = results ? measuredFor(file, results, values.scenario) : undefined;
    if (results && !measured) continue;
    const functions = selfTimes(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, measured?.levels.map((l) => l.window) ?? []);
    const sampled = [...functions.values()].reduce((sum, ms) => sum + ms, 0);
    const head = measured
      ? `${path.basename(file)}: ${sampled.toFixed(0)} ms sampled busy in ${measured.levels.length} level(s); /proc measured ${(measured.cpuSeconds * 1000).toFixed(0)} ms CPU, ${((measured.cpuSeconds * 1000) / Math.max(1, measured.chats)).toFixed(3)} ms per chat over ${measured.chats} chats`
      : `${path.basename(file)}: ${sampled.toFixed(0)} ms sampled busy, the whole process`;
    process.stdout.write(`${head}\n\n${render("by module", byModule(functions), top, measured)}\n\n${render("by function", functions, top, measured)}\n\n`);
  }
  return 0;
}

if (import.meta.main) {
  // Piped into head, the reader may leave early: that is not an error.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
  });
  process.exitCode = main(process.argv.slice(2));
}
