import { QdrantClient } from "@qdrant/js-client-rest";
import { z } from "zod";
import { AppError } from "../errors.ts";
import { JsonEndpoint } from "../http/json-endpoint.ts";
import { fromQdrantError, qdrantStatus } from "./qdrant-errors.ts";
import type { ChunkPayload, ChunkPoint, SearchHit, StoreInfo, VectorStore } from "./vector-store.ts";

/** Points written by the previous (Python) ingest carry no embedding_model: the contract says this model made them. */
export const LEGACY_EMBEDDING_MODEL = "text-embedding-004";
const PAGE_SIZE = 256;

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string | undefined;
  collection: string;
  /** Per-request time limit. */
  timeoutMs?: number;
}

// Payloads are read leniently: a malformed field of an old point must not break a chat.
const payloadSchema = z.object({
  file_path: z.string().catch(""),
  heading_path: z.array(z.string()).catch([]),
  section_depth: z.number().int().optional().catch(undefined),
  content: z.string().catch(""),
  token_count: z.number().int().catch(0),
  embedding_model: z.string().optional().catch(undefined),
  content_hash: z.string().optional().catch(undefined),
  url: z.string().optional().catch(undefined),
  chunk_index: z.number().int().optional().catch(undefined),
});

interface CollectionInfo {
  points_count?: number | null;
  config?: { params?: { vectors?: unknown } };
  payload_schema?: Record<string, unknown>;
}

/**
 * The book's chunks in Qdrant, in the collection the previous backend filled: one unnamed
 * cosine vector per point, UUID ids, the contract's payload keys. Calls go through the
 * client's typed API with our own AbortSignal: the client's built-in timeout would replace a
 * caller's signal, so it is off and the time limit is part of ours. The search, made once per
 * question, goes to the same REST address through JsonEndpoint instead (a third of the CPU).
 */
export class QdrantStore implements VectorStore {
  readonly kind = "qdrant";
  readonly collection: string;
  readonly #client: QdrantClient;
  readonly #searchApi: JsonEndpoint;
  readonly #timeoutMs: number;

  constructor(options: QdrantStoreOptions) {
    this.collection = options.collection;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      // The client would otherwise call the server at construction time to compare versions.
      checkCompatibility: false,
      timeout: Number.POSITIVE_INFINITY,
    });
    this.#searchApi = new JsonEndpoint(restAddress(options.url), options.apiKey ? { "api-key": options.apiKey } : {});
  }

  async ensureCollection(vectorSize: number): Promise<void> {
    const info = await this.#collectionInfo();
    if (info === null) {
      try {
        await this.#call((api, init) =>
          api.createCollection({ collection_name: this.collection, vectors: { size: vectorSize, distance: "Cosine" } }, init),
        );
      } catch (err) {
        // Another process created it first: fine, as long as the size agrees (checked below).
        if (qdrantStatus(err) !== 409) throw err;
      }
    } else {
      const stored = vectorSizeOf(info);
      if (stored !== null && stored !== vectorSize) {
        throw new AppError(
          "embedding_mismatch",
          409,
          `Collection ${this.collection} holds ${stored}-dimension vectors but the embedder makes ${vectorSize}: set EMBEDDING_DIMENSIONS=${stored}, or ingest into another collection (QDRANT_COLLECTION).`,
        );
      }
    }
    if (info === null || info.payload_schema?.file_path === undefined) {
      await this.#call((api, init) =>
        api.createFieldIndex({ collection_name: this.collection, wait: true, field_name: "file_path", field_schema: "keyword" }, init),
      );
    }
  }

  async search(vector: number[], limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    let answer;
    try {
      const path = `collections/${encodeURIComponent(this.collection)}/points/query`;
      answer = await this.#searchApi.post(path, { query: vector, limit, with_payload: true, with_vector: false }, this.#signal(signal));
    } catch (err) {
      throw fromQdrantError(err, this.collection);
    }
    // A collection that was never ingested has no passages; health says why.
    if (answer.status === 404) return [];
    if (answer.status !== 200) throw fromQdrantError(new QdrantStatusError(answer.status, answer.text), this.collection);
    const points = (JSON.parse(answer.text) as { result?: { points?: Array<{ id: string | number; score: number; payload?: unknown }> } }).result?.points ?? [];
    return points.map((point) => ({ id: String(point.id), score: point.score, payload: toPayload(point.payload) }));
  }

  async upsert(points: ChunkPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += PAGE_SIZE) {
      const batch = points.slice(i, i + PAGE_SIZE).map((p) => ({ id: p.id, vector: p.vector, payload: { ...p.payload } }));
      await this.#call((api, init) => api.upsertPoints({ collection_name: this.collection, wait: true, points: batch }, init));
    }
  }

  async deletePoints(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1_000) {
      const batch = ids.slice(i, i + 1_000);
      await this.#call((api, init) => api.deletePoints({ collection_name: this.collection, wait: true, points: batch }, init));
    }
  }

  async listPoints(): Promise<Array<{ id: string; file_path: string; content_hash: string | null }>> {
    if ((await this.#collectionInfo()) === null) return [];
    const out: Array<{ id: string; file_path: string; content_hash: string | null }> = [];
    let offset: string | number | undefined;
    do {
      const response = await this.#call((api, init) =>
        api.scrollPoints(
          {
            collection_name: this.collection,
            limit: PAGE_SIZE,
            with_payload: { include: ["file_path", "content_hash"] },
            with_vector: false,
            ...(offset !== undefined ? { offset } : {}),
          },
          init,
        ),
      );
      const result = response.data.result;
      for (const point of result?.points ?? []) {
        const payload = point.payload ?? {};
        out.push({
          id: String(point.id),
          file_path: typeof payload.file_path === "string" ? payload.file_path : "",
          content_hash: typeof payload.content_hash === "string" ? payload.content_hash : null,
        });
      }
      const next = result?.next_page_offset;
      offset = typeof next === "string" || typeof next === "number" ? next : undefined;
    } while (offset !== undefined);
    return out;
  }

  async info(): Promise<StoreInfo> {
    const base = { kind: this.kind, collection: this.collection };
    const info = await this.#collectionInfo();
    if (info === null) return { ...base, exists: false, pointCount: 0, vectorSize: null, embeddingModel: null };
    const sample = await this.#call((api, init) =>
      api.scrollPoints({ collection_name: this.collection, limit: 1, with_payload: { include: ["embedding_model"] }, with_vector: false }, init),
    );
    const point = sample.data.result?.points[0];
    let embeddingModel: string | null = null;
    if (point) {
      const model = point.payload?.embedding_model;
      embeddingModel = typeof model === "string" ? model : LEGACY_EMBEDDING_MODEL;
    }
    return { ...base, exists: true, pointCount: info.points_count ?? 0, vectorSize: vectorSizeOf(info), embeddingModel };
  }

  /** The collection's description, or null when it does not exist. */
  async #collectionInfo(): Promise<CollectionInfo | null> {
    try {
      const response = await this.#call((api, init) => api.getCollection({ collection_name: this.collection }, init));
      return (response.data.result ?? null) as CollectionInfo | null;
    } catch (err) {
      if (qdrantStatus(err) === 404) return null;
      throw err;
    }
  }

  /** Runs one API request under the time limit and the caller's signal; failures become AppErrors. */
  async #call<T>(fn: (api: ReturnType<QdrantClient["api"]>, init: RequestInit) => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await fn(this.#client.api(), { signal: this.#signal(signal) });
    } catch (err) {
      throw fromQdrantError(err, this.collection);
    }
  }

  /** The caller's signal joined with the per-request time limit. */
  #signal(signal: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    return signal ? AbortSignal.any([signal, timeout]) : timeout;
  }
}

/** The address the client calls for `url`: its scheme and host, and port 6333 when it names none (the client's rule). */
function restAddress(url: string): string {
  const parsed = new URL(url);
  if (!parsed.port) parsed.port = "6333";
  return parsed.origin;
}

/** A non-2xx answer of the search, shaped as the client's own errors (a status). */
class QdrantStatusError extends Error {
  readonly status: number;
  constructor(status: number, body: string) {
    super(`Qdrant answered ${status}: ${body.slice(0, 300)}`);
    this.name = "QdrantStatusError";
    this.status = status;
  }
}

/** Size of the collection's single unnamed vector (or of its first named one). */
function vectorSizeOf(info: CollectionInfo): number | null {
  const vectors = info.config?.params?.vectors;
  if (vectors && typeof vectors === "object") {
    if (typeof (vectors as { size?: unknown }).size === "number") return (vectors as { size: number }).size;
    const first = Object.values(vectors)[0] as { size?: unknown } | undefined;
    if (first && typeof first.size === "number") return first.size;
  }
  return null;
}

function toPayload(raw: unknown): ChunkPayload {
  const parsed = payloadSchema.parse(raw ?? {});
  const payload: ChunkPayload = {
    file_path: parsed.file_path,
    heading_path: parsed.heading_path,
    section_depth: parsed.section_depth ?? parsed.heading_path.length,
    content: parsed.content,
    token_count: parsed.token_count,
  };
  if (parsed.embedding_model !== undefined) payload.embedding_model = parsed.embedding_model;
  if (parsed.content_hash !== undefined) payload.content_hash = parsed.content_hash;
  if (parsed.url !== undefined) payload.url = parsed.url;
  if (parsed.chunk_index !== undefined) payload.chunk_index = parsed.chunk_index;
  return payload;
}
