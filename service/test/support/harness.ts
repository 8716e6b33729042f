import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Writable } from "node:stream";
import type { AnswerGenerator, GenerationRequest } from "../../src/answer/answer-generator.ts";
import { ExtractiveGenerator } from "../../src/answer/extractive-generator.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { buildDependencies, type Dependencies, type DependencyOverrides } from "../../src/dependencies.ts";
import { createLogger } from "../../src/logger.ts";
import { startUp } from "../../src/startup.ts";

export interface TestApp {
  url: string;
  deps: Dependencies;
  /** Every log line the service wrote, as JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * The real service, composed as server.ts composes it, listening on a loopback port.
 * `env` is the whole environment it sees; `ready: false` leaves start-up to the test.
 */
export async function startTestApp(options: { env?: NodeJS.ProcessEnv; overrides?: DependencyOverrides; ready?: boolean } = {}): Promise<TestApp> {
  const config = loadConfig({ RATE_LIMIT_PER_MINUTE: "0", ANSWER_RATE_LIMIT_PER_MINUTE: "0", MCP_RATE_LIMIT_PER_MINUTE: "0", HEALTH_CACHE_MS: "0", ...options.env });
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", secrets: config.secrets, destination });
  const deps = await buildDependencies(config, logger, options.overrides);
  const server: Server = createApp(deps).listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const startup = new AbortController();
  if (options.ready !== false) await startUp(deps, startup.signal);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deps,
    logs,
    async close() {
      startup.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await deps.db.close().catch(() => undefined);
    },
  };
}

export type ChatEvent = { type: string; [key: string]: unknown };

/**
 * Reads an SSE body exactly as the existing frontend does: split the byte stream on "\n",
 * keep lines starting with "data: ", parse the rest as JSON. Comment lines are collected
 * apart so tests can see keep-alives.
 */
export async function* readEvents(response: Response, comments: string[] = []): AsyncGenerator<ChatEvent> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("data: ")) yield JSON.parse(line.slice(6)) as ChatEvent;
        else if (line.startsWith(":")) comments.push(line);
      }
    }
  } finally {
    reader.releaseLock();
  }
}

export function postChat(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** Posts a chat and reads every event to the end of the stream. */
export async function chat(url: string, body: unknown): Promise<{ response: Response; events: ChatEvent[] }> {
  const response = await postChat(url, body);
  const events: ChatEvent[] = [];
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
    for await (const e of readEvents(response)) events.push(e);
  }
  return { response, events };
}

/** What the model wrote: the tokens' text, without the service's notice of a cut answer. */
export function answerOf(events: ChatEvent[]): string {
  return events.filter((e) => e.type === "token" && e.notice !== true).map((e) => e.content as string).join("");
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The extractive answerer, keeping each request it is asked: what the model would have been given. */
export function recordingGenerator(): { generator: AnswerGenerator; asked: GenerationRequest[] } {
  const asked: GenerationRequest[] = [];
  const extractive = new ExtractiveGenerator();
  return {
    asked,
    generator: {
      model: "recording",
      stream(request, signal, onText) {
        asked.push(request);
        return extractive.stream(request, signal, onText);
      },
    },
  };
}
