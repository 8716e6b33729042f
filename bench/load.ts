import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The SSE load generator. It knows only the contract: POST /api/chat with {"message"}, a
 * stream of `data: <JSON>` lines typed metadata, token, done (or error). Each chat is one
 * raw http.request through a keep-alive agent with a socket per client, and the stream is
 * split on "\n" as the real client does, so the generator costs little next to the server.
 */

/** One chat as the generator saw it. */
export interface ChatResult {
  ok: boolean;
  status: number;
  /** From sending the request to the first token event, in ms. */
  firstTokenMs: number | null;
  /** From the first token event to the last one, in ms. */
  streamMs: number | null;
  tokens: number;
  totalMs: number;
  /** Why the chat failed: http_503, error_event:upstream_error, no_done, socket:ECONNRESET, timeout, ... */
  error?: string;
}

export interface ChatOutcome extends ChatResult {
  /** Which of its client's chats this was: 0 for the first, 1 for the one after it... */
  round: number;
}

export interface LoadOptions {
  baseUrl: string;
  /** Clients, each running one chat at a time. */
  concurrency: number;
  /** Stop starting chats after this many in all. */
  chats?: number;
  /** Stop starting chats after this long. */
  durationMs?: number;
  /** Spread the clients' first chats evenly over this time. */
  rampMs?: number;
  /** A chat still open after this long is cut and counted as an error. */
  timeoutMs?: number;
  question(index: number): string;
}

export interface LoadResult {
  outcomes: ChatOutcome[];
  wallMs: number;
  /** Most chats open at once. */
  maxInFlight: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const limit = options.chats ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(limit) && options.durationMs === undefined) throw new Error("runLoad needs chats or durationMs");
  const url = new URL("/api/chat", options.baseUrl);
  const agent = new (url.protocol === "https:" ? https : http).Agent({
    keepAlive: true,
    maxSockets: options.concurrency,
    maxFreeSockets: options.concurrency,
  });
  const timeoutMs = options.timeoutMs ?? 120_000;
  const outcomes: ChatOutcome[] = [];
  let started = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const t0 = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : t0 + options.durationMs;

  const client = async (index: number) => {
    if (options.rampMs) await sleep((options.rampMs * index) / options.concurrency);
    for (let round = 0; started < limit && performance.now() < deadline; round++) {
      const body = JSON.stringify({ message: options.question(started++) });
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      outcomes.push({ ...(await chatOnce(url, agent, body, timeoutMs)), round });
      inFlight--;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => client(i)));
  } finally {
    agent.destroy();
  }
  return { outcomes, wallMs: performance.now() - t0, maxInFlight };
}

/** One chat, read to its end. Never rejects: a failure is an outcome with an error. */
export function chatOnce(url: URL, agent: http.Agent, body: string, timeoutMs: number): Promise<ChatResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    let status = 0;
    let firstTokenAt: number | null = null;
    let lastTokenAt: number | null = null;
    let tokens = 0;
    let sawMetadata = false;
    let sawDone = false;
    let problem: string | undefined;
    let settled = false;

    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const failure = error ?? problem ?? (sawDone ? undefined : "no_done");
      resolve({
        ok: failure === undefined,
        status,
        firstTokenMs: firstTokenAt === null ? null : firstTokenAt - started,
        streamMs: firstTokenAt === null || lastTokenAt === null ? null : lastTokenAt - firstTokenAt,
        tokens,
        totalMs: performance.now() - started,
        ...(failure === undefined ? {} : { error: failure }),
      });
    };

    const onLine = (line: string) => {
      if (!line.startsWith("data: ")) return;
      let event: { type?: unknown; code?: unknown };
      try {
        event = JSON.parse(line.slice(6)) as typeof event;
      } catch {
        problem ??= "bad_json";
        return;
      }
      switch (event.type) {
        case "metadata":
          sawMetadata = true;
          break;
        case "token":
          if (!sawMetadata) problem ??= "token_before_metadata";
          lastTokenAt = performance.now();
          firstTokenAt ??= lastTokenAt;
          tokens++;
          break;
        case "done":
          sawDone = true;
          break;
        case "error":
          problem ??= `error_event:${typeof event.code === "string" ? event.code : "unknown"}`;
          break;
      }
    };

    const transport = url.protocol === "https:" ? https : http;
    const req = transport.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), accept: "text/event-stream" },
      },
      (res) => {
        status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          res.resume();
          res.on("end", () => finish(`http_${status}`));
          res.on("error", () => finish(`http_${status}`));
          return;
        }
        res.setEncoding("utf8");
        let partial = "";
        res.on("data", (chunk: string) => {
          const lines = (partial + chunk).split("\n");
          partial = lines.pop()!;
          for (const line of lines) onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
        });
        res.on("end", () => {
          if (partial) onLine(partial);
          finish();
        });
        res.on("error", (err: NodeJS.ErrnoException) => finish(`socket:${err.code ?? err.message}`));
      },
    );
    const timer = setTimeout(() => {
      finish("timeout");
      req.destroy();
    }, timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => finish(`socket:${err.code ?? err.message}`));
    req.end(body);
  });
}

/** Waits until GET /api/health answers 200; returns the ms it took, or throws after timeoutMs. */
export async function waitForHealthy(baseUrl: string, options: { timeoutMs: number; periodMs?: number; isAlive?: () => boolean }): Promise<number> {
  const t0 = performance.now();
  const url = new URL("/api/health", baseUrl);
  for (;;) {
    if (options.isAlive && !options.isAlive()) throw new Error("the server exited before it was healthy");
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      async (res) => {
        await res.arrayBuffer();
        return res.status;
      },
      () => 0,
    );
    if (status === 200) return performance.now() - t0;
    if (performance.now() - t0 > options.timeoutMs) throw new Error(`${url} did not answer 200 within ${options.timeoutMs} ms (last status ${status || "none"})`);
    await sleep(options.periodMs ?? 20);
  }
}
