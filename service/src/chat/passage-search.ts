import { pageTitle } from "../book/page-title.ts";
import type { Config } from "../config.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import { embedText } from "../ingest/embed-text.ts";
import type { SearchHit, VectorStore } from "../retrieval/vector-store.ts";
import { sectionPassages } from "./section-passages.ts";

export interface PassageSearchOptions {
  embedder: Embedder;
  store: VectorStore;
  /** relevanceThreshold: passages less similar to the query are left out; retrievalTopK: how many are searched. */
  settings: Pick<Config, "retrievalTopK" | "relevanceThreshold">;
}

/**
 * The book's passages for a query, as the chat finds them: the query embedded, the store's
 * hybrid search (vectors and words), the passages under the relevance threshold left out,
 * one passage per section. Shared by the chat and the MCP tools, so both find the same.
 * An embedder that can say its similarity exactly (the local one) scores each hit so: its
 * vectors' chance collisions would otherwise let an unrelated question through.
 */
export class PassageSearch {
  readonly #o: PassageSearchOptions;

  constructor(options: PassageSearchOptions) {
    this.#o = options;
  }

  /** Empty when nothing in the book is close enough: the book does not cover the query. */
  async search(query: string, signal: AbortSignal, limit = this.#o.settings.retrievalTopK): Promise<SearchHit[]> {
    const [vector] = (await this.#o.embedder.embed([query], "RETRIEVAL_QUERY", signal)) as [number[]];
    let hits = await this.#o.store.hybridSearch({ vector, text: query }, limit, signal);
    const exact = this.#o.embedder.exactSimilarity?.(
      query,
      hits.map(({ payload }) => embedText(payload.title ?? pageTitle(payload.file_path), payload.heading_path, payload.content)),
    );
    if (exact) hits = hits.map((hit, i) => ({ ...hit, score: exact[i]! }));
    return sectionPassages(hits.filter((hit) => hit.score >= this.#o.settings.relevanceThreshold));
  }
}
