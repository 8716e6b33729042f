import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { ConversationStore, Source } from "../db/conversation-store.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import type { GeminiStatus } from "../health/gemini-status.ts";
import type { AnswerGenerator, GenerationRequest, TextSink, TokenUsage } from "../answer/answer-generator.ts";
import type { SearchHit, VectorStore } from "../retrieval/vector-store.ts";
import { answerAttributes, answerSpan, rewriteSpan, type SpanSpec } from "../telemetry/chat-spans.ts";
import { NO_METRICS, type ChatMetrics } from "../telemetry/metrics.ts";
import { inSpan } from "../telemetry/spans.ts";
import type { ChatRequest } from "./chat-request.ts";
import { historyWithinBudget } from "./history.ts";
import type { QueryRewriter } from "./search-query.ts";
import { PassageSearch } from "./passage-search.ts";
import { toSource } from "./source.ts";
import { StreamStop } from "./stream-stop.ts";

export interface ChatServiceOptions {
  conversations: ConversationStore;
  embedder: Embedder;
  store: VectorStore;
  generator: AnswerGenerator;
  /** Makes a follow-up's search query standalone from the conversation. */
  rewriter: QueryRewriter;
  geminiStatus: GeminiStatus;
  /** Answers' outcomes, first tokens, retrieval modes; none kept when /metrics is off. */
  metrics?: ChatMetrics;
  /** relevanceThreshold: passages less similar to the question are left out; with none left, the book does not cover it. */
  settings: Pick<Config, "retrievalTopK" | "relevanceThreshold" | "historyTokenBudget" | "docsBaseUrl" | "docsRouteBasePath">;
}

/** A chat ready to stream: the question is stored and the passages are chosen. */
export interface PreparedChat {
  ok: true;
  conversationId: string;
  /** The answer's placeholder, stored with the question; answer() completes it. */
  answerId: string;
  generation: GenerationRequest;
  sources: Source[];
  /** What the passages were searched with: the question, or a follow-up made standalone. */
  searchQuery: string;
  /** When preparing began (performance.now()): a first token's latency counts from here. */
  startedAt: number;
}

/** A stored question whose passages could not be found: no answer will come. */
export interface UnpreparedChat {
  ok: false;
  conversationId: string;
  answerId: string;
  /** As thrown by retrieval, naming the conversation for the client. */
  error: unknown;
}

/** Where an answer goes as it is written: the route's event stream, or a test's or the eval's string. */
export interface AnswerSink {
  /** A piece of the answer's text, in order. */
  text(piece: string): void;
  /** After the last piece: resolves false when the reader did not take the whole answer. */
  delivered(): Promise<boolean>;
}

/**
 * How an answer ended, and so what was stored. `saved` says whether the database took the
 * (partial) answer; `error` is what the reader is told.
 */
export type AnswerOutcome =
  /** Stored complete, and the reader took it all. */
  | { kind: "complete"; sources: Source[] }
  /** The reader took it all, but the database refused it. */
  | { kind: "not_stored" }
  /** Written in full, but the reader stopped taking it: stored incomplete as reader_stalled. */
  | { kind: "undelivered"; saved: boolean }
  /** The client left, or stopped reading, mid-answer. */
  | { kind: "client_gone"; error: AppError; saved: boolean }
  /** The reader stopped it (POST /api/answers/{id}/stop): stored incomplete as stopped_by_reader, it ends as an answer does. */
  | { kind: "stopped"; sources: Source[]; saved: boolean }
  /** The service is stopping. */
  | { kind: "shutting_down"; error: AppError; saved: boolean }
  /** The model failed or took too long. */
  | { kind: "failed"; error: AppError; saved: boolean }
  /** Retrieval failed before any answer: the placeholder says why. */
  | { kind: "not_started"; error: unknown };

// Enough raw turns for any budget worth having; the budget then picks whole turns.
const HISTORY_ROWS = 40;

/** A chat in two steps: prepare (store the question, retrieve), then answer (stream, store the answer). */
export class ChatService {
  readonly #o: ChatServiceOptions;
  readonly #passages: PassageSearch;
  readonly #metrics: ChatMetrics;
  readonly #spans: Record<"rewrite" | "answer", SpanSpec>;

  constructor(options: ChatServiceOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#passages = new PassageSearch({ ...options, metrics: this.#metrics });
    this.#spans = { rewrite: rewriteSpan(options.rewriter), answer: answerSpan(options.generator) };
  }

  /**
   * Everything that can fail with a plain HTTP status happens here, before the stream opens.
   * The question is stored first, so it survives any later failure; it throws only when the
   * question could not be stored. The answer's placeholder is left to answer().
   */
  async prepare(request: ChatRequest, signal: AbortSignal): Promise<PreparedChat | UnpreparedChat> {
    const startedAt = performance.now();
    const { conversations } = this.#o;
    let history: GenerationRequest["history"] = [];
    if (request.conversation_id !== undefined) {
      const [exists, recent] = await Promise.all([
        conversations.exists(request.conversation_id),
        conversations.recentMessages(request.conversation_id, HISTORY_ROWS),
      ]);
      if (!exists) throw new AppError("not_found", "No conversation has this conversation_id.");
      history = historyWithinBudget(recent, this.#o.settings.historyTokenBudget);
    }
    const stored = conversations.addQuestion(request.conversation_id, request.message);

    if (request.mode === "selection") {
      const { conversationId, answerId } = await stored;
      return {
        ok: true,
        conversationId,
        answerId,
        generation: { mode: "selection", question: request.message, history, passages: [], selection: request.context ?? "" },
        sources: [],
        searchQuery: "",
        startedAt,
      };
    }
    // Storing the question and retrieving passages do not depend on each other: run them
    // together, and wait for both, so the question is stored before generation starts.
    const [question, retrieval] = await Promise.allSettled([stored, this.#retrieve(request.message, history, signal)]);
    if (question.status === "rejected") throw question.reason;
    const { conversationId, answerId } = question.value;
    if (retrieval.status === "rejected") return { ok: false, conversationId, answerId, error: withConversation(retrieval.reason, conversationId) };
    const { searchQuery, passages } = retrieval.value;
    return {
      ok: true,
      conversationId,
      answerId,
      generation: { mode: "general", question: request.message, history, passages },
      sources: passages.map((hit) => toSource(hit, this.#o.settings)),
      searchQuery,
      startedAt,
    };
  }

  /**
   * Streams the answer into `sink`, stores what it came to in its placeholder, and says how it
   * ended. The one place that decides what is stored for an answer.
   */
  async answer(chat: PreparedChat | UnpreparedChat, signal: AbortSignal, sink: AnswerSink): Promise<AnswerOutcome> {
    const outcome = await this.#answer(chat, signal, sink);
    if (this.#metrics.enabled) this.#metrics.countAnswer(outcome.kind, outcomeCode(outcome));
    return outcome;
  }

  async #answer(chat: PreparedChat | UnpreparedChat, signal: AbortSignal, sink: AnswerSink): Promise<AnswerOutcome> {
    if (!chat.ok) {
      // No answer will come: the placeholder says why, rather than "interrupted".
      await this.#o.conversations.completeAnswer(chat.answerId, { content: "", sources: null, incomplete: true, errorCode: notStartedCode(chat.error) }).catch(() => undefined);
      return { kind: "not_started", error: chat.error };
    }
    let answer = "";
    let usage: TokenUsage | undefined;
    const onText: TextSink = (text) => {
      answer += text;
      sink.text(text);
    };
    const { name, options } = this.#spans.answer;
    try {
      await inSpan(name, options, async (span) => {
        if (span.isRecording()) span.setAttributes(answerAttributes(chat.generation.mode, chat.generation.passages.length));
        const result = await this.#o.generator.stream(chat.generation, signal, this.#metrics.enabled ? timeFirstPiece(onText, chat.startedAt, this.#metrics) : onText);
        usage = result?.usage;
      });
      this.#o.geminiStatus.recordSuccess();
    } catch (err) {
      this.#noteQuota(err);
      const error = failureOf(err, signal);
      const saved = await this.#store(chat, answer, error.code);
      if (error.code === "stopped_by_reader") return { kind: "stopped", sources: chat.sources, saved };
      if (error.code === "client_disconnected" || error.code === "reader_stalled") return { kind: "client_gone", error, saved };
      if (error.code === "shutting_down") return { kind: "shutting_down", error, saved };
      return { kind: "failed", error, saved };
    }
    // The whole answer came, but a reader that never took it was not given an answer.
    if (!(await sink.delivered())) return { kind: "undelivered", saved: await this.#store(chat, answer, "reader_stalled", usage) };
    return (await this.#store(chat, answer, null, usage)) ? { kind: "complete", sources: chat.sources } : { kind: "not_stored" };
  }

  /**
   * Stores the answer, complete (no error code) or not, in its placeholder, with the model's
   * token usage when it reported one. Returns false when the database refused it.
   */
  async #store(chat: PreparedChat, answer: string, errorCode: string | null, usage?: TokenUsage): Promise<boolean> {
    try {
      await this.#o.conversations.completeAnswer(chat.answerId, {
        content: answer,
        // Stored: [] when the book was searched and nothing was close enough (an answer from no
        // passage, which the author's report counts), null when nothing was searched (a selection).
        sources: chat.generation.mode === "selection" ? null : chat.sources,
        incomplete: errorCode !== null,
        errorCode,
        usage,
      });
      return true;
    } catch {
      return false;
    }
  }

  /** The follow-up's rewrite in its span (a first question has none), then the passage search. */
  async #retrieve(question: string, history: GenerationRequest["history"], signal: AbortSignal): Promise<{ searchQuery: string; passages: SearchHit[] }> {
    const { rewrite } = this.#spans;
    const searchQuery = history.length === 0 ? question : await inSpan(rewrite.name, rewrite.options, () => this.#o.rewriter.rewrite(question, history, signal));
    try {
      return { searchQuery, passages: await this.#passages.search(searchQuery, signal) };
    } catch (err) {
      this.#noteQuota(err);
      throw err;
    }
  }

  #noteQuota(err: unknown): void {
    if (err instanceof AppError && err.code === "quota_exceeded") this.#o.geminiStatus.recordQuotaExceeded();
  }
}

/** The error code an outcome counts under: what was stored, or what the reader was told; null for a complete answer. */
function outcomeCode(outcome: AnswerOutcome): string | null {
  switch (outcome.kind) {
    case "complete":
      return null;
    case "not_stored":
      return "database_unavailable";
    case "undelivered":
      return "reader_stalled";
    case "stopped":
      return "stopped_by_reader";
    case "not_started":
      return notStartedCode(outcome.error);
    default:
      return outcome.error.code;
  }
}

/** What a placeholder whose retrieval failed is stored with. */
function notStartedCode(error: unknown): string {
  return error instanceof AppError ? error.code : "internal_error";
}

/** `onText`, timing the first piece from the chat's start. */
function timeFirstPiece(onText: TextSink, startedAt: number, metrics: ChatMetrics): TextSink {
  let first = true;
  return (text) => {
    if (first) {
      first = false;
      metrics.observeFirstToken((performance.now() - startedAt) / 1000);
    }
    onText(text);
  };
}

/** What to tell the client, and store, about an answer that ended early. */
function failureOf(err: unknown, signal: AbortSignal): AppError {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof StreamStop) {
    return new AppError(reason.code, reason.readerMessage, { cause: err });
  }
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new AppError("upstream_timeout", "The answer took too long and was stopped.", { cause: err });
  }
  if (err instanceof AppError) return err;
  return new AppError("upstream_error", "The answer was interrupted by an upstream failure.", { cause: err });
}

/** Lets the error response name the conversation the question was stored in. */
function withConversation(err: unknown, conversationId: string): unknown {
  return err instanceof AppError ? err.withDetails({ conversation_id: conversationId }) : err;
}

