import { monitorEventLoopDelay } from "node:perf_hooks";
import { runLoad, type ChatOutcome, type LoadOptions } from "./load.ts";
import { watchDatabase } from "./postgres.ts";
import { watchMachine, watchProcess } from "./process-stats.ts";
import { distribution, round, type Distribution } from "./stats.ts";

export interface LevelResult {
  concurrency: number;
  chats: number;
  completed: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Most chats open at once, as the generator saw them. */
  maxInFlight: number;
  wallSeconds: number;
  firstTokenMs: Distribution;
  /**
   * First tokens of the chats that were not their client's first: with the clients' first
   * chats spread over one stream's length, these began while every client was streaming.
   */
  heldFirstTokenMs: Distribution;
  /** For capacity levels: streams held at a steady rate, or a burst of arrivals. */
  arrivals?: "held" | "burst";
  /** Tokens received per second, all streams together. */
  tokensPerSecond: number | null;
  /** One stream's token rate (first to last token), median over streams. */
  streamTokensPerSecondP50: number | null;
  chatsPerSecond: number | null;
  /** Measured from /proc while the level ran; absent against a --target without a pid. cpuShare is in cores. */
  service?: { maxRssMb: number; peakRssMb: number; cpuSeconds: number; cpuShare: number; cpuSecondsPerChat: number | null };
  /** The load generator's process: if it saturates, the figures are its. */
  bench: { cpuSeconds: number; cpuShare: number; eventLoopDelayP99Ms: number | null };
  /** The emulators' process: the same check for the upstreams, and their CPU per completed chat. */
  upstreams?: { cpuSeconds: number; cpuShare: number; cpuSecondsPerChat: number | null };
  /** The Postgres server processes of the service's database, when they run on this machine. */
  database?: { cpuSeconds: number; cpuShare: number; cpuSecondsPerChat: number | null; backends: number };
  /** The whole machine, from /proc/stat: every process's CPU (in cores), the hypervisor's steal, each CPU's busy share. */
  machine?: { busyCores: number; stealCores: number; perCpuBusy: Record<string, number> };
  /** When the level ran, on the monotonic clock V8's CPU profiles use (µs): to cut a profile to it. */
  window: { startUs: number; endUs: number };
  /** Set when the figures are the emulators' limit, or the machine's, not the service's (see bottleneck.ts). */
  limitedBy?: string;
}

const MB = 1024 * 1024;
// The histogram records whole timer intervals: the resolution is subtracted to leave the lag.
const LOOP_RESOLUTION_MS = 10;
const QUESTIONS = [
  "How do I configure the vector store?",
  "What does the health endpoint report?",
  "How is a book ingested?",
  "Which environment variables does the service read?",
  "How do I deploy the backend?",
  "What happens when Gemini's quota runs out?",
  "How are conversations stored?",
  "How do I continue a conversation?",
];

export function question(index: number): string {
  return `${QUESTIONS[index % QUESTIONS.length]!} (#${index})`;
}

/** Runs one load level and measures the server (when its pid is known) and the bench. */
export async function measureLevel(
  options: Omit<LoadOptions, "question"> & { pid: number | undefined; upstreamsPid: number | undefined; databaseUrl?: string | undefined },
): Promise<LevelResult> {
  const { pid, upstreamsPid, databaseUrl, ...load } = options;
  const database = databaseUrl === undefined ? undefined : await watchDatabase(databaseUrl);
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const benchCpu = process.cpuUsage();
  const startUs = monotonicUs();
  const machine = watchMachine();
  const server = pid === undefined ? undefined : watchProcess(pid);
  const emulators = upstreamsPid === undefined ? undefined : watchProcess(upstreamsPid, 1_000);
  const result = await runLoad({ ...load, question });
  const window = server?.stop();
  const emulatorsWindow = emulators?.stop();
  const machineWindow = machine.stop();
  const endUs = monotonicUs();
  const benchUsage = process.cpuUsage(benchCpu);
  const databaseWindow = await database?.stop();
  loop.disable();

  const { outcomes } = result;
  const completed = outcomes.filter((o) => o.ok);
  const errorKinds: Record<string, number> = {};
  for (const o of outcomes) if (o.error) errorKinds[o.error] = (errorKinds[o.error] ?? 0) + 1;
  const wallSeconds = result.wallMs / 1000;
  const tokens = outcomes.reduce((sum, o) => sum + o.tokens, 0);
  const streamRates = completed.filter((o) => o.streamMs && o.tokens > 1).map((o) => ((o.tokens - 1) * 1000) / o.streamMs!);
  const benchCpuSeconds = (benchUsage.user + benchUsage.system) / 1e6;
  // A process's CPU over the level: in all, in share of one core, and per completed chat.
  const cpu = (seconds: number) => ({
    cpuSeconds: round(seconds, 2)!,
    cpuShare: round(seconds / wallSeconds, 2)!,
    cpuSecondsPerChat: completed.length > 0 ? round(seconds / completed.length, 5) : null,
  });

  return {
    concurrency: options.concurrency,
    chats: outcomes.length,
    completed: completed.length,
    errors: outcomes.length - completed.length,
    errorKinds,
    maxInFlight: result.maxInFlight,
    wallSeconds: round(wallSeconds, 2)!,
    firstTokenMs: roundDistribution(distribution(firstTokens(completed))),
    heldFirstTokenMs: roundDistribution(distribution(firstTokens(completed.filter((o) => o.round > 0)))),
    tokensPerSecond: round(tokens / wallSeconds, 0),
    streamTokensPerSecondP50: round(distribution(streamRates).p50, 1),
    chatsPerSecond: round(completed.length / wallSeconds, 1),
    ...(window
      ? {
          service: {
            maxRssMb: round(window.maxRssBytes / MB, 0)!,
            peakRssMb: round(window.peakRssBytes / MB, 0)!,
            ...cpu(window.cpuSeconds),
          },
        }
      : {}),
    bench: {
      cpuSeconds: round(benchCpuSeconds, 2)!,
      cpuShare: round(benchCpuSeconds / wallSeconds, 2)!,
      eventLoopDelayP99Ms: round(Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS), 1),
    },
    ...(emulatorsWindow
      ? {
          upstreams: cpu(emulatorsWindow.cpuSeconds),
        }
      : {}),
    ...(databaseWindow
      ? {
          database: { ...cpu(databaseWindow.cpuSeconds), backends: databaseWindow.backends },
        }
      : {}),
    ...(machineWindow
      ? {
          machine: {
            busyCores: round(machineWindow.busyCores, 2)!,
            stealCores: round(machineWindow.stealCores, 2)!,
            perCpuBusy: Object.fromEntries([...machineWindow.perCpuBusy].map(([cpu, share]) => [String(cpu), round(share, 2)!])),
          },
        }
      : {}),
    window: { startUs, endUs },
  };
}

/** CLOCK_MONOTONIC in µs, the clock of a V8 CPU profile's timestamps in any process on the machine. */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function firstTokens(outcomes: ChatOutcome[]): number[] {
  return outcomes.map((o) => o.firstTokenMs).filter((v): v is number => v !== null);
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
