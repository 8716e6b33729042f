import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { LEGACY_EMBEDDING_MODEL, QdrantStore, restAddress } from "../src/retrieval/qdrant-store.ts";
import type { ChunkPoint } from "../src/retrieval/vector-store.ts";

const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const basis = (size: number, i: number, tilt = 0) => unit(Array.from({ length: size }, (_, j) => (j === i ? 1 : j === (i + 1) % size ? tilt : 0)));
/** A payload as the previous (Python) ingest wrote it: the contract's five keys only. */
const legacyPayload = (file: string) => ({ file_path: file, heading_path: ["Intro", "Setup"], section_depth: 2, content: `old text of ${file}`, token_count: 5 });
const point = (vector: number[], file: string, extra: Partial<ChunkPoint["payload"]> = {}): ChunkPoint => ({
  id: randomUUID(),
  vector,
  payload: { ...legacyPayload(file), embedding_model: "gemini-embedding-001", content_hash: `hash-${file}`, chunk_index: 0, ...extra },
});

describe("QdrantStore against the Qdrant emulator", () => {
  let qdrant: QdrantEmulator;
  const store = (collection = "docusaurus-book", apiKey = qdrant.apiKey) => new QdrantStore({ url: qdrant.url, apiKey, collection, timeoutMs: 2_000 });

  before(async () => {
    qdrant = await startQdrantEmulator({ apiKey: "test-qdrant-key" });
  });
  after(() => qdrant.close());
  beforeEach(() => qdrant.reset());

  it("reads the previous backend's collection: search returns the store's scores and the contract's payload", async () => {
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    qdrant.seed("docusaurus-book", {
      size: 768,
      points: [
        { id: ids[0]!, vector: basis(768, 0), payload: legacyPayload("docs/module-01/chapter-01.md") },
        { id: ids[1]!, vector: basis(768, 0, 1), payload: legacyPayload("docs/module-01/chapter-02.md") },
        { id: ids[2]!, vector: basis(768, 5), payload: legacyPayload("docs/module-02/chapter-01.md") },
      ],
    });
    const hits = await store().search(basis(768, 0, 0.2), 2);
    assert.deepEqual(
      hits.map((h) => h.id),
      [ids[0], ids[1]],
    );
    const expected = basis(768, 0, 0.2).reduce((s, x, i) => s + x * basis(768, 0)[i]!, 0);
    assert.ok(Math.abs(hits[0]!.score - expected) < 1e-4, `score ${hits[0]!.score}, cosine ${expected}`);
    assert.deepEqual(hits[0]!.payload, legacyPayload("docs/module-01/chapter-01.md"));
    const request = qdrant.requests.find((r) => r.kind === "search")!;
    assert.equal(request.apiKeyPresent, true);
  });

  it("hybrid search on the existing collection: words found before and after the ingest adds full-text indexes, points untouched, scores cosine", async () => {
    const [near, term, far] = [randomUUID(), randomUUID(), randomUUID()];
    qdrant.seed("docusaurus-book", {
      size: 4,
      points: [
        { id: near, vector: basis(4, 0), payload: { ...legacyPayload("docs/near.md"), content: "The service answers questions." } },
        { id: term, vector: basis(4, 2), payload: { ...legacyPayload("docs/term.md"), heading_path: ["Troubleshooting", "429 quota_exceeded"], content: "Wait, or use a key with a higher quota." } },
        { id: far, vector: basis(4, 1), payload: { ...legacyPayload("docs/far.md"), content: "Health reports each service." } },
      ],
      // A self-hosted server without strict mode: Qdrant Cloud's is tested below.
      strictMode: false,
    });
    const before = qdrant.points("docusaurus-book");
    const vector = basis(4, 0, 0.1);
    const ask = () => store().hybridSearch({ vector, text: "What does quota_exceeded mean?" }, 2);

    assert.deepEqual((await store().search(vector, 2)).map((h) => h.id), [near, far], "by vector alone the term's point is last");
    // No full-text index yet: Qdrant matches each word as a substring.
    assert.deepEqual((await ask()).map((h) => h.id), [term, near]);

    await store().ensureCollection(4);
    const info = (await (await fetch(`${qdrant.url}/collections/docusaurus-book`, { headers: { "api-key": qdrant.apiKey } })).json()) as { result: { payload_schema: Record<string, { data_type: string }> } };
    assert.equal(info.result.payload_schema.content?.data_type, "text");
    assert.equal(info.result.payload_schema.heading_path?.data_type, "text");
    assert.deepEqual(qdrant.points("docusaurus-book"), before, "the points and their payloads are as they were");

    const hits = await ask();
    assert.deepEqual(hits.map((h) => h.id), [term, near]);
    assert.ok(Math.abs(hits[0]!.score - vector[2]!) < 1e-4, `score ${hits[0]!.score} is the cosine similarity`);
    assert.deepEqual(hits[1]!.payload.content, "The service answers questions.");
    const search = qdrant.requests.filter((r) => r.kind === "search").at(-1)!;
    assert.match(search.path, /\/points\/query\/batch$/);
    const [fused, rescored] = (search.body as { searches: Array<{ query: unknown; prefetch: { query: unknown; prefetch: unknown[] } & unknown[]; with_vector: boolean }> }).searches;
    assert.deepEqual(fused!.query, { fusion: "rrf" });
    assert.equal(fused!.prefetch.length, 2);
    assert.deepEqual(rescored!.query, vector, "the fused hits re-ranked by the question's vector give their similarity");
    assert.deepEqual(rescored!.prefetch.query, { fusion: "rrf" });
    assert.equal(fused!.with_vector, false, "no vectors come back");
    assert.equal(rescored!.with_vector, false);
    // A question of stop words alone is searched by vector.
    assert.deepEqual((await store().hybridSearch({ vector, text: "what is it?" }, 1)).map((h) => h.id), [near]);
    assert.deepEqual(await store("never-ingested").hybridSearch({ vector, text: "quota" }, 2), []);

    // A server that refuses the formula (before 1.14) answers 400: the search is by vector alone.
    await qdrant.setFault({ kind: "status", status: 400, route: "search", times: 1, message: "Format error in JSON body: unknown variant `formula`" });
    assert.deepEqual((await ask()).map((h) => h.id), [near, far]);
  });

  it("reads a payload as written when every field is well formed, and an odd field of an old point leniently", async () => {
    const [good, odd, oddTitle] = [randomUUID(), randomUUID(), randomUUID()];
    const written = { ...legacyPayload("docs/good.md"), embedding_model: "gemini-embedding-001", content_hash: "h", url: "/docs/good", chunk_index: 3, anchor: "setup", title: "Good page" };
    qdrant.seed("docusaurus-book", {
      size: 4,
      points: [
        { id: good, vector: basis(4, 0), payload: written },
        // A float depth, headings as one string, a count as text, a url that is a number, an unknown key.
        { id: odd, vector: basis(4, 0, 0.5), payload: { file_path: "docs/odd.md", heading_path: "Intro", section_depth: 1.5, content: "odd", token_count: "7", url: 7, extra: true } },
        // Well formed but for an anchor and a title that are not text: those two are left out.
        { id: oddTitle, vector: basis(4, 0, 1), payload: { ...legacyPayload("docs/odd-title.md"), anchor: 7, title: ["Odd"] } },
      ],
    });
    const hits = await store().search(basis(4, 0), 3);
    assert.deepEqual(hits.map((h) => h.id), [good, odd, oddTitle]);
    assert.deepEqual(hits[0]!.payload, written);
    assert.deepEqual(hits[1]!.payload, { file_path: "docs/odd.md", heading_path: [], section_depth: 0, content: "odd", token_count: 0 });
    assert.deepEqual(hits[2]!.payload, legacyPayload("docs/odd-title.md"));
  });

  it("on Qdrant Cloud's strict mode, a collection without text indexes searches by vector and says why; prepareSearch creates them", async () => {
    const [near, term] = [randomUUID(), randomUUID()];
    qdrant.seed("docusaurus-book", {
      size: 4,
      points: [
        { id: near, vector: basis(4, 0), payload: { ...legacyPayload("docs/near.md"), content: "The service answers questions." } },
        { id: term, vector: basis(4, 2), payload: { ...legacyPayload("docs/term.md"), content: "Wait when quota_exceeded comes." } },
      ],
    });
    const s = store();
    const vector = basis(4, 0, 0.1);
    assert.equal(s.searchMode(), undefined, "not known before a hybrid query or prepareSearch");
    assert.deepEqual((await s.hybridSearch({ vector, text: "quota_exceeded" }, 2)).map((h) => h.id)[0], near, "vector order: the word match was refused");
    assert.equal(s.searchMode()?.hybrid, false);
    assert.match(s.searchMode()!.reason!, /strict mode refused the word match .*Index required but not found for "(content|heading_path)"/);

    const prepared = await s.prepareSearch();
    assert.deepEqual(prepared, { hybrid: true, created: ["content", "heading_path"] });
    assert.deepEqual(qdrant.payloadIndexes("docusaurus-book"), { content: "text", heading_path: "text" });
    assert.deepEqual((await s.hybridSearch({ vector, text: "quota_exceeded" }, 2)).map((h) => h.id)[0], term, "the word found again");
    assert.deepEqual(await s.prepareSearch(), { hybrid: true }, "a second start creates nothing");
  });

  it("prepareSearch says why hybrid search is off: a read-only key cannot create the indexes, a server before 1.14 has no formulas", async () => {
    const readOnly = await startQdrantEmulator({ apiKey: "key", readOnlyApiKey: "read-only" });
    const old = await startQdrantEmulator({ version: "1.13.6" });
    try {
      readOnly.seed("docusaurus-book", { size: 4, points: [{ id: randomUUID(), vector: basis(4, 0), payload: legacyPayload("docs/a.md") }] });
      const mode = await new QdrantStore({ url: readOnly.url, apiKey: "read-only", collection: "docusaurus-book" }).prepareSearch();
      assert.equal(mode.hybrid, false);
      assert.match(mode.reason!, /content and heading_path are missing and could not be created .*403/);
      old.seed("docusaurus-book", { size: 4, points: [{ id: randomUUID(), vector: basis(4, 0), payload: legacyPayload("docs/a.md") }] });
      const oldStore = new QdrantStore({ url: old.url, collection: "docusaurus-book" });
      assert.match((await oldStore.prepareSearch()).reason!, /Qdrant 1\.13\.6 is older than 1\.14/);
      old.requests.length = 0;
      await oldStore.hybridSearch({ vector: basis(4, 0), text: "quota" }, 1);
      assert.equal((old.requests.at(-1)!.body as { prefetch?: unknown }).prefetch, undefined, "no hybrid query is sent to a server that cannot take it");
    } finally {
      await readOnly.close();
      await old.close();
    }
  });

  it("calls a URL without a port on its scheme's port, never on 6333; a port written is kept", () => {
    assert.equal(restAddress("https://xyz.eu-central.aws.cloud.qdrant.io"), "https://xyz.eu-central.aws.cloud.qdrant.io");
    assert.equal(restAddress("https://xyz.eu-central.aws.cloud.qdrant.io:6333"), "https://xyz.eu-central.aws.cloud.qdrant.io:6333");
    assert.equal(restAddress("http://qdrant.internal/"), "http://qdrant.internal");
    assert.deepEqual(new QdrantStore({ url: "https://xyz.cloud.qdrant.io", collection: "c" }).endpoint, { host: "xyz.cloud.qdrant.io", port: 443 });
    assert.deepEqual(new QdrantStore({ url: "http://127.0.0.1:6333", collection: "c" }).endpoint, { host: "127.0.0.1", port: 6333 });
  });

  it("reports the collection, and text-embedding-004 for points without an embedding model", async () => {
    qdrant.seed("docusaurus-book", { size: 768, points: [{ id: randomUUID(), vector: basis(768, 1), payload: legacyPayload("docs/a.md") }] });
    assert.deepEqual(await store().info(), {
      kind: "qdrant",
      collection: "docusaurus-book",
      exists: true,
      pointCount: 1,
      vectorSize: 768,
      embeddingModel: LEGACY_EMBEDDING_MODEL,
    });
    assert.equal(LEGACY_EMBEDDING_MODEL, "text-embedding-004");

    qdrant.seed("fresh", { size: 4, points: [{ id: randomUUID(), vector: basis(4, 1), payload: { ...legacyPayload("docs/b.md"), embedding_model: "gemini-embedding-001" } }] });
    assert.equal((await store("fresh").info()).embeddingModel, "gemini-embedding-001");

    qdrant.seed("empty", { size: 4, points: [] });
    assert.deepEqual(await store("empty").info(), { kind: "qdrant", collection: "empty", exists: true, pointCount: 0, vectorSize: 4, embeddingModel: null });
  });

  it("treats a missing collection as empty", async () => {
    const s = store("missing");
    assert.deepEqual(await s.info(), { kind: "qdrant", collection: "missing", exists: false, pointCount: 0, vectorSize: null, embeddingModel: null });
    assert.deepEqual(await s.search(basis(4, 0), 3), []);
    assert.deepEqual(await s.listPoints(), []);
  });

  it("creates a missing collection (cosine, file_path index) once, and upserts, searches and deletes", async () => {
    const s = store("created");
    await s.ensureCollection(4);
    await s.ensureCollection(4);
    const creates = qdrant.requests.filter((r) => r.kind === "collections" && r.method === "PUT");
    assert.equal(creates.length, 1);
    assert.deepEqual((creates[0]!.body as { vectors: unknown }).vectors, { size: 4, distance: "Cosine" });
    const indexes = qdrant.requests.filter((r) => r.kind === "index" && r.method === "PUT");
    assert.equal(indexes.length, 3, "the payload indexes are created once");
    assert.deepEqual(indexes[0]!.body, { field_name: "file_path", field_schema: "keyword" });
    const text = { type: "text", tokenizer: "word", lowercase: true, min_token_len: 2, max_token_len: 40 };
    assert.deepEqual(indexes.slice(1).map((r) => r.body), [{ field_name: "content", field_schema: text }, { field_name: "heading_path", field_schema: text }]);

    const a = point(basis(4, 0), "docs/a.md", { url: "https://book/a", heading_path: ["Setup"], section_depth: 1, anchor: "setup", title: "A page" });
    const b = point(basis(4, 2), "docs/b.md");
    await s.upsert([a, b]);
    const [top] = await s.search(basis(4, 0, 0.1), 1);
    assert.equal(top!.id, a.id);
    assert.deepEqual(top!.payload, a.payload);
    assert.equal((await s.info()).pointCount, 2);

    await s.deletePoints([a.id]);
    assert.deepEqual(
      qdrant.points("created").map((p) => p.id),
      [b.id],
    );
  });

  it("adds the file_path and full-text indexes to an existing collection that lacks them, and refuses another vector size", async () => {
    qdrant.seed("docusaurus-book", { size: 768, points: [] });
    await store().ensureCollection(768);
    assert.equal(qdrant.requests.filter((r) => r.kind === "index" && r.method === "PUT").length, 3);
    assert.equal(qdrant.requests.filter((r) => r.kind === "collections" && r.method === "PUT").length, 0);
    await assert.rejects(store().ensureCollection(3072), (err: Error & { code?: string }) => {
      assert.equal(err.code, "embedding_mismatch");
      assert.match(err.message, /768-dimension vectors but the embedder makes 3072/);
      return true;
    });
  });

  it("lists every point by pages, with file path and content hash and no vectors", async () => {
    const points = Array.from({ length: 600 }, (_, i) => ({
      id: randomUUID(),
      vector: basis(4, i % 4),
      payload: i % 2 === 0 ? legacyPayload(`docs/f${i}.md`) : { ...legacyPayload(`docs/f${i}.md`), content_hash: `h${i}` },
    }));
    qdrant.seed("big", { size: 4, points });
    const listed = await store("big").listPoints();
    assert.equal(listed.length, 600);
    const byId = new Map(listed.map((p) => [p.id, p]));
    for (const [i, p] of points.entries()) {
      assert.deepEqual(byId.get(p.id), { id: p.id, file_path: `docs/f${i}.md`, content_hash: i % 2 === 0 ? null : `h${i}` });
    }
    const scrolls = qdrant.requests.filter((r) => r.kind === "scroll" && r.collection === "big");
    assert.equal(scrolls.length, 3);
    for (const scroll of scrolls) {
      const body = scroll.body as { with_vector?: unknown; with_payload?: unknown };
      assert.equal(body.with_vector, false);
      assert.deepEqual(body.with_payload, { include: ["file_path", "content_hash"] });
    }
  });

  it("lists the pages it holds, and reads a page's chunks in the page's order by its indexed file path", async () => {
    const s = store("pages");
    await s.ensureCollection(4);
    const chunk = (file: string, index: number, extra: Partial<ChunkPoint["payload"]> = {}) =>
      point(basis(4, index % 4), file, { chunk_index: index, content: `${file} part ${index}`, ...extra });
    await s.upsert([
      chunk("docs/b.md", 2),
      chunk("docs/b.md", 0, { url: "https://book/b", title: "Bee" }),
      chunk("docs/a.md", 0),
      chunk("docs/b.md", 1, { url: "https://book/b", title: "Bee", anchor: "one" }),
    ]);
    assert.deepEqual(await s.listPages(), [{ file_path: "docs/a.md" }, { file_path: "docs/b.md", url: "https://book/b", title: "Bee" }]);
    const chunks = await s.pageChunks("docs/b.md");
    assert.deepEqual(chunks.map((c) => [c.content, c.anchor]), [["docs/b.md part 0", undefined], ["docs/b.md part 1", "one"], ["docs/b.md part 2", undefined]]);
    const scroll = qdrant.requests.findLast((r) => r.kind === "scroll")!.body as { filter?: unknown };
    assert.deepEqual(scroll.filter, { must: [{ key: "file_path", match: { value: "docs/b.md" } }] });
    assert.deepEqual(await s.pageChunks("docs/none.md"), []);
    assert.deepEqual(await store("never-made").listPages(), []);
  });

  it("turns a server that is down, failing or refusing the key into retrieval_unavailable", async () => {
    qdrant.seed("docusaurus-book", { size: 4, points: [] });
    const s = store();
    await qdrant.setFault({ kind: "down" });
    try {
      for (const call of [() => s.search(basis(4, 0), 3), () => s.info(), () => s.upsert([point(basis(4, 0), "docs/x.md")]), () => s.listPoints()]) {
        await assert.rejects(call(), (err: Error & { code?: string; status?: number }) => {
          assert.equal(err.code, "retrieval_unavailable");
          assert.equal(err.status, 503);
          assert.match(err.message, /could not be reached/);
          return true;
        });
      }
    } finally {
      await qdrant.setFault(null);
    }

    await qdrant.setFault({ kind: "status", status: 500, route: "search" });
    await assert.rejects(s.search(basis(4, 0), 3), { code: "retrieval_unavailable", message: "The vector store (Qdrant) failed. Please try again." });
    await qdrant.setFault(null);

    await assert.rejects(store("docusaurus-book", "wrong-key").info(), (err: Error & { code?: string }) => {
      assert.equal(err.code, "retrieval_unavailable");
      assert.match(err.message, /QDRANT_API_KEY/);
      assert.doesNotMatch(err.message, /wrong-key/);
      return true;
    });
  });

  it("times out a hanging server and honours the caller's abort", async () => {
    qdrant.seed("docusaurus-book", { size: 4, points: [] });
    await qdrant.setFault({ kind: "hang", route: "search" });
    try {
      const quick = new QdrantStore({ url: qdrant.url, apiKey: qdrant.apiKey, collection: "docusaurus-book", timeoutMs: 200 });
      await assert.rejects(quick.search(basis(4, 0), 3), { code: "retrieval_unavailable", message: /did not answer in time/ });

      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = performance.now();
      await assert.rejects(store().search(basis(4, 0), 3, controller.signal), { name: "AbortError" });
      assert.ok(performance.now() - started < 1_500);
    } finally {
      await qdrant.setFault(null);
    }
  });
});
