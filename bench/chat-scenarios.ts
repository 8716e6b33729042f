import { setTimeout as sleep } from "node:timers/promises";
import type { UsageSummary } from "./answer-usage.ts";
import { goal, type Goal } from "./goals.ts";
import { measureLevel, type LevelResult } from "./measure.ts";
import type { Settings, StreamProfile } from "./settings.ts";
import type { Upstreams } from "./upstreams.ts";

/** The server under load: ours (with its pid, for /proc) or a --target. */
export interface Server {
  url: string;
  pid: number | undefined;
  /** The service's Postgres database, to read its server processes' CPU when they run here. */
  databaseUrl?: string | undefined;
}

export interface ChatScenarioResult {
  name: "overhead" | "capacity" | "throughput";
  profile: StreamProfile;
  levels: LevelResult[];
  goals: Goal[];
  notes: string[];
  /** The tokens the service stored with this scenario's answers (its warm-up's included), and their cost. */
  usage?: UsageSummary;
}

type Log = (line: string) => void;

const WARM_UP_CHATS = 10;
// V8 goes on compiling a fresh process's hot code for its first few hundred chats, on threads
// whose CPU counts as the service's: the throughput scenario, whose CPU per chat CI bounds,
// warms up longer.
const THROUGHPUT_WARM_UP_CHATS = 300;

/**
 * A fresh process pays for JIT compilation and new pool connections on its first requests:
 * a few quick chats first keep that out of the figures.
 */
async function warmUp(server: Server, upstreams: Upstreams, chats: number, s: Settings): Promise<void> {
  await upstreams.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
  await measureLevel({ baseUrl: server.url, pid: undefined, upstreamsPid: undefined, concurrency: Math.min(chats, 5), chats, timeoutMs: s.timeoutMs });
}

/** Zero-delay upstream, one chat at a time: what the backend itself adds to the first token. */
export async function overhead(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<ChatScenarioResult> {
  const { profile, chats, warmup } = s.overhead;
  log(`overhead: ${warmup} warm-up chats, then ${chats} sequential chats`);
  await warmUp(server, upstreams, warmup, s);
  await upstreams.setStreamProfile(profile);
  const level = await measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, databaseUrl: server.databaseUrl, concurrency: 1, chats, timeoutMs: s.timeoutMs });
  return {
    name: "overhead",
    profile,
    levels: [level],
    goals: [
      goal("overhead: first-token p99", `< ${GOALS.overheadP99Ms} ms`, level.firstTokenMs.p99, " ms", (v) => v < GOALS.overheadP99Ms),
      goal("overhead: errors", "0", level.errors, "", (v) => v === 0),
    ],
    notes: [],
  };
}

/**
 * Realistic upstream, N streams held per level. The clients' first chats are spread over one
 * stream's length, so chats arrive at N per stream length, the rate that keeps N streams open;
 * each client then starts its next chat as its last one ends. The goal's first tokens are those
 * of chats that were not their client's first: each began while all N streams were open.
 * Last, a burst: the largest N all arriving within `burstMs`, one chat each, reported beside
 * the goal, since it measures how fast a crowd is admitted rather than what is held.
 */
export async function capacity(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<ChatScenarioResult> {
  const { profile, levels, chatsPerClient, burstMs } = s.capacity;
  const streamMs = Math.round(profile.firstTokenDelayMs + profile.tokens * profile.tokenDelayMs);
  const rampMs = s.capacity.rampMs ?? streamMs;
  await warmUp(server, upstreams, WARM_UP_CHATS, s);
  await upstreams.setStreamProfile(profile);
  const measure = (n: number, chats: number, ramp: number) =>
    measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, databaseUrl: server.databaseUrl, concurrency: n, chats, rampMs: ramp, timeoutMs: s.timeoutMs });

  const results: LevelResult[] = [];
  for (const n of levels) {
    log(`capacity: ${n} streams held, ${n * chatsPerClient} chats, first chats spread over ${rampMs} ms, ~${Math.round(streamMs / 1000)} s each`);
    // One chat per client holds nothing: its chats are a crowd arriving over the ramp.
    const arrivals = chatsPerClient > 1 ? ("held" as const) : ("burst" as const);
    const level = { ...(await measure(n, n * chatsPerClient, n > 1 ? rampMs : 0)), arrivals };
    results.push(level);
    const ttft = goalFirstTokens(level);
    log(`  first token (${arrivals}) p50 ${ttft.p50} / p99 ${ttft.p99} ms, ${level.completed} done, ${level.errors} errors, max in flight ${level.maxInFlight}`);
    await sleep(1_000);
  }
  const top = results.at(-1)!;
  let burst: LevelResult | undefined;
  if (burstMs > 0) {
    log(`capacity: burst of ${top.concurrency} chats within ${burstMs} ms`);
    burst = { ...(await measure(top.concurrency, top.concurrency, burstMs)), arrivals: "burst" as const };
    results.push(burst);
    log(`  first token p50 ${burst.firstTokenMs.p50} / p99 ${burst.firstTokenMs.p99} ms, ${burst.completed} done, ${burst.errors} errors`);
  }

  const budget = profile.firstTokenDelayMs + 50;
  const errors = top.errors + (burst?.errors ?? 0);
  const peakRss = Math.max(top.service?.peakRssMb ?? 0, burst?.service?.peakRssMb ?? 0) || undefined;
  return {
    name: "capacity",
    profile,
    levels: results,
    goals: [
      goal(`capacity: ${top.concurrency} streams${burst ? ", held and in a burst" : ""}`, "0 errors", errors, " errors", (v) => v === 0),
      goal(`capacity: first-token p99, ${top.concurrency} ${top.arrivals}`, `<= ${budget} ms`, goalFirstTokens(top).p99, " ms", (v) => v <= budget),
      goal(`capacity: peak RSS at ${top.concurrency}`, "< 512 MB", peakRss, " MB", (v) => v < 512),
    ],
    notes: [
      top.arrivals === "held"
        ? `held: first chats spread over ${rampMs} ms, ${chatsPerClient} chats per client; first-token figures of held levels are of chats begun while all N streams were open`
        : `one chat per client, first requests spread over ${rampMs} ms; first-token figures are of every chat`,
      ...(burst ? [`burst: ${top.concurrency} clients starting within ${burstMs} ms, one chat each, right after the held level; its first-token figures are of every chat`] : []),
    ],
  };
}

/** A held level's first tokens are those begun while all its streams were open; a burst's, all. */
export function goalFirstTokens(level: LevelResult): LevelResult["firstTokenMs"] {
  return level.arrivals === "held" ? level.heldFirstTokenMs : level.firstTokenMs;
}

/** The speed goals of the full run (the capacity goal's budget is its first-token delay + 50 ms). */
export const GOALS = { overheadP99Ms: 10, throughputClients: 50, chatsPerSecond: 600, serviceCpuPerChatMs: 1.3 } as const;

/** The goal CI sets with --max-cpu-per-chat-ms, and a full run to GOALS.serviceCpuPerChatMs. */
export const CPU_PER_CHAT_GOAL = "throughput: service CPU per chat";

/**
 * Zero-delay upstream, many clients for a fixed time: completed chats per second, and the
 * service's CPU time per chat, which CI bounds: unlike latency it holds on a busy machine.
 */
export async function throughput(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<ChatScenarioResult> {
  const { profile, concurrency, seconds } = s.throughput;
  log(`throughput: ${THROUGHPUT_WARM_UP_CHATS} warm-up chats, then ${concurrency} clients for ${seconds} s`);
  await warmUp(server, upstreams, THROUGHPUT_WARM_UP_CHATS, s);
  await upstreams.setStreamProfile(profile);
  const level = await measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, databaseUrl: server.databaseUrl, concurrency, durationMs: seconds * 1000, timeoutMs: s.timeoutMs });
  return {
    name: "throughput",
    profile,
    levels: [level],
    goals: [
      goal("throughput: errors", "0", level.errors, "", (v) => v === 0),
      ...(concurrency >= GOALS.throughputClients
        ? [goal(`throughput: chats/s, ${concurrency} clients`, `>= ${GOALS.chatsPerSecond}`, level.chatsPerSecond, "", (v) => v >= GOALS.chatsPerSecond)]
        : []),
      // CI's bound when given, else the goal itself (a quick run's few clients and seconds measure more).
      ...(s.maxCpuPerChatMs !== undefined ? [cpuPerChatGoal(level, s.maxCpuPerChatMs)] : s.quick ? [] : [cpuPerChatGoal(level, GOALS.serviceCpuPerChatMs)]),
    ],
    notes: [],
  };
}

function cpuPerChatGoal(level: LevelResult, maxMs: number): Goal {
  const perChat = level.service?.cpuSecondsPerChat;
  return goal(CPU_PER_CHAT_GOAL, `<= ${maxMs} ms`, perChat === null || perChat === undefined ? perChat : Math.round(perChat * 1e5) / 100, " ms", (v) => v <= maxMs);
}
