import { pageUrl } from "../book/page-url.ts";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { ConversationStore, Source } from "../db/conversation-store.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import type { GeminiStatus } from "../health/gemini-status.ts";
import type { AnswerGenerator, GenerationRequest, TextSink, TokenUsage } from "../answer/answer-generator.ts";
import type { SearchHit, VectorStore } from "../retrieval/vector-store.ts";
import { answerAttributes, answerSpan, embeddingSpan, retrievalResult, retrievalSpan, rewriteSpan, type SpanSpec } from "../telemetry/chat-spans.ts";
import { NO_METRICS, type ChatMetrics, type RetrievalMode } from "../telemetry/metrics.ts";
import { inSpan } from "../telemetry/spans.ts";
import type { ChatRequest } from "./chat-request.ts";
import { historyWithinBudget } from "./history.ts";
import type { QueryRewriter } from "./search-query.ts";
import { sectionPassages } from "./section-passages.ts";
import { sourceHeading } from "./source-heading.ts";

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
  conversationId: string;
  /** The answer's placeholder, stored with the question; finish completes it. */
  answerId: string;
  generation: GenerationRequest;
  sources: Source[];
  /** What the passages were searched with: the question, or a follow-up made standalone. */
  searchQuery: string;
  /** When preparing began (performance.now()): a first token's latency counts from here. */
  startedAt: number;
  /** Set by generate once the model reports its token usage; finish stores it with the answer. */
  usage?: TokenUsage | undefined;
}

// Enough raw turns for any budget worth having; the budget then picks whole turns.
const HISTORY_ROWS = 40;

/** The chat's steps around the stream: prepare (store, retrieve), generate, then finish (store). */
export class ChatService {
  readonly #o: ChatServiceOptions;
  readonly #metrics: ChatMetrics;
  readonly #spans: Record<"rewrite" | "embedding" | "retrieval" | "answer", SpanSpec>;

  constructor(options: ChatServiceOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#spans = {
      rewrite: rewriteSpan(options.rewriter),
      embedding: embeddingSpan(options.embedder),
      retrieval: retrievalSpan(options.store, options.settings.retrievalTopK, options.settings.relevanceThreshold),
      answer: answerSpan(options.generator),
    };
  }

  /**
   * Everything that can fail with a plain HTTP status happens here, before the stream opens.
   * The question is stored first, so it survives any later failure.
   */
  async prepare(request: ChatRequest, signal: AbortSignal): Promise<PreparedChat> {
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
    if (retrieval.status === "rejected") {
      // No answer will come: the placeholder says why, rather than "interrupted".
      const code = retrieval.reason instanceof AppError ? retrieval.reason.code : "internal_error";
      this.#metrics.countAnswer("incomplete", code);
      await conversations.completeAnswer(answerId, { content: "", sources: null, incomplete: true, errorCode: code }).catch(() => undefined);
      throw withConversation(retrieval.reason, conversationId);
    }
    const { searchQuery, passages } = retrieval.value;
    return {
      conversationId,
      answerId,
      generation: { mode: "general", question: request.message, history, passages },
      sources: passages.map((hit) => this.#toSource(hit)),
      searchQuery,
      startedAt,
    };
  }

  /** Streams the answer's text pieces into `onText`. Records Gemini's quota state for health. */
  async generate(prepared: PreparedChat, signal: AbortSignal, onText: TextSink): Promise<void> {
    const { generator } = this.#o;
    const sink = this.#metrics.enabled ? timeFirstPiece(onText, prepared.startedAt, this.#metrics) : onText;
    const { name, options } = this.#spans.answer;
    await inSpan(name, options, async (span) => {
      if (span.isRecording()) span.setAttributes(answerAttributes(prepared.generation.mode, prepared.generation.passages.length));
      try {
        const result = await generator.stream(prepared.generation, signal, sink);
        if (result?.usage) prepared.usage = result.usage;
        this.#o.geminiStatus.recordSuccess();
      } catch (err) {
        this.#noteQuota(err);
        throw err;
      }
    });
  }

  /** Stores the assistant's answer, complete or not, in its placeholder. Returns false when the database refused it. */
  async finish(prepared: PreparedChat, answer: string, outcome: { incomplete: boolean; errorCode?: string }): Promise<boolean> {
    this.#metrics.countAnswer(outcome.incomplete ? "incomplete" : "complete", outcome.errorCode ?? null);
    try {
      await this.#o.conversations.completeAnswer(prepared.answerId, {
        content: answer,
        sources: prepared.sources,
        incomplete: outcome.incomplete,
        errorCode: outcome.errorCode ?? null,
        usage: prepared.usage,
      });
      return true;
    } catch {
      return false;
    }
  }

  /** A follow-up is searched with a standalone query; the first question as asked. */
  async #retrieve(question: string, history: GenerationRequest["history"], signal: AbortSignal): Promise<{ searchQuery: string; passages: SearchHit[] }> {
    const { rewriter, embedder, store, settings } = this.#o;
    const { rewrite, embedding, retrieval } = this.#spans;
    const searchQuery = history.length === 0 ? question : await inSpan(rewrite.name, rewrite.options, () => rewriter.rewrite(question, history, signal));
    const vector = await inSpan(embedding.name, embedding.options, async () => {
      try {
        return ((await embedder.embed([searchQuery], "RETRIEVAL_QUERY", signal)) as [number[]])[0];
      } catch (err) {
        this.#noteQuota(err);
        throw err;
      }
    });
    return inSpan(retrieval.name, retrieval.options, async (span) => {
      let mode: RetrievalMode | undefined;
      const hits = await store.hybridSearch({ vector, text: searchQuery, onMode: (m) => (mode = m) }, settings.retrievalTopK, signal);
      const relevant = hits.filter((hit) => hit.score >= settings.relevanceThreshold);
      const passages = sectionPassages(relevant);
      if (mode !== undefined) this.#metrics.countRetrieval(store.kind, mode);
      if (span.isRecording()) span.setAttributes(retrievalResult({ mode, hits: hits.length, aboveThreshold: relevant.length, passages: passages.length }));
      return { searchQuery, passages };
    });
  }

  #noteQuota(err: unknown): void {
    if (err instanceof AppError && err.code === "quota_exceeded") this.#o.geminiStatus.recordQuotaExceeded();
  }

  #toSource(hit: SearchHit): Source {
    const url = hit.payload.url ?? pageUrl(this.#o.settings, hit.payload.file_path);
    return {
      file: hit.payload.file_path,
      heading: sourceHeading(hit.payload.file_path, hit.payload.heading_path),
      similarity: Math.round(hit.score * 10_000) / 10_000,
      ...(url ? { url } : {}),
    };
  }
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

/** Lets the error response name the conversation the question was stored in. */
function withConversation(err: unknown, conversationId: string): unknown {
  return err instanceof AppError ? err.withDetails({ conversation_id: conversationId }) : err;
}

