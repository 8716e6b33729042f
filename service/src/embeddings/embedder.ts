/** Whether a text is a question (query) or a chunk of the book (document): Gemini embeds them differently. */
export type EmbeddingTask = "RETRIEVAL_QUERY" | "RETRIEVAL_DOCUMENT";

export interface Embedder {
  /** Model name recorded with every ingested point, e.g. "gemini-embedding-001" or "local-hash-v1". */
  readonly model: string;
  readonly dimensions: number;
  /** The GenAI provider it calls (the semantic conventions' gen_ai.provider.name); none for a local embedder. */
  readonly provider?: string;
  /** One unit-length vector per text, in order. Throws AppError on upstream failure. */
  embed(texts: string[], task: EmbeddingTask, signal?: AbortSignal): Promise<number[][]>;
  /**
   * For a model whose vectors only approximate a similarity it can compute exactly (the local
   * embedder's hashed words): that exact cosine of the query to each passage, in order.
   */
  exactSimilarity?(query: string, passages: readonly string[]): number[];
}

/** The vector scaled to unit length (a zero vector stays as it is): cosine scores then equal dot products. */
export function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  if (sum === 0) return vector;
  const norm = Math.sqrt(sum);
  return vector.map((v) => v / norm);
}
