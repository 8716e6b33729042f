import { pageTitle } from "../book/page-title.ts";
import { pageUrl } from "../book/page-url.ts";
import type { Config } from "../config.ts";
import { AppError } from "../errors.ts";
import type { ConversationStore, Source } from "../db/conversation-store.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import type { GeminiStatus } from "../health/gemini-status.ts";
import type { AnswerGenerator, GenerationRequest, TextSink } from "../answer/answer-generator.ts";
import type { SearchHit, VectorStore } from "../retrieval/vector-store.ts";
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
}

// Enough raw turns for any budget worth having; the budget then picks whole turns.
const HISTORY_ROWS = 40;

/** The chat's steps around the stream: prepare (store, retrieve), generate, then finish (store). */
export class ChatService {
  readonly #o: ChatServiceOptions;

  constructor(options: ChatServiceOptions) {
    this.#o = options;
  }

  /**
   * Everything that can fail with a plain HTTP status happens here, before the stream opens.
   * The question is stored first, so it survives any later failure.
   */
  async prepare(request: ChatRequest, signal: AbortSignal): Promise<PreparedChat> {
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
    };
  }

  /** Streams the answer's text pieces into `onText`. Records Gemini's quota state for health. */
  async generate(prepared: PreparedChat, signal: AbortSignal, onText: TextSink): Promise<void> {
    try {
      await this.#o.generator.stream(prepared.generation, signal, onText);
      this.#o.geminiStatus.recordSuccess();
    } catch (err) {
      this.#noteQuota(err);
      throw err;
    }
  }

  /** Stores the assistant's answer, complete or not, in its placeholder. Returns false when the database refused it. */
  async finish(prepared: PreparedChat, answer: string, outcome: { incomplete: boolean; errorCode?: string }): Promise<boolean> {
    try {
      await this.#o.conversations.completeAnswer(prepared.answerId, {
        content: answer,
        // Stored: [] when the book was searched and nothing was close enough (an answer from no
        // passage, which the author's report counts), null when nothing was searched (a selection).
        sources: prepared.generation.mode === "selection" ? null : prepared.sources,
        incomplete: outcome.incomplete,
        errorCode: outcome.errorCode ?? null,
      });
      return true;
    } catch {
      return false;
    }
  }

  /** A follow-up is searched with a standalone query; the first question as asked. */
  async #retrieve(question: string, history: GenerationRequest["history"], signal: AbortSignal): Promise<{ searchQuery: string; passages: SearchHit[] }> {
    const searchQuery = history.length === 0 ? question : await this.#o.rewriter.rewrite(question, history, signal);
    let vector: number[];
    try {
      [vector] = (await this.#o.embedder.embed([searchQuery], "RETRIEVAL_QUERY", signal)) as [number[]];
    } catch (err) {
      this.#noteQuota(err);
      throw err;
    }
    const hits = await this.#o.store.hybridSearch({ vector, text: searchQuery }, this.#o.settings.retrievalTopK, signal);
    return { searchQuery, passages: sectionPassages(hits.filter((hit) => hit.score >= this.#o.settings.relevanceThreshold)) };
  }

  #noteQuota(err: unknown): void {
    if (err instanceof AppError && err.code === "quota_exceeded") this.#o.geminiStatus.recordQuotaExceeded();
  }

  #toSource(hit: SearchHit): Source {
    const { file_path: file, anchor } = hit.payload;
    const page = hit.payload.url ?? pageUrl(this.#o.settings, file);
    return {
      file,
      heading: sourceHeading(file, hit.payload.heading_path),
      similarity: Math.round(hit.score * 10_000) / 10_000,
      url: anchor === undefined ? page : `${page}#${encodeURIComponent(anchor)}`,
      title: hit.payload.title ?? pageTitle(file),
      ...(anchor !== undefined ? { anchor } : {}),
    };
  }
}

/** Lets the error response name the conversation the question was stored in. */
function withConversation(err: unknown, conversationId: string): unknown {
  return err instanceof AppError ? err.withDetails({ conversation_id: conversationId }) : err;
}

