import type { Registry } from "prom-client";
import type { TokenUsage } from "../answer/answer-generator.ts";
import type { AnswerOutcome } from "../chat/chat-service.ts";

/** The retrieval a store ran: words and meaning fused, or vectors alone. */
export type RetrievalMode = "hybrid" | "vector";

/** What the service counts. `NO_METRICS` when /metrics is off: nothing is kept. */
export interface ChatMetrics {
  readonly enabled: boolean;
  /** A request's time from arrival to its response's end (a chat's whole stream). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** From a chat's arrival to its answer's first piece. */
  observeFirstToken(seconds: number): void;
  /** How an answer ended (chat-service.ts's outcomes), with the error code stored or told. */
  countAnswer(outcome: AnswerOutcome["kind"], code: string | null): void;
  /** A Gemini call's tokens, the rewrite's as well as the answer's. */
  countTokens(usage: TokenUsage): void;
  countRetrieval(store: string, mode: RetrievalMode): void;
}

export const NO_METRICS: ChatMetrics = {
  enabled: false,
  observeRequest: () => undefined,
  observeFirstToken: () => undefined,
  countAnswer: () => undefined,
  countTokens: () => undefined,
  countRetrieval: () => undefined,
};

export interface MetricsRegistry {
  metrics: ChatMetrics;
  /** Renders every metric in Prometheus' text format. */
  registry: Registry;
}

// A chat's request lasts as long as its stream: up to GENERATION_TIMEOUT_MS (2 minutes).
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const FIRST_TOKEN_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30];

/**
 * A registry of the service's own (never prom-client's global one), with the process's
 * default metrics (CPU, memory, event-loop lag, GC) and the chat's. prom-client is loaded
 * here, on demand: without METRICS_TOKEN the service neither loads nor feeds it.
 */
export async function createMetrics(options: { streamsOpen: () => number }): Promise<MetricsRegistry> {
  const client = await import("prom-client");
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const requestSeconds = new client.Histogram({
    name: "docs_chat_http_request_duration_seconds",
    help: "HTTP requests from arrival to the response's end (for a chat, its whole stream), by method, route and status.",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const firstTokenSeconds = new client.Histogram({
    name: "docs_chat_first_token_seconds",
    help: "Time from a chat's arrival to the first piece of its answer.",
    buckets: FIRST_TOKEN_BUCKETS,
    registers,
  });
  new client.Gauge({
    name: "docs_chat_streams_open",
    help: "Chats in progress, each holding (or about to open) an answer's stream.",
    registers,
    collect() {
      this.set(options.streamsOpen());
    },
  });
  const answers = new client.Counter({
    name: "docs_chat_answers_total",
    help: "Answers by how they ended (complete, stopped, not_stored, undelivered, client_gone, shutting_down, failed, not_started) and error code (none for a complete answer).",
    labelNames: ["outcome", "code"] as const,
    registers,
  });
  const tokens = new client.Counter({
    name: "docs_chat_gemini_tokens_total",
    help: "Gemini tokens by model and direction: input (prompt), output (answer text), thinking (billed as output).",
    labelNames: ["model", "direction"] as const,
    registers,
  });
  const retrievals = new client.Counter({
    name: "docs_chat_retrievals_total",
    help: "Passage searches by vector store and mode: hybrid (words and meaning fused) or vector (meaning alone).",
    labelNames: ["store", "mode"] as const,
    registers,
  });

  const metrics: ChatMetrics = {
    enabled: true,
    observeRequest: (method, route, status, seconds) => requestSeconds.observe({ method, route, status_code: String(status) }, seconds),
    observeFirstToken: (seconds) => firstTokenSeconds.observe(seconds),
    countAnswer: (outcome, code) => answers.inc({ outcome, code: code ?? "none" }),
    countTokens(usage) {
      tokens.inc({ model: usage.model, direction: "input" }, usage.inputTokens);
      tokens.inc({ model: usage.model, direction: "output" }, usage.outputTokens);
      if (usage.thinkingTokens > 0) tokens.inc({ model: usage.model, direction: "thinking" }, usage.thinkingTokens);
    },
    countRetrieval: (store, mode) => retrievals.inc({ store, mode }),
  };
  return { metrics, registry };
}
