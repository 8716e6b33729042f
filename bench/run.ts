import os from "node:os";
import path from "node:path";
import { startOtlpCollector, type OtlpCollector } from "../emulators/otlp/otlp.ts";
import { describeAffinity, pinProcess, planAffinity, type AffinityPlan } from "./affinity.ts";
import { NO_USAGE, readUsageTotals, usageBetween } from "./answer-usage.ts";
import { limitOf } from "./bottleneck.ts";
import { capacity, CPU_PER_CHAT_GOAL, overhead, throughput, type ChatScenarioResult, type Server } from "./chat-scenarios.ts";
import { firstToken } from "./first-token.ts";
import { coldStart } from "./cold-start.ts";
import type { Goal } from "./goals.ts";
import { ingestBench } from "./ingest-bench.ts";
import { runIngest } from "./ingest-process.ts";
import { waitForHealthy } from "./load.ts";
import { describeServer } from "./postgres.ts";
import { openFilesLimit } from "./process-stats.ts";
import { machineInfo, renderReport, writeResults, type Results } from "./report.ts";
import { REPO_DIR, startService, type ServiceProcess } from "./service-process.ts";
import { parseSettings, USAGE, type Settings } from "./settings.ts";
import { slowReaders } from "./slow-readers.ts";
import { startStack, type Stack } from "./stack.ts";

const SAMPLE_DOCS = path.join(REPO_DIR, "service/sample-docs");
const EMBEDDED_NOTE = "embedded PGlite (temp DATA_DIR; set BENCH_DATABASE_URL or TEST_DATABASE_URL for a Postgres server)";
const log = (line: string) => process.stderr.write(`${line}\n`);

/** `npm run bench`: starts the stack, runs the chosen scenarios, prints a table, writes results. */
async function main(argv: string[]): Promise<number> {
  let settings: Settings;
  try {
    const parsed = parseSettings(argv);
    if (parsed === "help") {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    settings = parsed;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }

  const notes: string[] = [];
  if (settings.store === "qdrant" && !settings.databaseUrl && !settings.target) {
    notes.push(`no Postgres server given: conversations in ${EMBEDDED_NOTE}; figures are PGlite's, not a server's`);
    log(`note: ${notes.at(-1)}`);
  }
  const chatScenarios = settings.scenarios.filter((s) => s === "overhead" || s === "capacity" || s === "throughput");
  const maxStreams = Math.max(1, ...(chatScenarios.includes("capacity") ? settings.capacity.levels : []), settings.throughput.concurrency);
  // The bench holds a client socket and an emulator socket per stream; the service an inbound and an upstream one.
  const needed = maxStreams * 2 + 200;
  const limit = openFilesLimit();
  if (limit !== undefined && limit < needed) {
    notes.push(`open-files limit ${limit} is below the ~${needed} this run needs: raise it (ulimit -n ${needed}) before running`);
    log(`warning: ${notes.at(-1)}`);
  }

  const stack = await startStack(settings);
  // The load scenarios' service on a CPU of its own, the emulators and (from the load
  // scenarios on) this process, the load generator, on the others.
  const pinning: AffinityPlan = settings.target ? { affinity: undefined, reason: "not pinned: the target is not started by the bench" } : planAffinity(settings.pin);
  if (pinning.affinity) pinProcess(stack.upstreams.pid, pinning.affinity.others);
  log(`CPU affinity: ${describeAffinity(pinning)}`);
  // Where the service's spans go with --otlp: a receiver on loopback that answers as a collector does.
  const sink = settings.telemetry.otlp && !settings.target ? await startOtlpCollector() : undefined;
  const telemetry = telemetryEnv(settings, sink);
  let service: ServiceProcess | undefined;
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    log("\nInterrupted: stopping the service and the emulators.");
    void (service?.stop() ?? Promise.resolve()).finally(() => stack.close().finally(() => process.exit(130)));
  };
  process.once("SIGINT", onInterrupt);

  const results: Results = {
    startedAt: new Date().toISOString(),
    machine: { ...machineInfo(), affinity: describeAffinity(pinning) },
    settings: { ...withoutDatabaseUrl(settings), database: settings.store === "pgvector" ? "embedded PGlite (temp DATA_DIR)" : settings.databaseUrl ? describeServer(settings.databaseUrl) : EMBEDDED_NOTE },
    chats: [],
    goals: [],
    notes,
  };
  try {
    log(`emulators: Gemini ${stack.upstreams.gemini.url}, Qdrant ${stack.upstreams.qdrant.url} (pid ${stack.upstreams.pid})`);
    if (settings.store === "qdrant") {
      // The sample book in the collection the chats retrieve from; development mode needs no database.
      const seeded = await runIngest(SAMPLE_DOCS, { ...stack.serviceEnv(), NODE_ENV: "development" });
      log(`seeded: ${seeded.summary}`);
    }
    if (settings.scenarios.includes("cold-start")) results.coldStart = await coldStart(stack, settings.coldStartRuns, log);
    if (settings.scenarios.includes("ingest")) results.ingest = await ingestBench(stack, settings.corpus, log);
    if (settings.scenarios.includes("first-token")) results.firstToken = await firstToken(stack, settings, log);

    // Pinned only now: the processes it started so far (ingests, cold starts) inherited all CPUs.
    if (pinning.affinity && (chatScenarios.length > 0 || settings.scenarios.includes("slow-readers"))) pinProcess(process.pid, pinning.affinity.others);
    const run = { overhead, capacity, throughput } as const;
    let usageSoFar = NO_USAGE;
    if (settings.target && chatScenarios.length > 0) {
      await waitForTarget(settings, stack);
      const server: Server = { url: settings.target, pid: settings.targetPid };
      for (const name of chatScenarios) results.chats.push(await run[name](server, stack.upstreams, settings, log));
    } else {
      for (const name of chatScenarios) {
        // A fresh process per scenario: each one's peak RSS and CPU are its own.
        service = await startService({ ...stack.serviceEnv(), ...telemetry, ...nodeOptions(settings, name) }, { timeoutMs: 120_000, cpus: pinning.affinity?.service });
        log(`service: pid ${service.pid} at ${service.url}, healthy after ${Math.round(service.readyMs)} ms`);
        let scenario;
        try {
          scenario = await run[name]({ url: service.url, pid: service.pid, databaseUrl: stack.runDatabase.env.DATABASE_URL }, stack.upstreams, settings, log);
        } finally {
          await service.stop();
          service = undefined;
        }
        // Read once the service has stopped: it holds an embedded database while it runs.
        const totals = await readUsageTotals(stack.runDatabase.env);
        results.chats.push({ ...scenario, usage: usageBetween(usageSoFar, totals) });
        usageSoFar = totals;
      }
    }
    if (settings.scenarios.includes("slow-readers") && !settings.target) {
      const env = { ...stack.serviceEnv(), ...telemetry, SSE_WRITE_TIMEOUT_MS: String(settings.slowReaders.writeTimeoutMs), ...nodeOptions(settings, "slow-readers") };
      service = await startService(env, { timeoutMs: 120_000, cpus: pinning.affinity?.service });
      try {
        results.slowReaders = await slowReaders({ url: service.url, pid: service.pid }, stack.upstreams, settings, log);
      } finally {
        await service.stop();
        service = undefined;
      }
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    if (!interrupted) await stack.close();
    if (sink) {
      const { exports, bytes } = sink.counts();
      notes.push(`telemetry: spans exported over OTLP (http/protobuf) to a loopback sink: ${exports} exports, ${Math.round(bytes / 1024)} KB`);
      await sink.close();
    }
  }

  // The machine's CPUs, not this process's: it may be pinned to some of them.
  const cpus = os.cpus().length;
  for (const scenario of results.chats) markLimits(scenario, pinning, cpus);
  results.goals = [...collectGoals(results.chats), ...(results.slowReaders?.goals ?? [])];
  for (const scenario of results.chats) notes.push(...scenario.notes.map((n) => `${scenario.name}: ${n}`));
  for (const scenario of results.chats) {
    for (const level of scenario.levels) {
      if (level.bench.cpuShare > 0.8) notes.push(`${scenario.name} N=${level.concurrency}: the load generator used ${Math.round(level.bench.cpuShare * 100)}% of a core; its figures may be the generator's limit`);
      if (level.limitedBy) notes.push(`${scenario.name} N=${level.concurrency}${level.arrivals ? ` ${level.arrivals}` : ""}: figures limited by the ${level.limitedBy}`);
    }
  }
  process.stdout.write(`\n${renderReport(results)}\n`);
  await writeResults(settings.out, results);
  log(`\nwrote ${path.relative(process.cwd(), settings.out) || settings.out}`);
  if (settings.strict && results.goals.some((g) => g.met === false)) return 1;
  const cpuBound = results.goals.find((g) => g.name === CPU_PER_CHAT_GOAL);
  if (settings.maxCpuPerChatMs !== undefined && cpuBound?.met !== true) {
    log(`\nfailed: the service's CPU per chat in the throughput scenario is ${cpuBound?.value ?? "not measured"}, the bound ${cpuBound?.target ?? `<= ${settings.maxCpuPerChatMs} ms`}`);
    return 1;
  }
  return 0;
}

/**
 * Marks each level whose figures are another process's limit (limitOf), and the scenario's
 * goals when its largest level is one: its latency there is not the service's alone.
 */
function markLimits(scenario: ChatScenarioResult, pinning: AffinityPlan, cpus: number): void {
  for (const level of scenario.levels) {
    const limit = limitOf(level, pinning.affinity, cpus);
    if (limit) level.limitedBy = limit;
  }
  const top = Math.max(...scenario.levels.map((l) => l.concurrency));
  const limited = scenario.levels.filter((l) => l.concurrency === top && l.limitedBy);
  if (limited.length === 0) return;
  const by = limited[0]!.limitedBy!.split(":")[0]!;
  for (const g of scenario.goals) if (g.name !== CPU_PER_CHAT_GOAL) g.limitedBy = by;
}

/** The service's telemetry variables: none by default (telemetry off, as a service without them runs). */
function telemetryEnv(settings: Settings, sink: OtlpCollector | undefined): Record<string, string> {
  return {
    ...(sink ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
    ...(settings.telemetry.metrics ? { METRICS_TOKEN: "bench-metrics-token-not-a-secret" } : {}),
  };
}

/** NODE_OPTIONS for a service process: the user's flags, and a CPU profile when asked. */
function nodeOptions(settings: Settings, scenario: string): Record<string, string> {
  const flags: string[] = [];
  if (settings.serviceNodeOptions) flags.push(settings.serviceNodeOptions);
  if (settings.cpuProfileDir) flags.push(`--cpu-prof --cpu-prof-dir=${settings.cpuProfileDir} --cpu-prof-name=${scenario}-\${pid}.cpuprofile`);
  return flags.length > 0 ? { NODE_OPTIONS: flags.join(" ") } : {};
}

function collectGoals(chats: ChatScenarioResult[]): Goal[] {
  return chats.flatMap((c) => c.goals);
}

function withoutDatabaseUrl(settings: Settings): Omit<Settings, "databaseUrl"> {
  const { databaseUrl: _hidden, ...rest } = settings;
  return rest;
}

/** Prints what the other server needs to meet our emulators, then waits for its health. */
async function waitForTarget(settings: Settings, stack: Stack): Promise<void> {
  const env = {
    GEMINI_API_KEY: stack.upstreams.gemini.apiKey,
    GEMINI_BASE_URL: stack.upstreams.gemini.url,
    QDRANT_URL: stack.upstreams.qdrant.url,
    QDRANT_API_KEY: stack.upstreams.qdrant.apiKey,
    QDRANT_COLLECTION: "docusaurus-book",
  };
  process.stdout.write(`\nPoint the server at ${settings.target} to these emulators:\n${Object.entries(env).map(([k, v]) => `  ${k}=${v}`).join("\n")}\n\n`);
  log(`waiting up to ${settings.waitSeconds} s for ${settings.target}/api/health to answer 200`);
  const ms = await waitForHealthy(settings.target!, { timeoutMs: settings.waitSeconds * 1000, periodMs: 500 });
  log(`target healthy after ${Math.round(ms)} ms`);
}

process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`Bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
