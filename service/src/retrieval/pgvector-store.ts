import { createHash } from "node:crypto";
import type { Database } from "../db/database.ts";
import { AppError, isAbortError } from "../errors.ts";
import { addFullTextSearch, anyWordQuery, quoteIdent, SEARCH_COLUMN } from "./pgvector-full-text.ts";
import type { ChunkPayload, ChunkPoint, SearchHit, SearchQuery, StoredPage, StoreInfo, VectorStore } from "./vector-store.ts";

// Postgres error code of a missing table: a collection that was never ingested.
const UNDEFINED_TABLE = "42P01";
const ROWS_PER_INSERT = 100;
// pgvector's default hnsw.ef_search: the most rows one index scan returns.
const DEFAULT_EF_SEARCH = 40;
// Candidates each side of a hybrid search brings to the fusion, per passage wanted.
const CANDIDATES_PER_HIT = 4;
const MIN_CANDIDATES = 20;
// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): a chunk's fused score is the sum
// of 1 / (k + rank) over the rankings holding it, ranks from 1, so cosine and text-match scores
// need no common scale. k = 60 is the paper's. Qdrant's default differs: k = 2 with ranks from 0
// (the paper's k = 1), and `rrf: {k}` needs Qdrant 1.16.
const RRF_K = 60;

interface ChunkRow {
  id: string;
  file_path: string;
  heading_path: string[] | null;
  section_depth: number;
  content: string;
  token_count: number;
  embedding_model: string | null;
  content_hash: string | null;
  url: string | null;
  chunk_index: number | null;
  anchor: string | null;
  title: string | null;
}

/**
 * Vectors in Postgres with pgvector: PGlite in the embedded default, Neon in production.
 * One table per collection, because a pgvector column (and its HNSW index) has one fixed
 * dimension: collections of different sizes cannot share a column. The table is created
 * here rather than by the migrations, since its vector size is configuration.
 */
export class PgvectorStore implements VectorStore {
  readonly kind = "pgvector";
  readonly collection: string;
  readonly #db: Database;
  readonly #table: string;

  constructor(options: { db: Database; collection: string }) {
    this.#db = options.db;
    this.collection = options.collection;
    this.#table = tableName(options.collection);
  }

  async ensureCollection(vectorSize: number): Promise<void> {
    if (!Number.isInteger(vectorSize) || vectorSize < 1 || vectorSize > 16_000) throw new RangeError("vector size must be an integer from 1 to 16000");
    const existing = await this.#guard(() => this.#vectorSize());
    if (existing !== null) {
      if (existing !== vectorSize) throw sizeMismatch(this.collection, existing, vectorSize);
      // A table from before hybrid search, anchors and titles, when the ingest runs before the server migrated it.
      if (!(await this.#guard(() => this.#hasColumn(SEARCH_COLUMN)))) await this.#guard(() => this.#db.transaction((tx) => addFullTextSearch(tx, this.#table)));
      if (!(await this.#guard(() => this.#hasColumn("title")))) {
        await this.#guard(() => this.#db.query(`alter table ${quoteIdent(this.#table)} add column if not exists anchor text, add column if not exists title text`));
      }
      return;
    }
    const t = quoteIdent(this.#table);
    await this.#guard(() =>
      this.#db.transaction(async (tx) => {
        // Two processes ingesting at once must not race on the DDL.
        await tx.query("select pg_advisory_xact_lock(hashtext($1))", [this.#table]);
        await tx.query("create extension if not exists vector");
        await tx.query(`
          create table if not exists ${t} (
            id uuid primary key,
            file_path text not null,
            heading_path text[] not null default '{}',
            section_depth integer not null,
            content text not null,
            token_count integer not null,
            embedding_model text,
            content_hash text,
            url text,
            chunk_index integer,
            anchor text,
            title text,
            embedding vector(${vectorSize}) not null,
            created_at timestamptz not null default now()
          )`);
        await tx.query(`create index if not exists ${quoteIdent(`${this.#table}_embedding_idx`)} on ${t} using hnsw (embedding vector_cosine_ops)`);
        await tx.query(`create index if not exists ${quoteIdent(`${this.#table}_file_path_idx`)} on ${t} (file_path)`);
        await addFullTextSearch(tx, this.#table);
      }),
    );
  }

  async search(vector: number[], limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    signal?.throwIfAborted();
    const sql = `select ${PAYLOAD_COLUMNS}, 1 - (embedding <=> $1::vector) as score
                   from ${quoteIdent(this.#table)}
                  order by embedding <=> $1::vector
                  limit $2`;
    const params = [vectorLiteral(vector), limit];
    const rows = await this.#guard(
      () =>
        limit <= DEFAULT_EF_SEARCH
          ? this.#db.query<ChunkRow & { score: number }>(sql, params)
          : // An HNSW scan returns at most ef_search rows: widen it for this query only.
            this.#db.transaction(async (tx) => {
              await tx.query(`set local hnsw.ef_search = ${Math.min(1_000, Math.floor(limit))}`);
              return tx.query<ChunkRow & { score: number }>(sql, params);
            }),
      { missing: { rows: [], rowCount: 0 } },
    );
    // Postgres has no cancellation through this interface: drop the answer instead.
    signal?.throwIfAborted();
    return rows.rows.map((row) => ({ id: row.id, score: Number(row.score), payload: toPayload(row) }));
  }

  async hybridSearch(query: SearchQuery, limit: number, signal?: AbortSignal): Promise<SearchHit[]> {
    signal?.throwIfAborted();
    const t = quoteIdent(this.#table);
    const candidates = Math.max(limit * CANDIDATES_PER_HIT, MIN_CANDIDATES);
    // Each side ranks its own candidates; a chunk's fused score is the sum of 1/(k + rank)
    // over the sides that found it. ts_rank's normalisation 1 keeps long chunks from winning
    // on length alone.
    const sql = `
      with dense as (
        select id, row_number() over (order by distance) as rank
          from (select id, embedding <=> $1::vector as distance from ${t} order by embedding <=> $1::vector limit $3) nearest
      ), lexical as (
        select id, row_number() over (order by relevance desc, id) as rank
          from (select id, ts_rank(${SEARCH_COLUMN}, query.q, 1) as relevance
                  from ${t}, (select ${anyWordQuery("$2")} as q) query
                 where ${SEARCH_COLUMN} @@ query.q
                 order by relevance desc, id
                 limit $3) best
      ), fused as (
        select id, coalesce(1.0 / (${RRF_K} + dense.rank), 0) + coalesce(1.0 / (${RRF_K} + lexical.rank), 0) as fused
          from dense full join lexical using (id)
      )
      select ${PAYLOAD_COLUMNS.split(", ").map((c) => `c.${c}`).join(", ")}, 1 - (c.embedding <=> $1::vector) as score
        from fused join ${t} c using (id)
       order by fused.fused desc, score desc
       limit $4`;
    const params = [vectorLiteral(query.vector), query.text, candidates, limit];
    const rows = await this.#guard(
      () =>
        candidates <= DEFAULT_EF_SEARCH
          ? this.#db.query<ChunkRow & { score: number }>(sql, params)
          : this.#db.transaction(async (tx) => {
              await tx.query(`set local hnsw.ef_search = ${Math.min(1_000, Math.floor(candidates))}`);
              return tx.query<ChunkRow & { score: number }>(sql, params);
            }),
      { missing: { rows: [], rowCount: 0 } },
    );
    signal?.throwIfAborted();
    // Always both rankings, fused in one query (a question without words matches nothing lexically).
    query.onMode?.("hybrid");
    return rows.rows.map((row) => ({ id: row.id, score: Number(row.score), payload: toPayload(row) }));
  }

  async upsert(points: ChunkPoint[]): Promise<void> {
    const t = quoteIdent(this.#table);
    for (let i = 0; i < points.length; i += ROWS_PER_INSERT) {
      const batch = points.slice(i, i + ROWS_PER_INSERT);
      const params: unknown[] = [];
      const tuples = batch.map((point) => {
        const p = point.payload;
        const values = [
          point.id, p.file_path, p.heading_path, p.section_depth, p.content, p.token_count, p.embedding_model ?? null, p.content_hash ?? null, p.url ?? null,
          p.chunk_index ?? null, p.anchor ?? null, p.title ?? null, vectorLiteral(point.vector),
        ];
        const placeholders = values.map((value) => {
          params.push(value);
          return `$${params.length}`;
        });
        placeholders[placeholders.length - 1] += "::vector";
        return `(${placeholders.join(", ")})`;
      });
      await this.#guard(() =>
        this.#db.query(
          `insert into ${t} (id, file_path, heading_path, section_depth, content, token_count, embedding_model, content_hash, url, chunk_index, anchor, title, embedding)
           values ${tuples.join(",\n")}
           on conflict (id) do update set
             file_path = excluded.file_path, heading_path = excluded.heading_path, section_depth = excluded.section_depth,
             content = excluded.content, token_count = excluded.token_count, embedding_model = excluded.embedding_model,
             content_hash = excluded.content_hash, url = excluded.url, chunk_index = excluded.chunk_index, anchor = excluded.anchor, title = excluded.title,
             embedding = excluded.embedding`,
          params,
        ),
      );
    }
  }

  async deletePoints(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1_000) {
      const batch = ids.slice(i, i + 1_000);
      await this.#guard(() => this.#db.query(`delete from ${quoteIdent(this.#table)} where id = any($1::uuid[])`, [batch]), { missing: undefined });
    }
  }

  async listPoints(): Promise<Array<{ id: string; file_path: string; content_hash: string | null }>> {
    const result = await this.#guard(
      () => this.#db.query<{ id: string; file_path: string; content_hash: string | null }>(`select id, file_path, content_hash from ${quoteIdent(this.#table)} order by id`),
      { missing: { rows: [], rowCount: 0 } },
    );
    return result.rows;
  }

  async listPages(): Promise<StoredPage[]> {
    const { rows } = await this.#guard(
      () =>
        this.#db.query<{ file_path: string; url: string | null; title: string | null }>(
          `select distinct on (file_path) file_path, url, title from ${quoteIdent(this.#table)} order by file_path, chunk_index nulls last, id`,
        ),
      { missing: { rows: [], rowCount: 0 } },
    );
    return rows.map((row) => ({ file_path: row.file_path, ...(row.url !== null ? { url: row.url } : {}), ...(row.title !== null ? { title: row.title } : {}) }));
  }

  async pageChunks(filePath: string, signal?: AbortSignal): Promise<ChunkPayload[]> {
    signal?.throwIfAborted();
    const { rows } = await this.#guard(
      () => this.#db.query<ChunkRow>(`select ${PAYLOAD_COLUMNS} from ${quoteIdent(this.#table)} where file_path = $1 order by chunk_index nulls last, id`, [filePath]),
      { missing: { rows: [], rowCount: 0 } },
    );
    signal?.throwIfAborted();
    return rows.map(toPayload);
  }

  async info(): Promise<StoreInfo> {
    const base = { kind: this.kind, collection: this.collection };
    const vectorSize = await this.#guard(() => this.#vectorSize());
    if (vectorSize === null) return { ...base, exists: false, pointCount: 0, vectorSize: null, embeddingModel: null };
    const { rows } = await this.#guard(() =>
      this.#db.query<{ n: string | number; model: string | null }>(
        `select count(*) as n, (select embedding_model from ${quoteIdent(this.#table)} where embedding_model is not null limit 1) as model from ${quoteIdent(this.#table)}`,
      ),
    );
    return { ...base, exists: true, pointCount: Number(rows[0]?.n ?? 0), vectorSize, embeddingModel: rows[0]?.model ?? null };
  }

  /** The dimension of the table's vector column, or null when the table does not exist. */
  async #vectorSize(): Promise<number | null> {
    const { rows } = await this.#db.query<{ size: number }>(
      `select a.atttypmod as size
         from pg_attribute a
        where a.attrelid = to_regclass($1) and a.attname = 'embedding' and not a.attisdropped`,
      [quoteIdent(this.#table)],
    );
    return rows[0] ? Number(rows[0].size) : null;
  }

  async #hasColumn(name: string): Promise<boolean> {
    const { rows } = await this.#db.query(`select 1 from pg_attribute where attrelid = to_regclass($1) and attname = $2 and not attisdropped`, [quoteIdent(this.#table), name]);
    return rows.length > 0;
  }

  /** Runs a query; database failures become retrieval_unavailable, a missing table `missing` when given. */
  async #guard<T>(fn: () => Promise<T>, options?: { missing: T }): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof AppError || isAbortError(err)) throw err;
      if (options && (err as { code?: unknown }).code === UNDEFINED_TABLE) return options.missing;
      throw new AppError("retrieval_unavailable", "The vector store (pgvector) is not available.", { cause: err });
    }
  }
}

const PAYLOAD_COLUMNS = "id, file_path, heading_path, section_depth, content, token_count, embedding_model, content_hash, url, chunk_index, anchor, title";

function toPayload(row: ChunkRow): ChunkPayload {
  const payload: ChunkPayload = {
    file_path: row.file_path,
    heading_path: row.heading_path ?? [],
    section_depth: row.section_depth,
    content: row.content,
    token_count: row.token_count,
  };
  if (row.embedding_model !== null) payload.embedding_model = row.embedding_model;
  if (row.content_hash !== null) payload.content_hash = row.content_hash;
  if (row.url !== null) payload.url = row.url;
  if (row.chunk_index !== null) payload.chunk_index = row.chunk_index;
  if (row.anchor !== null) payload.anchor = row.anchor;
  if (row.title !== null) payload.title = row.title;
  return payload;
}

/** pgvector's text input format. */
function vectorLiteral(vector: readonly number[]): string {
  for (const v of vector) if (!Number.isFinite(v)) throw new RangeError("vectors must hold finite numbers");
  return `[${vector.join(",")}]`;
}

/**
 * A Postgres identifier for the collection: `chunks_` plus its name in lower-case letters,
 * digits and underscores; a hash suffix keeps distinct names distinct and under 63 bytes.
 */
export function tableName(collection: string): string {
  const safe = collection.toLowerCase().replace(/[^a-z0-9_]+/g, "_");
  const name = `chunks_${safe}`;
  if (safe === collection.replace(/-/g, "_").toLowerCase() && name.length <= 40) return name;
  const hash = createHash("sha256").update(collection).digest("hex").slice(0, 8);
  return `${name.slice(0, 40)}_${hash}`;
}


function sizeMismatch(collection: string, stored: number, wanted: number): AppError {
  return new AppError(
    "embedding_mismatch",
    `Collection ${collection} holds ${stored}-dimension vectors but the embedder makes ${wanted}: set EMBEDDING_DIMENSIONS=${stored}, or use another collection (QDRANT_COLLECTION) to ingest at ${wanted}.`,
  );
}
