import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Database } from "../src/db/database.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import { PgvectorStore, tableName } from "../src/retrieval/pgvector-store.ts";
import type { ChunkPoint } from "../src/retrieval/vector-store.ts";

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const point = (vector: number[], file: string, extra: Partial<ChunkPoint["payload"]> = {}): ChunkPoint => ({
  id: randomUUID(),
  vector: unit(vector),
  payload: { file_path: file, heading_path: ["Intro", "Setup"], section_depth: 2, content: `text of ${file}`, token_count: 4, ...extra },
});

describe("PgvectorStore on PGlite", () => {
  let db: Database;
  before(async () => {
    db = await createPgliteDatabase(undefined);
  });
  after(() => db.close());

  it("reports a missing collection as empty, and searching or listing it finds nothing", async () => {
    const store = new PgvectorStore({ db, collection: "never-ingested" });
    assert.deepEqual(await store.info(), { kind: "pgvector", collection: "never-ingested", exists: false, pointCount: 0, vectorSize: null, embeddingModel: null });
    assert.deepEqual(await store.search(unit([1, 0, 0]), 5), []);
    assert.deepEqual(await store.listPoints(), []);
    await store.deletePoints([randomUUID()]);
  });

  it("hybrid search: an exact term the vectors miss is found by its words, ranks fuse, scores stay cosine", async () => {
    const store = new PgvectorStore({ db, collection: "hybrid" });
    await store.ensureCollection(3);
    const near = point([1, 0, 0], "docs/near.md", { content: "The service answers questions about the book." });
    const middle = point([1, 1, 0], "docs/middle.md", { content: "Health reports each service." });
    const term = point([0, 0, 1], "docs/term.md", { heading_path: ["Troubleshooting", "429 quota_exceeded"], content: "Wait, or use a key with a higher quota." });
    await store.upsert([near, middle, term]);
    const vector = unit([1, 0.1, 0]);

    assert.deepEqual((await store.search(vector, 2)).map((h) => h.id), [near.id, middle.id], "by vector alone the term's chunk is last");
    const hits = await store.hybridSearch({ vector, text: "What does quota_exceeded mean?" }, 2);
    // near: 1/61 (dense first); term: 1/63 + 1/61 (dense third, lexical first); middle: 1/62.
    assert.deepEqual(hits.map((h) => h.id), [term.id, near.id]);
    assert.ok(Math.abs(hits[0]!.score - vector[2]!) < 1e-5, `score ${hits[0]!.score} is the cosine similarity`);
    // A question of stop words alone has no lexical side: the vector order stands.
    assert.deepEqual((await store.hybridSearch({ vector, text: "what is it?" }, 3)).map((h) => h.id), [near.id, middle.id, term.id]);
    assert.deepEqual(await new PgvectorStore({ db, collection: "never-ingested" }).hybridSearch({ vector, text: "quota" }, 3), []);
  });

  it("creates the table once, upserts, ranks by cosine similarity and reports itself", async () => {
    const store = new PgvectorStore({ db, collection: "docusaurus-book" });
    await store.ensureCollection(3);
    await store.ensureCollection(3);
    const a = point([1, 0, 0], "docs/a.md", { embedding_model: "local-hash-v1", content_hash: "h-a", url: "https://book/a", chunk_index: 0, anchor: "setup", title: "A page" });
    const b = point([1, 1, 0], "docs/b.md");
    const c = point([0, 0, 1], "docs/c.md");
    await store.upsert([a, b, c]);

    const hits = await store.search(unit([1, 0.2, 0]), 2);
    assert.deepEqual(
      hits.map((h) => h.id),
      [a.id, b.id],
    );
    const query = unit([1, 0.2, 0]);
    const expected = query.reduce((s, x, i) => s + x * a.vector[i]!, 0);
    assert.ok(Math.abs(hits[0]!.score - expected) < 1e-5, `score ${hits[0]!.score} is the cosine similarity ${expected}`);
    assert.deepEqual(hits[0]!.payload, a.payload);
    assert.deepEqual(hits[1]!.payload, b.payload, "optional fields stay absent");

    const info = await store.info();
    assert.deepEqual(info, { kind: "pgvector", collection: "docusaurus-book", exists: true, pointCount: 3, vectorSize: 3, embeddingModel: "local-hash-v1" });

    const listed = await store.listPoints();
    assert.deepEqual(
      listed.sort((x, y) => x.file_path.localeCompare(y.file_path)),
      [
        { id: a.id, file_path: "docs/a.md", content_hash: "h-a" },
        { id: b.id, file_path: "docs/b.md", content_hash: null },
        { id: c.id, file_path: "docs/c.md", content_hash: null },
      ],
    );

    // Upserting an existing id replaces the point.
    await store.upsert([{ ...c, vector: unit([1, 0.2, 0]), payload: { ...c.payload, content: "moved" } }]);
    const [top] = await store.search(unit([1, 0.2, 0]), 1);
    assert.equal(top!.id, c.id);
    assert.equal(top!.payload.content, "moved");
    assert.equal((await store.info()).pointCount, 3);

    await store.deletePoints([a.id, c.id]);
    assert.deepEqual(
      (await store.listPoints()).map((p) => p.id),
      [b.id],
    );
  });

  it("keeps collections apart, one table each", async () => {
    const one = new PgvectorStore({ db, collection: "book-one" });
    const two = new PgvectorStore({ db, collection: "book-two" });
    await one.ensureCollection(2);
    await two.ensureCollection(4);
    await one.upsert([point([1, 0], "docs/one.md", { embedding_model: "m1" })]);
    await two.upsert([point([0, 1, 0, 0], "docs/two.md", { embedding_model: "m2" })]);
    assert.equal((await one.info()).vectorSize, 2);
    assert.equal((await two.info()).vectorSize, 4);
    assert.equal((await one.info()).embeddingModel, "m1");
    assert.deepEqual(
      (await two.listPoints()).map((p) => p.file_path),
      ["docs/two.md"],
    );
    assert.equal(tableName("book-one"), "chunks_book_one");
    assert.match(tableName("Weird Name!".repeat(10)), /^chunks_[a-z0-9_]{1,33}_[0-9a-f]{8}$/);
  });

  it("an ingest into a table from before anchors adds their columns first", async () => {
    await db.query(`create table chunks_before_anchors (
      id uuid primary key, file_path text not null, heading_path text[] not null default '{}', section_depth integer not null,
      content text not null, token_count integer not null, embedding_model text, content_hash text, url text, chunk_index integer,
      embedding vector(2) not null, created_at timestamptz not null default now())`);
    const store = new PgvectorStore({ db, collection: "before-anchors" });
    await store.ensureCollection(2);
    const a = point([1, 0], "docs/a.md", { anchor: "setup", title: "A page" });
    await store.upsert([a]);
    assert.deepEqual((await store.search(unit([1, 0]), 1))[0]!.payload, a.payload);
  });

  it("lists the pages it holds, and reads a page's chunks in the page's order", async () => {
    const store = new PgvectorStore({ db, collection: "pages" });
    await store.ensureCollection(2);
    const chunk = (file: string, index: number, extra: Partial<ChunkPoint["payload"]> = {}) => point([1, index], file, { chunk_index: index, content: `${file} part ${index}`, ...extra });
    await store.upsert([chunk("docs/b.md", 2), chunk("docs/b.md", 0, { url: "https://book/b", title: "Bee" }), chunk("docs/a.md", 0), chunk("docs/b.md", 1, { anchor: "one" })]);
    assert.deepEqual(await store.listPages(), [{ file_path: "docs/a.md" }, { file_path: "docs/b.md", url: "https://book/b", title: "Bee" }]);
    assert.deepEqual((await store.pageChunks("docs/b.md")).map((c) => [c.content, c.anchor]), [["docs/b.md part 0", undefined], ["docs/b.md part 1", "one"], ["docs/b.md part 2", undefined]]);
    assert.deepEqual(await store.pageChunks("docs/none.md"), []);
    assert.deepEqual(await new PgvectorStore({ db, collection: "never-made" }).listPages(), []);
  });

  it("returns more than the index's default 40 candidates when asked", async () => {
    const store = new PgvectorStore({ db, collection: "many" });
    await store.ensureCollection(8);
    await store.upsert(Array.from({ length: 60 }, (_, i) => point(Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j) + 1.5), `docs/p${i}.md`)));
    // A table this small would be scanned sequentially; make Postgres use the HNSW index as on a big book.
    await db.query("set enable_seqscan = off");
    try {
      const hits = await store.search(unit([1, 1, 1, 1, 1, 1, 1, 1]), 50);
      assert.equal(hits.length, 50);
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, "best first");
    } finally {
      await db.query("reset enable_seqscan");
    }
  });

  it("refuses a vector size that differs from the table's", async () => {
    const store = new PgvectorStore({ db, collection: "sized" });
    await store.ensureCollection(3);
    await assert.rejects(store.ensureCollection(5), (err: Error & { code?: string }) => {
      assert.equal(err.code, "embedding_mismatch");
      assert.match(err.message, /3-dimension vectors but the embedder makes 5/);
      return true;
    });
  });

  it("honours an aborted signal", async () => {
    const store = new PgvectorStore({ db, collection: "docusaurus-book" });
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(store.search(unit([1, 0, 0]), 1, controller.signal), { name: "AbortError" });
  });

  it("turns database failures into retrieval_unavailable", async () => {
    const closed = await createPgliteDatabase(undefined);
    const store = new PgvectorStore({ db: closed, collection: "docusaurus-book" });
    await store.ensureCollection(3);
    await closed.close();
    for (const call of [() => store.search(unit([1, 0, 0]), 1), () => store.info(), () => store.upsert([point([1, 0, 0], "docs/x.md")])]) {
      await assert.rejects(call(), (err: Error & { code?: string; status?: number }) => {
        assert.equal(err.code, "retrieval_unavailable");
        assert.equal(err.status, 503);
        return true;
      });
    }
  });
});
