import { setTimeout as sleep } from "node:timers/promises";
import { normalize, type Embedder, type EmbeddingTask } from "../embeddings/embedder.ts";
import { AppError } from "../errors.ts";
import { JsonEndpoint } from "../http/json-endpoint.ts";
import { GEMINI_PROVIDER } from "../telemetry/gen-ai.ts";
import { GEMINI_API_URL, GEMINI_API_VERSION, modelResource, type BatchEmbedContentsResponse } from "./api.ts";
import { fromGeminiError, geminiError, GeminiError } from "./gemini-error.ts";

/** batchEmbedContents accepts at most 100 requests per call. */
const MAX_BATCH_SIZE = 100;

export interface GeminiEmbedderOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  model?: string;
  dimensions?: number;
  /** Texts per batchEmbedContents call, at most 100. */
  batchSize?: number;
  /** Batches in flight at once. */
  concurrency?: number;
  /** Tries per batch, the first included. */
  maxAttempts?: number;
  /** First backoff delay; doubled on each retry, with jitter. */
  baseDelayMs?: number;
  /** Longest wait between two tries; a server asking for longer makes us give up at once. */
  maxDelayMs?: number;
}

/**
 * Embeddings from Gemini. gemini-embedding-001 makes 3072-d vectors and only those come
 * normalised: a smaller `outputDimensionality` truncates them, so we normalise every
 * vector ourselves (cosine scores then equal dot products, in both stores).
 *
 * Calls go to batchEmbedContents as the SDK sends them, but through JsonEndpoint rather than
 * the SDK's fetch: every question makes one, and the SDK's costs more CPU.
 * Failures are GeminiErrors, as the answer stream's are, so one mapping (fromGeminiError) serves.
 */
export class GeminiEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  readonly provider = GEMINI_PROVIDER;
  readonly #api: JsonEndpoint;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;

  constructor(options: GeminiEmbedderOptions) {
    this.model = options.model ?? "gemini-embedding-001";
    this.dimensions = options.dimensions ?? 768;
    this.#batchSize = Math.min(MAX_BATCH_SIZE, Math.max(1, options.batchSize ?? MAX_BATCH_SIZE));
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#baseDelayMs = options.baseDelayMs ?? 1_000;
    this.#maxDelayMs = options.maxDelayMs ?? 60_000;
    this.#api = new JsonEndpoint(`${(options.baseUrl ?? GEMINI_API_URL).replace(/\/+$/, "")}/${GEMINI_API_VERSION}`, { "x-goog-api-key": options.apiKey });
  }

  async embed(texts: string[], task: EmbeddingTask, signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    const batches: string[][] = [];
    for (let i = 0; i < texts.length; i += this.#batchSize) batches.push(texts.slice(i, i + this.#batchSize));

    const results: number[][][] = new Array(batches.length);
    // The first failure stops the other batches: their results would be thrown away.
    const failed = new AbortController();
    const batchSignal = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
    let next = 0;
    // A fixed pool of workers pulling the next batch keeps at most `concurrency` calls in flight.
    const worker = async () => {
      while (next < batches.length && !batchSignal.aborted) {
        const index = next++;
        results[index] = await this.#embedBatch(batches[index]!, task, batchSignal);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, batches.length) }, worker));
    } catch (err) {
      failed.abort();
      throw err;
    }
    return results.flat();
  }

  async #embedBatch(texts: string[], task: EmbeddingTask, signal: AbortSignal | undefined): Promise<number[][]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#call(texts, task, signal);
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        const delayMs = this.#retryDelayMs(err, attempt);
        if (delayMs === undefined) throw fromGeminiError(err, "embedding");
        await sleep(delayMs, undefined, { signal });
      }
    }
  }

  async #call(texts: string[], task: EmbeddingTask, signal: AbortSignal | undefined): Promise<number[][]> {
    const model = modelResource(this.model);
    const requests = texts.map((text) => ({ model, content: { role: "user", parts: [{ text }] }, taskType: task, outputDimensionality: this.dimensions }));
    const answer = await this.#api.post(`${model}:batchEmbedContents`, { requests }, signal);
    if (answer.status !== 200) throw geminiError(answer.status, answer.text);
    const embeddings = (JSON.parse(answer.text) as BatchEmbedContentsResponse).embeddings ?? [];
    if (embeddings.length !== texts.length) {
      throw new AppError("upstream_error", `The AI service returned ${embeddings.length} embeddings for ${texts.length} texts.`);
    }
    return embeddings.map((embedding) => {
      const values = embedding.values ?? [];
      if (values.length !== this.dimensions) {
        throw new AppError(
          "embedding_mismatch",
          `The embedding model ${this.model} returned ${values.length}-dimension vectors, not the configured ${this.dimensions} (EMBEDDING_DIMENSIONS).`,
        );
      }
      return normalize(values);
    });
  }

  /** How long to wait before the next try, or undefined to give up. */
  #retryDelayMs(err: unknown, attempt: number): number | undefined {
    if (!(err instanceof GeminiError) || !err.retryable || attempt >= this.#maxAttempts) return undefined;
    const serverSeconds = err.retryDelaySeconds;
    if (serverSeconds !== undefined) {
      const serverMs = serverSeconds * 1_000;
      // Waiting minutes for a daily quota helps no one: report it now.
      return serverMs > this.#maxDelayMs ? undefined : serverMs + Math.random() * 250;
    }
    const exponential = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** (attempt - 1));
    // Half fixed, half random: concurrent batches spread out instead of retrying in step.
    return exponential / 2 + Math.random() * (exponential / 2);
  }
}
