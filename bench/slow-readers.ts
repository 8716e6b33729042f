import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { Server } from "./chat-scenarios.ts";
import { goal, type Goal } from "./goals.ts";
import { readProcess, watchProcess } from "./process-stats.ts";
import type { Settings } from "./settings.ts";
import type { Upstreams } from "./upstreams.ts";

/** How each stream ended, as the conversation reads back afterwards. */
export interface SlowReadersResult {
  clients: number;
  /** Each answer's text, in bytes, streamed in `tokens` pieces one a millisecond. */
  answerBytes: number;
  tokens: number;
  rssBeforeMb: number;
  maxRssMb: number;
  rssGrowthMb: number;
  /** Per stored state of each stream's answer: complete, or incomplete with its code; "missing" when no answer row. */
  outcomes: Record<string, number>;
  seconds: number;
  goals: Goal[];
}

type Log = (line: string) => void;

/**
 * N clients ask, read the response until its metadata event (so each knows its conversation),
 * then stop reading with their connections open, while long answers stream at them. Measures
 * the service's RSS growth, then reads each conversation back: every stream must be accounted
 * for, stored complete or incomplete with a code, none left as a bare placeholder.
 */
export async function slowReaders(server: Server, upstreams: Upstreams, s: Settings, log: Log): Promise<SlowReadersResult> {
  const { clients, tokens, answerBytes, waitMs } = s.slowReaders;
  log(`slow-readers: ${clients} clients that stop reading after the metadata event, answers of ${answerBytes} bytes in ${tokens} pieces`);
  // Long answers in large pieces: more than the sockets between a client and the service
  // hold, at little cost to the emulator.
  await upstreams.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 1, tokens });
  await upstreams.setAnswer("All about the book, at length. ".repeat(Math.ceil(answerBytes / 31)));
  const before = server.pid === undefined ? undefined : readProcess(server.pid);
  const watch = server.pid === undefined ? undefined : watchProcess(server.pid);
  const started = performance.now();

  const readers = await Promise.all(Array.from({ length: clients }, (_, i) => stopReadingAfterMetadata(server.url, `Tell me everything, reader ${i}`)));
  // The service either ends the streams (stalled readers) or finishes the answers into socket buffers.
  await sleep(waitMs);
  const window = watch?.stop();
  for (const reader of readers) reader.socket.destroy();
  await upstreams.setAnswer(null);

  const outcomes: Record<string, number> = {};
  for (const reader of readers) {
    const outcome = await storedOutcome(server.url, reader.conversationId);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  const rssBeforeMb = mb(before?.rssBytes ?? 0);
  const maxRssMb = mb(window?.maxRssBytes ?? 0);
  const accounted = clients - (outcomes.missing ?? 0) - (outcomes["incomplete interrupted"] ?? 0);
  return {
    clients,
    answerBytes,
    tokens,
    rssBeforeMb,
    maxRssMb,
    rssGrowthMb: maxRssMb - rssBeforeMb,
    outcomes,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    // RSS is reported, not a goal: most of it is each answer's own text, which the service
    // keeps to store it, and what a socket holds lives in the kernel, outside RSS.
    goals: [goal("slow readers: streams accounted for", `${clients}`, accounted, "", (v) => v === clients)],
  };
}

/**
 * Asks, reads the response until its metadata event, then stops reading with the connection
 * open. A raw HTTP client, so it stops at the socket: fetch would go on buffering for it.
 */
export function stopReadingAfterMetadata(baseUrl: string, message: string): Promise<{ conversationId: string; socket: net.Socket }> {
  const { hostname, port } = new URL(baseUrl);
  const body = JSON.stringify({ message });
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`POST /api/chat HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    let text = "";
    socket.setEncoding("utf8").on("data", function onData(chunk: string) {
      text += chunk;
      const match = /"conversation_id":"([0-9a-f-]{36})"/.exec(text);
      if (!match) return;
      socket.off("data", onData);
      socket.pause();
      resolve({ conversationId: match[1]!, socket });
    });
    socket.once("error", reject);
  });
}

async function storedOutcome(baseUrl: string, conversationId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/conversation/${conversationId}`);
  if (!response.ok) return "missing";
  const { messages } = (await response.json()) as { messages: Array<{ role: string; incomplete: boolean; error_code?: string | null }> };
  const answer = messages.find((m) => m.role === "assistant");
  if (!answer) return "missing";
  return answer.incomplete ? `incomplete ${answer.error_code ?? "(no code)"}` : "complete";
}
