import { writeFile } from "node:fs/promises";
import os from "node:os";
import { goalFirstTokens, type ChatScenarioResult } from "./chat-scenarios.ts";
import type { ColdStartResult } from "./cold-start.ts";
import type { FirstTokenResult } from "./first-token.ts";
import type { Goal } from "./goals.ts";
import type { IngestResult } from "./ingest-bench.ts";
import type { Distribution } from "./stats.ts";
import type { Settings } from "./settings.ts";
import type { UsageSummary } from "./answer-usage.ts";
import type { SlowReadersResult } from "./slow-readers.ts";

export interface Results {
  startedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string; loadAverageAtStart: number[]; affinity?: string };
  settings: Omit<Settings, "databaseUrl"> & { database: string };
  coldStart?: ColdStartResult;
  ingest?: IngestResult;
  firstToken?: FirstTokenResult;
  chats: ChatScenarioResult[];
  slowReaders?: SlowReadersResult;
  goals: Goal[];
  notes: string[];
}

export function machineInfo(): Results["machine"] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    // Other work on a shared machine shows here: figures taken under load are not comparable.
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const cell = (v: unknown) => (v === null || v === undefined ? "-" : String(v));

function table(header: string[], rows: unknown[][]): string {
  const cells = [header, ...rows.map((r) => r.map(cell))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(cells[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function renderReport(results: Results): string {
  const out: string[] = [];
  const m = results.machine;
  out.push(`Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGb} GB, node ${m.node}, load average ${m.loadAverageAtStart.join(" ")}; store ${results.settings.store}; database ${results.settings.database}${results.settings.target ? `; target ${results.settings.target}` : ""}; telemetry ${describeTelemetry(results.settings.telemetry)}`);
  if (m.affinity) out.push(`CPU affinity: ${m.affinity}`);
  if (results.coldStart) {
    const c = results.coldStart;
    out.push("", "Cold start (spawn to /api/health 200)");
    out.push(
      table(
        ["database", "runs", "p50 ms", "max ms"],
        [
          ["empty (migrations run)", c.emptyDatabaseMs.count, c.emptyDatabaseMs.p50, c.emptyDatabaseMs.max],
          ["already migrated", c.migratedDatabaseMs.count, c.migratedDatabaseMs.p50, c.migratedDatabaseMs.max],
        ],
      ),
    );
    out.push(`idle RSS after start: ${cell(c.idleRssMb)} MB`);
  }
  if (results.ingest) {
    const i = results.ingest;
    out.push("", `Ingest of a generated corpus (${i.files} files)`);
    out.push(
      table(
        ["run", "wall s", "embed calls"],
        [
          ["first", i.first.wallSeconds, i.first.embedCalls],
          ["repeat (unchanged)", i.repeat.wallSeconds, i.repeat.embedCalls],
        ],
      ),
    );
    out.push(`first:  ${i.first.summary}`, `repeat: ${i.repeat.summary}`);
  }
  if (results.firstToken) {
    const f = results.firstToken;
    out.push("", `First token, one chat at a time (${f.chats} per case): upstream first token after ${f.profile.firstTokenDelayMs} ms, thinking ${f.profile.thinkingMs} ms when fully on`);
    out.push(table(["case", "chats", "err", "ttft p50", "p95", "max"], f.cases.map((c) => [c.name, c.firstTokenMs.count, c.errors, c.firstTokenMs.p50, c.firstTokenMs.p95, c.firstTokenMs.max])));
    out.push(...f.notes);
  }
  for (const scenario of results.chats) {
    const p = scenario.profile;
    out.push("", `${scenario.name}: upstream first token after ${p.firstTokenDelayMs} ms, ${p.tokens} tokens every ${Math.round(p.tokenDelayMs * 10) / 10} ms`);
    const level = (l: ChatScenarioResult["levels"][number]) => `${l.arrivals ? `${l.concurrency} ${l.arrivals}` : l.concurrency}${l.limitedBy ? " *" : ""}`;
    out.push(
      table(
        ["N", "chats", "ok", "err", "ttft p50", "p95", "p99", "tok/s", "stream tok/s", "chats/s", "peak RSS MB", "bench lag p99"],
        scenario.levels.map((l) => [
          level(l),
          l.chats,
          l.completed,
          l.errors,
          ...firstTokenCells(goalFirstTokens(l)),
          l.tokensPerSecond,
          // A zero-delay upstream has no meaningful per-stream rate.
          p.tokenDelayMs > 0 ? l.streamTokensPerSecondP50 : null,
          l.chatsPerSecond,
          l.service?.peakRssMb,
          l.bench.eventLoopDelayP99Ms === null ? null : `${l.bench.eventLoopDelayP99Ms} ms`,
        ]),
      ),
    );
    out.push("", `${scenario.name}: CPU time, per completed chat and in share of one core${results.machine.cpus > 0 ? ` (the machine has ${results.machine.cpus})` : ""}`);
    out.push(
      table(
        ["N", "service ms/chat", "service", "emulators ms/chat", "emulators", "Postgres ms/chat", "Postgres", "load generator", "machine busy", "steal"],
        scenario.levels.map((l) => [
          level(l),
          perChatMs(l.service?.cpuSecondsPerChat),
          share(l.service?.cpuShare),
          perChatMs(l.upstreams?.cpuSecondsPerChat),
          share(l.upstreams?.cpuShare),
          perChatMs(l.database?.cpuSecondsPerChat),
          share(l.database?.cpuShare),
          share(l.bench.cpuShare),
          share(l.machine?.busyCores),
          share(l.machine?.stealCores),
        ]),
      ),
    );
    for (const l of scenario.levels) if (l.limitedBy) out.push(`  * N=${l.concurrency}${l.arrivals ? ` ${l.arrivals}` : ""} limited by the ${l.limitedBy}`);
    for (const l of scenario.levels) {
      if (l.errors > 0) out.push(`  N=${l.concurrency} errors: ${Object.entries(l.errorKinds).map(([k, v]) => `${k} x${v}`).join(", ")}`);
    }
    if (scenario.usage) out.push(...usageLines(scenario.usage));
  }
  const slow = results.slowReaders;
  if (slow) {
    out.push("", `slow readers: ${slow.clients} clients stop reading after the metadata event; answers of ${slow.answerBytes} bytes in ${slow.tokens} pieces, one a millisecond`);
    out.push(
      table(
        ["clients", "RSS before MB", "max RSS MB", "growth MB", "seconds", "stored as"],
        [[slow.clients, slow.rssBeforeMb, slow.maxRssMb, slow.rssGrowthMb, slow.seconds, Object.entries(slow.outcomes).map(([k, v]) => `${k} x${v}`).join(", ")]],
      ),
    );
  }
  if (results.goals.length > 0) {
    out.push("", "Goals");
    out.push(table(["goal", "target", "measured", "met"], results.goals.map((g) => [g.name, g.target, g.limitedBy ? `${g.value} (at the ${g.limitedBy === "emulators" ? "emulators'" : `${g.limitedBy}'s`} limit *)` : g.value, g.met === null ? "n/a" : g.met ? "yes" : "NO"])));
  }
  for (const note of results.notes) out.push(`note: ${note}`);
  return out.join("\n");
}

const share = (cores: number | undefined) => (cores === undefined ? null : `${Math.round(cores * 100)}%`);
const perChatMs = (seconds: number | null | undefined) => (seconds === null || seconds === undefined ? null : (seconds * 1000).toFixed(2));

function describeTelemetry(t: Results["settings"]["telemetry"] | undefined): string {
  if (!t || (!t.otlp && !t.metrics)) return "off";
  return [t.otlp ? "OTLP export" : "", t.metrics ? "metrics" : ""].filter(Boolean).join(" and ");
}

/** Tokens per answer as the service stored them (the emulator counts four characters a token), and their list-price cost. */
function usageLines(usage: UsageSummary): string[] {
  const lines = usage.models.map(
    (m) =>
      `  tokens per answer (${m.model}, ${m.answers} answers): input ${m.perAnswer.input}, output ${m.perAnswer.output}, thinking ${m.perAnswer.thinking}; ` +
      (m.costPer1000Answers === null ? m.priceNote : `$${m.costPer1000Answers} per 1,000 answers (${m.priceNote})`),
  );
  if (usage.answersWithout > 0) lines.push(`  ${usage.answersWithout} answers stored without token counts (cut short, or no Gemini call)`);
  return lines;
}

function firstTokenCells(d: Distribution): unknown[] {
  return [d.p50, d.p95, d.p99];
}

export async function writeResults(file: string, results: Results): Promise<void> {
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
