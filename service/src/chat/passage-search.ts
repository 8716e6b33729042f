import { pageTitle } from "../book/page-title.ts";
import type { Config } from "../config.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import { embedText } from "../ingest/embed-text.ts";
import type { SearchHit, VectorStore } from "../retrieval/vector-store.ts";
import { embeddingSpan, retrievalResult, retrievalSpan, type SpanSpec } from "../telemetry/chat-spans.ts";
import { NO_METRICS, type ChatMetrics, type RetrievalMode } from "../telemetry/metrics.ts";
import { inSpan } from "../telemetry/spans.ts";
import { sectionPassages } from "./section-passages.ts";

export interface PassageSearchOptions {
  embedder: Embedder;
  store: VectorStore;
  /** relevanceThreshold: passages less similar to the query are left out; retrievalTopK: how many are searched. */
  settings: Pick<Config, "retrievalTopK" | "relevanceThreshold">;
  /** Counts each search by store and mode (hybrid, or vector when the store fell back). */
  metrics?: ChatMetrics;
}

/**
 * The book's passages for a query, as the chat finds them: the query embedded, the store's
 * hybrid search (vectors and words), the passages under the relevance threshold left out,
 * one passage per section. Shared by the chat and the MCP tools, so both find the same.
 * An embedder that can say its similarity exactly (the local one) scores each hit so: its
 * vectors' chance collisions would otherwise let an unrelated question through.
 * The embedding and the search are each a span.
 */
export class PassageSearch {
  readonly #o: PassageSearchOptions;
  readonly #metrics: ChatMetrics;
  readonly #spans: Record<"embedding" | "retrieval", SpanSpec>;

  constructor(options: PassageSearchOptions) {
    this.#o = options;
    this.#metrics = options.metrics ?? NO_METRICS;
    this.#spans = {
      embedding: embeddingSpan(options.embedder),
      retrieval: retrievalSpan(options.store, options.settings.retrievalTopK, options.settings.relevanceThreshold),
    };
  }

  /** Empty when nothing in the book is close enough: the book does not cover the query. */
  async search(query: string, signal: AbortSignal, limit = this.#o.settings.retrievalTopK): Promise<SearchHit[]> {
    const { embedder, store, settings } = this.#o;
    const { embedding, retrieval } = this.#spans;
    const vector = await inSpan(embedding.name, embedding.options, async () => ((await embedder.embed([query], "RETRIEVAL_QUERY", signal)) as [number[]])[0]);
    return inSpan(retrieval.name, retrieval.options, async (span) => {
      let mode: RetrievalMode | undefined;
      let hits = await store.hybridSearch({ vector, text: query, onMode: (m) => (mode = m) }, limit, signal);
      const exact = embedder.exactSimilarity?.(
        query,
        hits.map(({ payload }) => embedText(payload.title ?? pageTitle(payload.file_path), payload.heading_path, payload.content)),
      );
      if (exact) hits = hits.map((hit, i) => ({ ...hit, score: exact[i]! }));
      const relevant = hits.filter((hit) => hit.score >= settings.relevanceThreshold);
      const passages = sectionPassages(relevant);
      if (mode !== undefined) this.#metrics.countRetrieval(store.kind, mode);
      if (span.isRecording()) span.setAttributes(retrievalResult({ mode, hits: hits.length, aboveThreshold: relevant.length, passages: passages.length }));
      return passages;
    });
  }
}
