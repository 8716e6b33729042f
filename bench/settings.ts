import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { REPO_DIR } from "./service-process.ts";

export const SCENARIOS = ["cold-start", "ingest", "overhead", "capacity", "throughput", "slow-readers", "first-token"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** The upstream's answer: first token after `firstTokenDelayMs`, then one every `tokenDelayMs`. */
export interface StreamProfile {
  firstTokenDelayMs: number;
  tokenDelayMs: number;
  tokens: number;
  /** How long a request that leaves thinking fully on thinks first (the emulator's default: none here). */
  thinkingMs?: number;
}

export interface Settings {
  scenarios: ScenarioName[];
  store: "qdrant" | "pgvector";
  /** Another server to load instead of starting ours. */
  target: string | undefined;
  /** With --target: its process id, to read its memory and CPU from /proc. */
  targetPid: number | undefined;
  waitSeconds: number;
  quick: boolean;
  /** Exit with status 1 when a goal is missed (for CI). */
  strict: boolean;
  databaseUrl: string | undefined;
  geminiPort: number;
  qdrantPort: number;
  out: string;
  coldStartRuns: number;
  corpus: { files: number; sections: number };
  overhead: { chats: number; warmup: number; profile: StreamProfile };
  /**
   * Each level holds N streams: the clients' first chats are spread over `rampMs` (one stream's
   * length unless set, the arrival rate that keeps N streams open) and each client runs
   * `chatsPerClient` chats back to back. Then, with `burstMs` > 0, the largest N arrive at once.
   */
  capacity: { levels: number[]; chatsPerClient: number; rampMs: number | undefined; burstMs: number; profile: StreamProfile };
  throughput: { concurrency: number; seconds: number; profile: StreamProfile };
  firstToken: { chats: number; profile: Required<StreamProfile> };
  /** N clients that stop reading: answers of `tokens` pieces, the service's SSE_WRITE_TIMEOUT_MS, then `waitMs` before reading back. */
  slowReaders: { clients: number; answerBytes: number; tokens: number; writeTimeoutMs: number; waitMs: number };
  timeoutMs: number;
  /** Folder for the service's V8 CPU profiles (one per started process), or undefined. */
  cpuProfileDir: string | undefined;
  /** Extra node flags for the service process (NODE_OPTIONS), e.g. "--max-old-space-size=384". */
  serviceNodeOptions: string | undefined;
  /** Give the service a CPU of its own (taskset): true, false, or undefined to pin where possible. */
  pin: boolean | undefined;
  /** Fail the run (exit 1) when the service's CPU per chat in the throughput scenario is above this. */
  maxCpuPerChatMs: number | undefined;
  /** The service's telemetry: spans exported over OTLP to a loopback sink, /metrics kept (METRICS_TOKEN). */
  telemetry: { otlp: boolean; metrics: boolean };
}

export const USAGE = `Usage: npm run bench -- [scenarios] [options]

Scenarios (default: all of them; with --target only overhead, capacity, throughput):
  --cold-start          process start to /api/health 200, on an empty and on a migrated database
  --ingest              ingest a generated corpus: embedding calls and wall time
  --overhead            zero-delay upstream, one chat at a time (goal: first-token p99 < 10 ms)
  --capacity            realistic upstream, N streams held (goal at the largest N: no errors,
                        first-token p99 <= first-token delay + 50 ms, peak RSS < 512 MB), then a burst
  --throughput          zero-delay upstream, many clients for a while: chats per second (goals at
                        50 clients: 600 chats/s, the service's CPU per chat <= 1.3 ms)
  --first-token         one chat at a time, upstream thinking like Gemini 2.5 left on: first token
                        with thinking off and on, and of a follow-up rewritten by Gemini or by rule
  --slow-readers        N clients that stop reading mid-answer: the service's RSS growth, and
                        each stream read back as stored (complete, or incomplete with its code)

Options:
  --quick               small N and short durations (under a minute)
  --strict              exit with status 1 when a goal is missed
  --max-cpu-per-chat-ms MS   exit with status 1 when the service's CPU time per chat in the
                        throughput scenario is above MS (CI's regression check: CPU time per
                        chat holds steady on a busy machine, where latency does not)
  --no-pin              do not pin processes to CPUs; by default, where taskset exists and two
                        CPUs or more are allowed, the service gets the last CPU to itself and
                        the emulators and load generator the others, as the report says
  --store qdrant|pgvector   vector store of the service (pgvector runs on embedded PGlite)
  --target URL          load another server that speaks the contract; emulators are started for it
  --target-pid PID      with --target: read its memory and CPU from /proc/PID
  --wait-seconds S      with --target: how long to wait for its /api/health to answer 200 (300)
  --gemini-port P, --qdrant-port P   fixed emulator ports (useful with --target)
  --database-url URL    Postgres server (default BENCH_DATABASE_URL, then TEST_DATABASE_URL;
                        with none, conversations go to an embedded PGlite, as the report says)
  --levels 1,50,200,500 capacity concurrency levels
  --chats-per-client K  capacity: chats each client runs back to back (3); all but its first
                        begin while all N streams are open, and the goal's first tokens are theirs
  --ramp-ms MS          capacity: spread the clients' first chats over this time (one stream's length)
  --burst-ms MS         capacity: then N clients (the largest level) start within this time, one
                        chat each, reported beside the goal (2000; 0 skips it)
  --first-token-ms MS, --tokens N, --tokens-per-second R   capacity upstream profile (300, 300, 30)
  --overhead-chats N    sequential chats of the overhead scenario (1000, after 100 warm-up chats)
  --throughput-concurrency N, --throughput-seconds S   (50, 15)
  --first-token-chats N, --thinking-ms MS   first-token scenario: chats per case, and how long
                        the upstream thinks when thinking is fully on (5 with --quick, else 20; 2000)
  --slow-clients N      slow-readers: clients that stop reading (100; --quick 20)
  --corpus-files N, --corpus-sections N   generated corpus size (30 x 10)
  --cold-start-runs N   starts per cold-start case (3)
  --out FILE            results file (bench/results.json)
  --otlp                the service exports its spans over OTLP (http/protobuf) to a sink on loopback
  --metrics             the service keeps its Prometheus metrics (METRICS_TOKEN set)
                        (without either, telemetry is off, as it is by default)
  --cpu-prof DIR        write a V8 CPU profile of each service process of the load scenarios, and
                        of the emulators' process, to DIR; summarise them per scenario with
                        node bench/cpu-profile-summary.ts DIR --results bench/results.json
  --node-options=FLAGS extra node flags for the service processes, e.g. --node-options=--max-old-space-size=384`;

/** The CI bound, checked on the throughput scenario of a server whose CPU the bench can read. */
function maxCpuPerChatMs(raw: unknown, scenarios: ScenarioName[], target: string | undefined, targetPid: number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`--max-cpu-per-chat-ms must be a number of milliseconds above 0, not ${JSON.stringify(raw)}`);
  if (!scenarios.includes("throughput")) throw new Error("--max-cpu-per-chat-ms is checked on the throughput scenario, which this run leaves out");
  if (target !== undefined && targetPid === undefined) throw new Error("--max-cpu-per-chat-ms with --target needs --target-pid, to read the server's CPU time");
  return ms;
}

const intArg = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

export function parseSettings(argv: string[]): Settings | "help" {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== "--"),
    strict: true,
    allowNegative: true,
    options: {
      help: { type: "boolean", short: "h" },
      pin: { type: "boolean" },
      "max-cpu-per-chat-ms": { type: "string" },
      quick: { type: "boolean" },
      strict: { type: "boolean" },
      otlp: { type: "boolean" },
      metrics: { type: "boolean" },
      ...Object.fromEntries(SCENARIOS.map((s) => [s, { type: "boolean" as const }])),
      store: { type: "string" },
      target: { type: "string" },
      "target-pid": { type: "string" },
      "wait-seconds": { type: "string" },
      "gemini-port": { type: "string" },
      "qdrant-port": { type: "string" },
      "database-url": { type: "string" },
      levels: { type: "string" },
      "chats-per-client": { type: "string" },
      "ramp-ms": { type: "string" },
      "burst-ms": { type: "string" },
      "first-token-ms": { type: "string" },
      tokens: { type: "string" },
      "tokens-per-second": { type: "string" },
      "overhead-chats": { type: "string" },
      "throughput-concurrency": { type: "string" },
      "throughput-seconds": { type: "string" },
      "first-token-chats": { type: "string" },
      "thinking-ms": { type: "string" },
      "slow-clients": { type: "string" },
      "corpus-files": { type: "string" },
      "corpus-sections": { type: "string" },
      "cold-start-runs": { type: "string" },
      out: { type: "string" },
      "cpu-prof": { type: "string" },
      "node-options": { type: "string" },
    },
  });
  if (values.help) return "help";
  const v = values as Record<string, string | boolean | undefined>;
  const quick = v.quick === true;
  const target = typeof v.target === "string" ? new URL(v.target).toString().replace(/\/$/, "") : undefined;

  const chosen = SCENARIOS.filter((s) => v[s] === true);
  const loadOnly: ScenarioName[] = ["overhead", "capacity", "throughput"];
  let scenarios = chosen.length > 0 ? chosen : [...SCENARIOS];
  if (target) scenarios = scenarios.filter((s) => loadOnly.includes(s));

  const num = (name: string, fallback: number, min = 0) => intArg(fallback, min).parse(v[name]);
  const targetPid = v["target-pid"] === undefined ? undefined : z.coerce.number().int().min(1).parse(v["target-pid"]);
  const levels = typeof v.levels === "string" ? z.array(z.coerce.number().int().min(1)).min(1).parse(v.levels.split(",")) : quick ? [1, 10, 50] : [1, 50, 200, 500];
  const tokensPerSecond = z.coerce.number().positive().default(30).parse(v["tokens-per-second"]);
  const capacityTokens = num("tokens", quick ? 30 : 300, 1);
  const zeroDelay = (tokens: number): StreamProfile => ({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens });

  return {
    scenarios,
    store: z.enum(["qdrant", "pgvector"]).default("qdrant").parse(v.store),
    target,
    targetPid,
    waitSeconds: num("wait-seconds", 300),
    quick,
    strict: v.strict === true,
    databaseUrl: (v["database-url"] as string | undefined) ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL,
    geminiPort: num("gemini-port", 0),
    qdrantPort: num("qdrant-port", 0),
    out: path.resolve(typeof v.out === "string" ? v.out : path.join(REPO_DIR, "bench/results.json")),
    coldStartRuns: num("cold-start-runs", quick ? 1 : 3, 1),
    corpus: { files: num("corpus-files", quick ? 5 : 30, 1), sections: num("corpus-sections", 10, 1) },
    // 1000 chats: a p99 of 200 rests on its two slowest. The warm-up takes JIT compilation out.
    overhead: { chats: num("overhead-chats", quick ? 30 : 1000, 1), warmup: quick ? 5 : 100, profile: zeroDelay(50) },
    capacity: {
      levels,
      chatsPerClient: num("chats-per-client", 3, 1),
      rampMs: v["ramp-ms"] === undefined ? undefined : num("ramp-ms", 0),
      burstMs: num("burst-ms", quick ? 500 : 2000),
      profile: { firstTokenDelayMs: num("first-token-ms", 300), tokenDelayMs: 1000 / tokensPerSecond, tokens: capacityTokens },
    },
    throughput: { concurrency: num("throughput-concurrency", quick ? 10 : 50, 1), seconds: num("throughput-seconds", quick ? 3 : 15, 1), profile: zeroDelay(50) },
    firstToken: {
      chats: num("first-token-chats", quick ? 5 : 20, 1),
      profile: { firstTokenDelayMs: num("first-token-ms", 300), tokenDelayMs: 1000 / tokensPerSecond, tokens: 30, thinkingMs: num("thinking-ms", 2000) },
    },
    // 8 MB answers: twice what a loopback socket pair took here (the kernel grows its buffers
    // to about 4 MB), so a reader that stops reading fills them and the service must choose.
    slowReaders: { clients: num("slow-clients", quick ? 20 : 100, 1), answerBytes: 8_000_000, tokens: 2_000, writeTimeoutMs: 2_000, waitMs: quick ? 8_000 : 20_000 },
    timeoutMs: 120_000,
    cpuProfileDir: typeof v["cpu-prof"] === "string" ? path.resolve(v["cpu-prof"]) : undefined,
    serviceNodeOptions: typeof v["node-options"] === "string" ? v["node-options"] : undefined,
    pin: typeof v.pin === "boolean" ? v.pin : undefined,
    maxCpuPerChatMs: maxCpuPerChatMs(v["max-cpu-per-chat-ms"], scenarios, target, targetPid),
    telemetry: { otlp: v.otlp === true, metrics: v.metrics === true },
  };
}
