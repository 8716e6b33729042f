import type { Attributes } from "@opentelemetry/api";
import { GEN_AI, GEN_AI_OPERATION } from "./gen-ai.ts";
import { SpanKind } from "./spans.ts";

/**
 * Names and attributes of a chat's step spans, children of its request's span: the
 * follow-up's rewrite, the question's embedding, the passage search and the answer. Counts,
 * models and modes only: no question, query, passage or answer text, and no conversation id
 * (the key to a reader's conversation). The specs depend on the service's parts alone, so
 * they are made once; what a chat adds is set only on a span that records.
 */
export interface SpanSpec {
  name: string;
  options: { kind?: SpanKind; attributes: Attributes };
}

export function rewriteSpan(rewriter: { kind: string }): SpanSpec {
  return { name: "rewrite_query", options: { attributes: { "docs_chat.rewrite.rewriter": rewriter.kind } } };
}

/** A GenAI `embeddings` span (its provider set when the embedder calls one, Gemini). */
export function embeddingSpan(embedder: { model: string; dimensions: number; provider?: string | undefined }): SpanSpec {
  return {
    name: `${GEN_AI_OPERATION.embeddings} ${embedder.model}`,
    options: {
      kind: embedder.provider ? SpanKind.CLIENT : SpanKind.INTERNAL,
      attributes: {
        [GEN_AI.operationName]: GEN_AI_OPERATION.embeddings,
        ...(embedder.provider ? { [GEN_AI.providerName]: embedder.provider } : {}),
        [GEN_AI.requestModel]: embedder.model,
        [GEN_AI.embeddingsDimensionCount]: embedder.dimensions,
      },
    },
  };
}

/** A GenAI `retrieval` span over the book's collection. */
export function retrievalSpan(store: { kind: string; collection: string }, topK: number, threshold: number): SpanSpec {
  return {
    name: `${GEN_AI_OPERATION.retrieval} ${store.collection}`,
    options: {
      kind: SpanKind.CLIENT,
      attributes: {
        [GEN_AI.operationName]: GEN_AI_OPERATION.retrieval,
        [GEN_AI.dataSourceId]: store.collection,
        "db.system.name": store.kind === "pgvector" ? "postgresql" : store.kind,
        "docs_chat.retrieval.store": store.kind,
        "docs_chat.retrieval.top_k": topK,
        "docs_chat.retrieval.threshold": threshold,
      },
    },
  };
}

/** What the search found: hits the store returned, those at or above the threshold, the passages the answer is given. */
export function retrievalResult(result: { mode: string | undefined; hits: number; aboveThreshold: number; passages: number }): Attributes {
  return {
    ...(result.mode ? { "docs_chat.retrieval.mode": result.mode } : {}),
    "docs_chat.retrieval.hits": result.hits,
    "docs_chat.retrieval.above_threshold": result.aboveThreshold,
    "docs_chat.retrieval.passages": result.passages,
  };
}

export function answerSpan(generator: { model: string }): SpanSpec {
  return { name: "generate_answer", options: { attributes: { "docs_chat.answer.generator": generator.model } } };
}

/** The answer's own: selection or general mode, and how many passages it was given. */
export function answerAttributes(mode: string, passages: number): Attributes {
  return { "docs_chat.answer.mode": mode, "docs_chat.answer.passages": passages };
}
