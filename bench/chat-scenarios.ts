import { setTimeout as sleep } from "node:timers/promises";
import { goal, type Goal } from "./goals.ts";
import { measureLevel, type LevelResult } from "./measure.ts";
import type { Settings, StreamProfile } from "./settings.ts";
import type { Upstreams } from "./upstreams.ts";

/** The server under load: ours (with its pid, for /proc) or a --target. */
export interface Server {
  url: string;
  pid: number | undefined;
}

export interface ChatScenarioResult {
  name: "overhead" | "capacity" | "throughput";
  profile: StreamProfile;
  levels: LevelResult[];
  goals: Goal[];
  notes: string[];
}

type Log = (line: string) => void;

const WARM_UP_CHATS = 10;

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
  const level = await measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, concurrency: 1, chats, timeoutMs: s.timeoutMs });
  return {
    name: "overhead",
    profile,
    levels: [level],
    goals: [
      goal("overhead: first-token p99", "< 15 ms", level.firstTokenMs.p99, " ms", (v) => v < 15),
      goal("overhead: errors", "0", level.errors, "", (v) => v === 0),
    ],
    notes: [],
  };
}

/** Realistic upstream, N concurrent streams per level. */
export async function capacity(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<ChatScenarioResult> {
  const { profile, levels, chatsPerClient, rampMs } = s.capacity;
  await warmUp(server, upstreams, WARM_UP_CHATS, s);
  await upstreams.setStreamProfile(profile);
  const results: LevelResult[] = [];
  for (const n of levels) {
    // One stream gives too few samples for percentiles: a single client runs a few in a row.
    const chats = Math.max(n * chatsPerClient, 3);
    const ramp = n > 1 ? rampMs : 0;
    log(`capacity: ${n} concurrent streams, ${chats} chats, ramp ${ramp} ms, ~${Math.round((profile.firstTokenDelayMs + profile.tokens * profile.tokenDelayMs) / 1000)} s each`);
    const level = await measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, concurrency: n, chats, rampMs: ramp, timeoutMs: s.timeoutMs });
    results.push(level);
    log(`  first token p50 ${level.firstTokenMs.p50} / p99 ${level.firstTokenMs.p99} ms, ${level.completed} done, ${level.errors} errors, max in flight ${level.maxInFlight}`);
    await sleep(1_000);
  }
  const top = results.at(-1)!;
  const budget = profile.firstTokenDelayMs + 50;
  return {
    name: "capacity",
    profile,
    levels: results,
    goals: [
      goal(`capacity: ${top.concurrency} streams held`, "0 errors", top.errors, " errors", (v) => v === 0),
      goal(`capacity: first-token p99 at ${top.concurrency}`, `<= ${budget} ms`, top.firstTokenMs.p99, " ms", (v) => v <= budget),
      goal(`capacity: peak RSS at ${top.concurrency}`, "< 512 MB", top.service?.peakRssMb, " MB", (v) => v < 512),
    ],
    notes: [`clients' first requests spread over ${rampMs} ms`],
  };
}

/** Zero-delay upstream, many clients for a fixed time: completed chats per second. */
export async function throughput(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<ChatScenarioResult> {
  const { profile, concurrency, seconds } = s.throughput;
  log(`throughput: ${concurrency} clients for ${seconds} s`);
  await warmUp(server, upstreams, WARM_UP_CHATS, s);
  await upstreams.setStreamProfile(profile);
  const level = await measureLevel({ baseUrl: server.url, pid: server.pid, upstreamsPid: upstreams.pid, concurrency, durationMs: seconds * 1000, timeoutMs: s.timeoutMs });
  return {
    name: "throughput",
    profile,
    levels: [level],
    goals: [goal("throughput: errors", "0", level.errors, "", (v) => v === 0)],
    notes: [],
  };
}
