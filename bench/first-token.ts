import { startService } from "./service-process.ts";
import type { Settings, StreamProfile } from "./settings.ts";
import type { Stack } from "./stack.ts";
import { distribution, round, type Distribution } from "./stats.ts";

/** One way of asking, measured over sequential chats against a fresh service process. */
export interface FirstTokenCase {
  name: string;
  /** What the service was started with, beside the stack's environment. */
  env: Record<string, string>;
  firstTokenMs: Distribution;
  errors: number;
}

export interface FirstTokenResult {
  profile: Required<StreamProfile>;
  chats: number;
  cases: FirstTokenCase[];
  notes: string[];
}

type Log = (line: string) => void;

const QUESTION = "What is pgvector?";
// Points back at the first question: the service rewrites it before searching.
const FOLLOW_UP = "How do I switch to it?";

/**
 * What a reader waits for the first word, one chat at a time, with an upstream that thinks
 * like Gemini 2.5 Flash left on its default (dynamic thinking) and answers after a realistic
 * delay: a first question with thinking off (the service's default) and left on
 * (GEMINI_THINKING=dynamic), and a follow-up made standalone by a Gemini rewrite call or by
 * the rule alone. The gaps are what thinking costs and what a rewrite costs.
 */
export async function firstToken(stack: Stack, s: Settings, log: Log): Promise<FirstTokenResult> {
  const { chats, profile } = s.firstToken;
  const cases: FirstTokenCase[] = [];
  await stack.upstreams.setStreamProfile(profile);
  try {
    const plan: Array<{ name: string; env: Record<string, string>; followUp: boolean }> = [
      { name: "question, thinking off (default)", env: {}, followUp: false },
      { name: "question, thinking left on", env: { GEMINI_THINKING: "dynamic" }, followUp: false },
      { name: "follow-up, Gemini rewrite", env: {}, followUp: true },
      { name: "follow-up, rule only", env: { QUERY_REWRITE_TIMEOUT_MS: "0" }, followUp: true },
    ];
    for (const c of plan) {
      log(`first-token: ${c.name}, ${chats} chats`);
      const service = await startService({ ...stack.serviceEnv(), ...c.env }, { timeoutMs: 120_000 });
      try {
        const times: number[] = [];
        let errors = 0;
        for (let i = 0; i < chats; i++) {
          let body: Record<string, string> = { message: QUESTION };
          if (c.followUp) {
            const first = await ask(service.url, body);
            if (first.conversationId === undefined) {
              errors++;
              continue;
            }
            body = { message: FOLLOW_UP, conversation_id: first.conversationId };
          }
          const { firstTokenMs } = await ask(service.url, body);
          if (firstTokenMs === undefined) errors++;
          else times.push(firstTokenMs);
        }
        const d = distribution(times);
        cases.push({ name: c.name, env: c.env, firstTokenMs: { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) }, errors });
      } finally {
        await service.stop();
      }
    }
  } finally {
    // Later scenarios measure the service alone: no thinking time.
    await stack.upstreams.setStreamProfile({ ...profile, thinkingMs: 0 });
  }
  const p50 = (name: string) => cases.find((c) => c.name === name)?.firstTokenMs.p50 ?? null;
  const gap = (a: string, b: string) => {
    const [x, y] = [p50(a), p50(b)];
    return x === null || y === null ? "-" : `${Math.round(x - y)} ms`;
  };
  return {
    profile,
    chats,
    cases,
    notes: [
      `thinking left on adds ${gap("question, thinking left on", "question, thinking off (default)")} at p50 (the emulator thinks ${profile.thinkingMs} ms when thinking is fully on)`,
      `a Gemini rewrite adds ${gap("follow-up, Gemini rewrite", "follow-up, rule only")} at p50 to a follow-up: one more call, read to its end (the emulator streams its ${profile.tokens} tokens whatever maxOutputTokens says; a real rewrite is one short line)`,
    ],
  };
}

/** One chat read to its end: the first token's time and the conversation's id. */
async function ask(baseUrl: string, body: Record<string, string>): Promise<{ firstTokenMs?: number; conversationId?: string }> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok || !response.body) return {};
  const out: { firstTokenMs?: number; conversationId?: string } = {};
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk, { stream: true });
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("data: ")) continue;
      const event = JSON.parse(line.slice(6)) as { type: string; conversation_id?: string };
      if (event.type === "metadata") out.conversationId = event.conversation_id;
      if (event.type === "token") out.firstTokenMs ??= performance.now() - started;
      if (event.type === "error") return {};
    }
  }
  return out;
}
