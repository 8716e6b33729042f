import { z } from "zod";
import { AppError } from "../errors.ts";
import { JsonEndpoint, JsonText } from "../http/json-endpoint.ts";
import { fromQdrantError, QdrantError } from "./qdrant-errors.ts";
import { contentWords } from "../text/words.ts";
import type { ChunkPayload, ChunkPoint, SearchHit, SearchMode, SearchQuery, StoredPage, StoreInfo, VectorStore } from "./vector-store.ts";

/** Points written by the previous (Python) ingest carry no embedding_model: the contract says this model made them. */
export const LEGACY_EMBEDDING_MODEL = "text-embedding-004";
const PAGE_SIZE = 256;
// Candidates each side of a hybrid search brings to the fusion, per passage wanted.
const CANDIDATES_PER_HIT = 4;
const MIN_CANDIDATES = 20;
// Passages sharing a word with the question that the lexical side scores (the nearest of them).
const LEXICAL_POOL = 200;
// The cosine's share of a lexical score: under one matched word, so it only breaks ties.
const TIE_BREAK = 0.5;
/** Payload fields searched by words, with a full-text index each (word tokenizer, lower case). */
const TEXT_FIELDS = ["content", "heading_path"] as const;
const TEXT_INDEX = { type: "text", tokenizer: "word", lowercase: true, min_token_len: 2, max_token_len: 40 };
// Where the question's vector goes in a hybrid query's body: written out once, put in five times.
const VECTOR_SLOT = "\u0000vector";
// docs/platform-facts.md: formulas in the Query API are available as of v1.14.0.
const FORMULAS_SINCE = [1, 14] as const;

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
  anchor: z.string().optional().catch(undefined),
  title: z.string().optional().catch(undefined),
});

interface CollectionInfo {
  points_count?: number | null;
  config?: { params?: { vectors?: unknown } };
  payload_schema?: Record<string, unknown>;
}

interface ScrollResult {
  points?: Array<{ id: string | number; payload?: Record<string, unknown> | null }>;
  next_page_offset?: unknown;
}

interface QueryResult {
  points?: Array<{ id: string | number; score: number; payload?: unknown }>;
}

type Method = "GET" | "POST" | "PUT";

/**
 * The book's chunks in Qdrant, in the collection the previous backend filled: one unnamed
 * cosine vector per point, UUID ids, the contract's payload keys. Every call goes to
 * Qdrant's REST API through one JsonEndpoint (undici, a keep-alive pool): the search, made
 * once per question, costs less CPU than through @qdrant/js-client-rest, and one transport
 * means one error shape (QdrantError) and one mapping (fromQdrantError).
 */
export class QdrantStore implements VectorStore {
  readonly kind = "qdrant";
  readonly collection: string;
  readonly #api: JsonEndpoint;
  /** The collection's REST path. */
  readonly #path: string;
  readonly #timeoutMs: number;
  /** Whether hybrid search works here; undefined until known (prepareSearch or a first hybrid query). */
  #mode: SearchMode | undefined;
  #tooOld = false;

  /** host:port the REST calls go to (for messages: a Space reaches only ports 80, 443 and 8080). */
  readonly endpoint: { host: string; port: number };

  constructor(options: QdrantStoreOptions) {
    this.collection = options.collection;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const address = restAddress(options.url);
    this.#api = new JsonEndpoint(address, options.apiKey ? { "api-key": options.apiKey } : {});
    const parsed = new URL(address);
    this.endpoint = { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80)) };
    this.#path = `collections/${encodeURIComponent(options.collection)}`;
  }

  async ensureCollection(vectorSize: number): Promise<void> {
    const info = await this.#collectionInfo();
    if (info === null) {
      // 409: another process created it first, which is fine.
      await this.#call("PUT", this.#path, { vectors: { size: vectorSize, distance: "Cosine" } }, { allow: [409] });
    } else {
      const stored = vectorSizeOf(info);
      if (stored !== null && stored !== vectorSize) {
        throw new AppError(
          "embedding_mismatch",
          `Collection ${this.collection} holds ${stored}-dimension vectors but the embedder makes ${vectorSize}: set EMBEDDING_DIMENSIONS=${stored}, or ingest into another collection (QDRANT_COLLECTION).`,
        );
      }
    }
    if (info === null || info.payload_schema?.file_path === undefined) {
      await this.#call("PUT", `${this.#path}/index?wait=true`, { field_name: "file_path", field_schema: "keyword" });
    }
    // Full-text indexes for hybrid search: added beside the points, which stay as they are.
    for (const field of TEXT_FIELDS) {
      if (info === null || info.payload_schema?.[field] === undefined) {
        await this.#call("PUT", `${this.#path}/index?wait=true`, { field_name: field, field_schema: TEXT_INDEX });
      }
    }
  }

  async search(vector: number[], limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    const body = { query: vector, limit, with_payload: true, with_vector: false };
    const { status, result } = await this.#call<QueryResult>("POST", `${this.#path}/points/query`, body, { signal, allow: [404] });
    // A collection that was never ingested has no passages; health says why.
    if (status === 404) return [];
    return (result?.points ?? []).map((point) => ({ id: String(point.id), score: point.score, payload: toPayload(point.payload) }));
  }

  /**
   * One batch of two Query API requests. The first: the nearest points, and the points sharing
   * most words with the question (a formula counting the words each holds in its text or
   * headings, over the nearest of those holding any), fused by Qdrant's reciprocal rank fusion
   * at its default k (2, ranks from 0): setting k (`rrf: {k}`) needs Qdrant 1.16. The second:
   * the same fused hits re-ranked by the question's vector, which gives each its cosine
   * similarity (a fused score is a rank score) without sending the hits' vectors back: those
   * were 768 numbers per hit, most of the answer's bytes and of its parse.
   * Word matches use the full-text indexes the ingest creates; without them Qdrant matches
   * substrings. A server too old for formulas (before 1.14) answers 400: the search is then by
   * vector alone.
   */
  async hybridSearch(query: SearchQuery, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    const words = contentWords(query.text);
    // A server too old for formulas stays so; a missing index may be created meanwhile (an ingest), so that is asked again.
    if (words.length === 0 || this.#tooOld) {
      query.onMode?.("vector");
      return this.search(query.vector, limit, signal);
    }
    const candidates = Math.max(limit * CANDIDATES_PER_HIT, MIN_CANDIDATES);
    const holds = words.flatMap((word) => TEXT_FIELDS.map((key) => ({ key, match: { text: word } })));
    const fused = {
      prefetch: [
        { query: VECTOR_SLOT, limit: candidates },
        {
          prefetch: { query: VECTOR_SLOT, filter: { should: holds }, limit: LEXICAL_POOL },
          query: { formula: { sum: [...holds, { mult: [TIE_BREAK, "$score"] }] } },
          limit: candidates,
        },
      ],
      query: { fusion: "rrf" },
      limit,
    };
    const body = {
      searches: [
        { ...fused, with_payload: true, with_vector: false },
        { prefetch: fused, query: VECTOR_SLOT, limit, with_payload: false, with_vector: false },
      ],
    };
    // 768 numbers of 17 digits take longer to write out than the rest of the query: once is enough.
    const vector = JSON.stringify(query.vector);
    const json = new JsonText(JSON.stringify(body).replaceAll(JSON.stringify(VECTOR_SLOT), () => vector));
    const { status, result, text } = await this.#call<QueryResult[]>("POST", `${this.#path}/points/query/batch`, json, { signal, allow: [400, 404] });
    if (status === 404) return [];
    if (status === 400) {
      // Said, not silent: health reports vector-only search and why (docs/platform-facts.md: the refusal).
      this.#mode = { hybrid: false, reason: hybridRefusal(text) };
      query.onMode?.("vector");
      return this.search(query.vector, limit, signal);
    }
    this.#mode = { hybrid: true };
    query.onMode?.("hybrid");
    const [ranked, rescored] = result ?? [];
    const similarity = new Map((rescored?.points ?? []).map((point) => [String(point.id), point.score]));
    // Both requests fuse the same candidates, so every hit has its similarity; one without would fall below any threshold.
    return (ranked?.points ?? []).map((point) => ({ id: String(point.id), score: similarity.get(String(point.id)) ?? 0, payload: toPayload(point.payload) }));
  }

  /**
   * Makes hybrid search possible on the collection as it stands: the text indexes it needs
   * (a collection filled by the previous backend has none, and Qdrant Cloud's strict mode
   * refuses a word match on a key without one), on a server new enough for formulas.
   * Idempotent: an index that exists is left alone. Says which search mode is in force.
   */
  async prepareSearch(): Promise<SearchMode> {
    const version = await this.#serverVersion();
    if (version !== undefined && olderThan(version, FORMULAS_SINCE)) {
      this.#tooOld = true;
      this.#mode = { hybrid: false, reason: `Qdrant ${version} is older than 1.14, which brought the formulas hybrid search uses: search is by vector alone. Upgrade the cluster.` };
      return this.#mode;
    }
    const info = await this.#collectionInfo();
    if (info === null) return { hybrid: true };
    const missing = TEXT_FIELDS.filter((field) => info.payload_schema?.[field] === undefined);
    try {
      for (const field of missing) await this.#call("PUT", `${this.#path}/index?wait=true`, { field_name: field, field_schema: TEXT_INDEX });
    } catch (err) {
      const why = err instanceof AppError && err.cause instanceof QdrantError ? err.cause.message : (err as Error).message;
      this.#mode = { hybrid: false, reason: `The text indexes on ${missing.join(" and ")} are missing and could not be created (${why}): search is by vector alone. Run the ingest with a key that may write.` };
      return this.#mode;
    }
    this.#mode = { hybrid: true, ...(missing.length > 0 ? { created: missing } : {}) };
    return this.#mode;
  }

  /** The search mode in force, once known. */
  searchMode(): SearchMode | undefined {
    return this.#mode;
  }

  async upsert(points: ChunkPoint[]): Promise<void> {
    for (let i = 0; i < points.length; i += PAGE_SIZE) {
      const batch = points.slice(i, i + PAGE_SIZE).map((p) => ({ id: p.id, vector: p.vector, payload: { ...p.payload } }));
      await this.#call("PUT", `${this.#path}/points?wait=true`, { points: batch });
    }
  }

  async deletePoints(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1_000) {
      await this.#call("POST", `${this.#path}/points/delete?wait=true`, { points: ids.slice(i, i + 1_000) });
    }
  }

  async listPoints(): Promise<Array<{ id: string; file_path: string; content_hash: string | null }>> {
    const points = await this.#scrollAll({ with_payload: { include: ["file_path", "content_hash"] } });
    return points.map((point) => {
      const payload = point.payload ?? {};
      return {
        id: String(point.id),
        file_path: typeof payload.file_path === "string" ? payload.file_path : "",
        content_hash: typeof payload.content_hash === "string" ? payload.content_hash : null,
      };
    });
  }

  async listPages(): Promise<StoredPage[]> {
    const points = await this.#scrollAll({ with_payload: { include: ["file_path", "url", "title", "chunk_index"] } });
    const first = new Map<string, { index: number; page: StoredPage }>();
    for (const point of points) {
      const payload = toPayload(point.payload);
      const index = payload.chunk_index ?? Number.MAX_SAFE_INTEGER;
      if ((first.get(payload.file_path)?.index ?? Infinity) <= index) continue;
      const page: StoredPage = { file_path: payload.file_path };
      if (payload.url !== undefined) page.url = payload.url;
      if (payload.title !== undefined) page.title = payload.title;
      first.set(payload.file_path, { index, page });
    }
    return [...first.values()].map((f) => f.page).sort((a, b) => (a.file_path < b.file_path ? -1 : a.file_path > b.file_path ? 1 : 0));
  }

  async pageChunks(filePath: string, signal?: AbortSignal): Promise<ChunkPayload[]> {
    // file_path has a keyword index (the ingest makes it), as a filter in strict mode needs.
    const points = await this.#scrollAll({ with_payload: true, filter: { must: [{ key: "file_path", match: { value: filePath } }] } }, signal);
    return points.map((point) => toPayload(point.payload)).sort((a, b) => (a.chunk_index ?? Infinity) - (b.chunk_index ?? Infinity));
  }

  /** Every point a scroll finds, page after page; none when the collection does not exist. */
  async #scrollAll(body: Record<string, unknown>, signal?: AbortSignal): Promise<NonNullable<ScrollResult["points"]>> {
    if ((await this.#collectionInfo()) === null) return [];
    const out: NonNullable<ScrollResult["points"]> = [];
    let offset: string | number | undefined;
    do {
      const { result } = await this.#call<ScrollResult>("POST", `${this.#path}/points/scroll`, { limit: PAGE_SIZE, with_vector: false, ...body, ...(offset !== undefined ? { offset } : {}) }, { signal });
      out.push(...(result?.points ?? []));
      const next = result?.next_page_offset;
      offset = typeof next === "string" || typeof next === "number" ? next : undefined;
    } while (offset !== undefined);
    return out;
  }

  async info(): Promise<StoreInfo> {
    const base = { kind: this.kind, collection: this.collection };
    const info = await this.#collectionInfo();
    if (info === null) return { ...base, exists: false, pointCount: 0, vectorSize: null, embeddingModel: null };
    const { result } = await this.#call<ScrollResult>("POST", `${this.#path}/points/scroll`, {
      limit: 1,
      with_payload: { include: ["embedding_model"] },
      with_vector: false,
    });
    const point = result?.points?.[0];
    let embeddingModel: string | null = null;
    if (point) {
      const model = point.payload?.embedding_model;
      embeddingModel = typeof model === "string" ? model : LEGACY_EMBEDDING_MODEL;
    }
    return { ...base, exists: true, pointCount: info.points_count ?? 0, vectorSize: vectorSizeOf(info), embeddingModel };
  }

  /** The server's version from GET /, or undefined when it does not say. */
  async #serverVersion(): Promise<string | undefined> {
    try {
      const answer = await this.#api.request("GET", "", undefined, this.#signal(undefined));
      const version = (JSON.parse(answer.text) as { version?: unknown }).version;
      return answer.status === 200 && typeof version === "string" ? version : undefined;
    } catch {
      return undefined;
    }
  }

  /** The collection's description, or null when it does not exist. */
  async #collectionInfo(): Promise<CollectionInfo | null> {
    const { status, result } = await this.#call<CollectionInfo>("GET", this.#path, undefined, { allow: [404] });
    return status === 404 ? null : (result ?? null);
  }

  /**
   * One REST call under the time limit and the caller's signal. A 2xx gives the answer's
   * `result`; a status in `allow` is handed back for the caller to handle; any other
   * outcome becomes an AppError.
   */
  async #call<T>(
    method: Method,
    path: string,
    body?: unknown,
    options: { signal?: AbortSignal | undefined; allow?: readonly number[] } = {},
  ): Promise<{ status: number; result: T | undefined; text: string }> {
    try {
      const answer = await this.#api.request(method, path, body, this.#signal(options.signal));
      if (answer.status >= 200 && answer.status < 300) return { status: answer.status, result: (JSON.parse(answer.text) as { result?: T }).result, text: answer.text };
      if (options.allow?.includes(answer.status)) return { status: answer.status, result: undefined, text: answer.text };
      throw new QdrantError(answer.status, answer.text);
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

/**
 * The address the REST calls go to: the URL's scheme, host and port as written. A URL without
 * a port is called on its scheme's (443 for https), never on 6333 as @qdrant/js-client-rest
 * would: a Space reaches only ports 80, 443 and 8080, and Qdrant Cloud answers REST on 443 too.
 * docs/platform-facts.md: Qdrant Cloud ports; Space networking.
 */
export function restAddress(url: string): string {
  return new URL(url).origin;
}

/** Why Qdrant refused a hybrid query (a 400), for health: strict mode's missing index, or an old server. */
function hybridRefusal(body: string): string {
  let error = body.slice(0, 300);
  try {
    error = String((JSON.parse(body) as { status?: { error?: unknown } }).status?.error ?? error);
  } catch {
    // Not JSON: the text as it came.
  }
  if (/Index required but not found/.test(error)) {
    return `Qdrant's strict mode refused the word match (${error}): the collection lacks the text indexes hybrid search needs; search is by vector alone until they exist (the service creates them at start, the ingest too).`;
  }
  return `Qdrant refused the hybrid query (${error}): search is by vector alone (Qdrant 1.14 or later is needed for its formulas).`;
}

/** True when `version` ("1.13.4") is before major.minor. */
function olderThan(version: string, [major, minor]: readonly [number, number]): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  return a < major || (a === major && b < minor);
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

const isText = (v: unknown): v is string => typeof v === "string";
const isWhole = (v: unknown): v is number => Number.isSafeInteger(v);

/**
 * True when the schema would take every field as it is, as it does every point our ingest
 * writes: such a payload is read as it came. zod's generic parse, run for every hit of every
 * chat, cost more than all the rest of reading them; an old point's odd field still goes
 * through it.
 */
function isWellFormed(raw: unknown): raw is z.infer<typeof payloadSchema> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return false;
  const p = raw as Record<string, unknown>;
  return (
    isText(p.file_path) &&
    Array.isArray(p.heading_path) &&
    p.heading_path.every(isText) &&
    (p.section_depth === undefined || isWhole(p.section_depth)) &&
    isText(p.content) &&
    isWhole(p.token_count) &&
    (p.embedding_model === undefined || isText(p.embedding_model)) &&
    (p.content_hash === undefined || isText(p.content_hash)) &&
    (p.url === undefined || isText(p.url)) &&
    (p.chunk_index === undefined || isWhole(p.chunk_index)) &&
    (p.anchor === undefined || isText(p.anchor)) &&
    (p.title === undefined || isText(p.title))
  );
}

function toPayload(raw: unknown): ChunkPayload {
  const parsed = isWellFormed(raw) ? raw : payloadSchema.parse(raw ?? {});
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
  if (parsed.anchor !== undefined) payload.anchor = parsed.anchor;
  if (parsed.title !== undefined) payload.title = parsed.title;
  return payload;
}

