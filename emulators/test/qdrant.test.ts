import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { QdrantClient } from "@qdrant/js-client-rest";
import { QDRANT_VERSION, startQdrantEmulator, type QdrantEmulator } from "../qdrant/qdrant.ts";

const KEY = "test-qdrant-key";
const DOC = "3f2a6c1e-7b8d-4e9f-a0b1-c2d3e4f5a6b7";

/** What the client's fetcher throws for a non-2xx answer (its ApiError class is not exported). */
type HttpError = Error & { status: number; data: unknown; headers: Headers };

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => assert.fail("expected a rejection"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof Error);
  return err as HttpError;
}

const errorOf = (err: HttpError) => (err.data as { status: { error: string } }).status.error;
const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("qdrant emulator, through @qdrant/js-client-rest", { timeout: 30_000 }, () => {
  let qdrant: QdrantEmulator;
  let client: QdrantClient;
  const signal = () => ({ signal: AbortSignal.timeout(5_000) });
  before(async () => {
    // Filters on keys without an index, as a self-hosted server without strict mode answers them;
    // Cloud's strict mode has tests of its own below.
    qdrant = await startQdrantEmulator({ apiKey: KEY, readOnlyApiKey: "read-only-key", strictMode: false });
    // The version check runs against GET /: the emulator's version must pass it silently.
    client = new QdrantClient({ url: qdrant.url, apiKey: KEY, timeout: 5_000 });
  });
  after(() => qdrant.close());
  beforeEach(() => qdrant.reset());

  test("full-text match: tokens with a text index, each word as a substring without; prefetches fused by RRF or rescored by a formula", async () => {
    await client.createCollection("words", { vectors: { size: 2, distance: "Cosine" } });
    await client.upsert("words", {
      wait: true,
      points: [
        { id: 1, vector: [1, 0], payload: { content: "Run pulumi up to deploy." } },
        { id: 2, vector: [0.8, 0.6], payload: { content: "Error quota_exceeded: wait and retry." } },
        { id: 3, vector: [0, 1], payload: { content: "The quota resets daily; retry tomorrow." } },
      ],
    });
    const ids = async (filter: Record<string, unknown>) => (await client.query("words", { query: [1, 0], filter, limit: 10 })).points.map((p) => p.id);
    // Without an index: every word must occur as a substring ("quota" is inside "quota_exceeded").
    assert.deepEqual(await ids({ must: [{ key: "content", match: { text: "quota retry" } }] }), [2, 3]);
    assert.deepEqual(await ids({ must: [{ key: "content", match: { text: "Quota" } }] }), [], "substring matching is case-sensitive");
    await client.createPayloadIndex("words", { field_name: "content", field_schema: { type: "text", tokenizer: "word", lowercase: true }, wait: true });
    // With a word index: whole tokens, lower-cased; "quota_exceeded" is the tokens quota and exceeded.
    assert.deepEqual(await ids({ must: [{ key: "content", match: { text: "Quota" } }] }), [2, 3]);
    assert.deepEqual(await ids({ must: [{ key: "content", match: { text: "quot" } }] }), []);
    assert.deepEqual(await ids({ must: [{ key: "content", match: { text: "quota_exceeded" } }] }), [2]);

    const holds = (word: string) => ({ key: "content", match: { text: word } });
    const lexical = {
      prefetch: { query: [1, 0], filter: { should: [holds("quota"), holds("retry")] }, limit: 10 },
      query: { formula: { sum: [holds("quota"), holds("retry"), { mult: [0.5, "$score"] }] } },
      limit: 10,
    };
    const rescored = await client.query("words", lexical as never);
    // 2: two words + 0.5 x 0.8; 3: two words + 0.5 x 0.
    assert.deepEqual(rescored.points.map((p) => [p.id, Math.round(p.score * 1000) / 1000]), [[2, 2.4], [3, 2]]);

    const fused = await client.query("words", { prefetch: [{ query: [0, 1], limit: 3 }, lexical], query: { fusion: "rrf" }, limit: 3, with_vector: true } as never);
    // Ranks from 0, k = 2: 3 is 0th and 1st -> 1/2 + 1/3; 2 is 1st and 0th -> the same, the lower id first; 1 is 2nd in one list -> 1/4.
    assert.deepEqual(fused.points.map((p) => [p.id, Math.round(p.score * 1000) / 1000]), [[2, 0.833], [3, 0.833], [1, 0.25]]);
    assert.ok(Array.isArray(fused.points[0]!.vector), "with_vector returns the stored vector");
    const noPrefetch = await failure(client.query("words", { query: { fusion: "rrf" } } as never));
    assert.equal(noPrefetch.status, 400);

    // A batch answers each request as points/query would, in order; a vector over fused hits re-ranks them by similarity.
    const fusion = { prefetch: [{ query: [0, 1], limit: 3 }, lexical], query: { fusion: "rrf" }, limit: 3 };
    const batch = await client.queryBatch("words", { searches: [{ ...fusion, with_payload: true }, { prefetch: fusion, query: [1, 0], limit: 3 }] as never });
    assert.deepEqual(batch.map((answer) => answer.points.map((p) => p.id)), [[2, 3, 1], [1, 2, 3]]);
    assert.ok(batch[0]!.points[0]!.payload, "each request's own with_payload");
    assert.ok(batch[1]!.points[0]!.payload == null, "no payload unless asked");
    assert.deepEqual(batch[1]!.points.map((p) => Math.round(p.score * 1000) / 1000), [1, 0.8, 0]);
    assert.equal((await failure(client.queryBatch("words", {} as never))).status, 400);
  });

  test("GET / reports a 1.x version the client accepts", async () => {
    const info = await client.versionInfo();
    assert.equal(info.title, "qdrant - vector search engine");
    assert.equal(info.version, QDRANT_VERSION);
    assert.match(QDRANT_VERSION, /^1\.(18|19|20)\./, "within one minor version of client 1.19");
  });

  test("creates a collection, reports it, and refuses to create it twice with 409", async () => {
    assert.deepEqual(await client.collectionExists("book"), { exists: false });
    assert.equal(await client.createCollection("book", { vectors: { size: 4, distance: "Cosine" } }), true);
    assert.deepEqual(await client.collectionExists("book"), { exists: true });
    const info = await client.getCollection("book");
    assert.equal(info.status, "green");
    assert.deepEqual(info.config.params.vectors, { size: 4, distance: "Cosine" });
    assert.equal(info.points_count, 0);
    assert.deepEqual((await client.getCollections()).collections, [{ name: "book" }]);

    const err = await failure(client.createCollection("book", { vectors: { size: 4, distance: "Cosine" } }));
    assert.equal(err.status, 409);
    assert.equal(errorOf(err), "Wrong input: Collection `book` already exists!");

    await client.createPayloadIndex("book", { field_name: "file_path", field_schema: "keyword", wait: true });
    assert.deepEqual((await client.getCollection("book")).payload_schema, { file_path: { data_type: "keyword", points: 0 } });
    assert.equal(await client.deleteCollection("book"), true);
    assert.deepEqual(await client.collectionExists("book"), { exists: false });
  });

  test("upserts UUID and integer ids, queries by cosine similarity with filters, retrieves", async () => {
    await client.createCollection("book", { vectors: { size: 3, distance: "Cosine" } });
    const vectors: Record<string, number[]> = { [DOC]: [1, 0, 0], "7": [0.8, 0.6, 0], "9": [0, 0.5, 0.5] };
    const upserted = await client.upsert("book", {
      wait: true,
      points: [
        { id: DOC.toUpperCase(), vector: vectors[DOC]!, payload: { file_path: "docs/a.md", heading_path: ["Intro", "Setup"] } },
        { id: 7, vector: vectors["7"]!, payload: { file_path: "docs/b.md", heading_path: ["Deploy"] } },
        { id: 9, vector: vectors["9"]!, payload: { file_path: "docs/c.md", heading_path: [] } },
      ],
    });
    assert.equal(upserted.status, "completed");

    const query = [2, 1, 0];
    const { points } = await client.query("book", { query, limit: 2, with_payload: true });
    assert.deepEqual(
      points.map((p) => p.id),
      [7, DOC],
      "nearest first; the UUID comes back in canonical lower-case form",
    );
    const expected = dot(unit(query), unit(vectors["7"]!));
    assert.ok(Math.abs(points[0]!.score - expected) < 1e-6, `score ${points[0]!.score} is the cosine similarity ${expected}`);
    assert.deepEqual(points[0]!.payload, { file_path: "docs/b.md", heading_path: ["Deploy"] });

    const filtered = await client.query("book", {
      query: { nearest: query },
      limit: 10,
      filter: { must: [{ key: "heading_path", match: { any: ["Setup", "Nothing"] } }], must_not: [{ key: "file_path", match: { value: "docs/c.md" } }] },
    });
    assert.deepEqual(
      filtered.points.map((p) => p.id),
      [DOC],
    );
    assert.equal(filtered.points[0]!.payload, null, "the query API returns no payload unless asked");

    const should = await client.query("book", { query, limit: 10, filter: { should: [{ key: "file_path", match: { value: "docs/c.md" } }, { has_id: [7] }] } });
    assert.deepEqual(new Set(should.points.map((p) => p.id)), new Set([7, 9]));

    const records = await client.retrieve("book", { ids: [9, DOC], with_vector: true });
    const nine = records.find((r) => r.id === 9)!;
    assert.deepEqual(nine.payload, { file_path: "docs/c.md", heading_path: [] });
    assert.ok(Math.abs((nine.vector as number[])[1]! - Math.SQRT1_2) < 1e-6, "cosine collections store normalised vectors");
  });

  test("points/search answers scored points with the score threshold and offset", async () => {
    qdrant.seed("book", { size: 2, points: [1, 2, 3, 4].map((id) => ({ id, vector: [1, id / 10], payload: { n: id } })) });
    const response = await fetch(`${qdrant.url}/collections/book/points/search`, {
      method: "POST",
      headers: { "content-type": "application/json", "api-key": KEY },
      body: JSON.stringify({ vector: [1, 0], limit: 2, offset: 1, with_payload: ["n"] }),
      ...signal(),
    });
    const body = (await response.json()) as { result: Array<{ id: number; score: number; payload: unknown; version: number }>; status: string; time: number };
    assert.equal(body.status, "ok");
    assert.equal(typeof body.time, "number");
    assert.deepEqual(
      body.result.map((p) => [p.id, p.payload]),
      [
        [2, { n: 2 }],
        [3, { n: 3 }],
      ],
    );
    assert.ok(body.result[0]!.score > body.result[1]!.score);
  });

  test("scrolls page by page with next_page_offset, payload include lists and filters", async () => {
    qdrant.seed("book", {
      size: 2,
      points: Array.from({ length: 7 }, (_, i) => ({ id: i + 1, vector: [1, i], payload: { file_path: `docs/${i % 2 ? "odd" : "even"}.md`, content: `chunk ${i}` } })),
    });
    const seen: Array<string | number> = [];
    let offset: string | number | undefined;
    let pages = 0;
    do {
      const page = await client.scroll("book", { limit: 3, with_payload: { include: ["file_path"] }, ...(offset !== undefined ? { offset } : {}) });
      for (const p of page.points) {
        seen.push(p.id);
        assert.deepEqual(Object.keys(p.payload ?? {}), ["file_path"]);
        assert.equal(p.vector, null);
      }
      const next = page.next_page_offset;
      offset = typeof next === "string" || typeof next === "number" ? next : undefined;
      pages++;
    } while (offset !== undefined);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(pages, 3);

    const odd = await client.scroll("book", { filter: { must: [{ key: "file_path", match: { value: "docs/odd.md" } }] }, limit: 100 });
    assert.deepEqual(
      odd.points.map((p) => p.id),
      [2, 4, 6],
    );
    assert.equal(odd.points[0]!.payload?.content, "chunk 1", "scroll returns the whole payload by default");
  });

  test("counts, deletes by ids and by filter", async () => {
    qdrant.seed("book", { size: 2, points: [1, 2, 3, 4, 5].map((id) => ({ id, vector: [id, 1], payload: { file_path: id <= 3 ? "docs/a.md" : "docs/b.md" } })) });
    assert.deepEqual(await client.count("book"), { count: 5 });
    assert.deepEqual(await client.count("book", { filter: { must: [{ key: "file_path", match: { value: "docs/a.md" } }] } }), { count: 3 });
    await client.delete("book", { wait: true, points: [1] });
    await client.delete("book", { wait: true, filter: { must: [{ key: "file_path", match: { value: "docs/b.md" } }] } });
    assert.deepEqual(
      qdrant.points("book").map((p) => p.id),
      [2, 3],
    );
    assert.equal((await client.getCollection("book")).points_count, 2);
  });

  test("a missing collection is a 404 with Qdrant's body", async () => {
    const err = await failure(client.getCollection("nope"));
    assert.equal(err.status, 404);
    assert.equal(errorOf(err), "Not found: Collection `nope` doesn't exist!");
    const query = await failure(client.query("nope", { query: [1, 2] }));
    assert.equal(query.status, 404);
  });

  test("a vector of the wrong size is a 400 with Qdrant's message, and writes nothing", async () => {
    await client.createCollection("book", { vectors: { size: 3, distance: "Cosine" } });
    const upsert = await failure(
      client.upsert("book", {
        wait: true,
        points: [
          { id: 1, vector: [1, 2, 3] },
          { id: 2, vector: [1, 2] },
        ],
      }),
    );
    assert.equal(upsert.status, 400);
    assert.equal(errorOf(upsert), "Wrong input: Vector dimension error: expected dim: 3, got 2");
    assert.deepEqual(qdrant.points("book"), [], "the rejected batch left nothing behind");
    const query = await failure(client.query("book", { query: [1, 2, 3, 4] }));
    assert.equal(query.status, 400);
    assert.equal(errorOf(query), "Wrong input: Vector dimension error: expected dim: 3, got 4");
  });

  test("the api-key header is required and checked; the key is never logged", async () => {
    const anonymous = new QdrantClient({ url: qdrant.url, checkCompatibility: false });
    const missing = await failure(anonymous.getCollections());
    assert.equal(missing.status, 401);
    assert.equal(missing.data, "Must provide an API key or an Authorization bearer token");

    const wrong = new QdrantClient({ url: qdrant.url, apiKey: "wrong-key", checkCompatibility: false });
    const denied = await failure(wrong.getCollections());
    assert.equal(denied.status, 401);
    assert.equal(denied.data, "Invalid API key or JWT");

    const readOnly = new QdrantClient({ url: qdrant.url, apiKey: "read-only-key", checkCompatibility: false });
    assert.deepEqual((await readOnly.getCollections()).collections, []);
    const forbidden = await failure(readOnly.createCollection("book", { vectors: { size: 2, distance: "Cosine" } }));
    assert.equal(forbidden.status, 403);

    // GET / stays open, as in Qdrant, so version checks work without a key.
    assert.equal((await fetch(`${qdrant.url}/`, signal())).status, 200);
    assert.deepEqual(
      qdrant.requests.map((r) => [r.path, r.status, r.apiKeyPresent]),
      [
        ["/collections", 401, false],
        ["/collections", 401, true],
        ["/collections", 200, true],
        ["/collections/book", 403, true],
        ["/", 200, false],
      ],
    );
    assert.ok(!JSON.stringify(qdrant.requests).includes(KEY));
  });

  test("down refuses connections; cleared, the same URL serves the same data again", async () => {
    qdrant.seed("book", { size: 2, points: [{ id: 1, vector: [1, 0], payload: { a: 1 } }] });
    await qdrant.setFault({ kind: "down" });
    const err = await failure(client.getCollection("book"));
    assert.equal(err.name, "TypeError", "a connection failure, not an HTTP answer");
    assert.equal((err.cause as { code?: string } | undefined)?.code, "ECONNREFUSED");
    await qdrant.setFault(null);
    assert.equal((await client.getCollection("book")).points_count, 1);
  });

  test("status faults hit their route for `times` requests, with Retry-After on 429", async () => {
    qdrant.seed("book", { size: 2, points: [{ id: 1, vector: [1, 0] }] });
    await qdrant.setFault({ kind: "status", status: 503, route: "search", times: 1 });
    assert.equal((await client.count("book")).count, 1, "other routes are untouched");
    const unavailable = await failure(client.query("book", { query: [1, 0] }));
    assert.equal(unavailable.status, 503);
    assert.equal((await client.query("book", { query: [1, 0] })).points.length, 1, "the fault cleared itself");

    await qdrant.setFault({ kind: "status", status: 429, retryAfter: 3, times: 1 });
    const limited = await failure(client.getCollections());
    assert.equal(limited.name, "QdrantClientResourceExhaustedError", "the client reads Retry-After");
    assert.equal((limited as unknown as { retry_after: number }).retry_after, 3);
  });

  test("slow and hang faults delay or hold the answer", async () => {
    qdrant.seed("book", { size: 2, points: [{ id: 1, vector: [1, 0] }] });
    await qdrant.setFault({ kind: "slow", delayMs: 300, route: "scroll", times: 1 });
    const started = performance.now();
    await client.scroll("book");
    assert.ok(performance.now() - started >= 280);

    await qdrant.setFault({ kind: "hang", route: "count", times: 1 });
    // The client's own timeout would replace our signal: the service turns it off, and so do we.
    const patient = new QdrantClient({ url: qdrant.url, apiKey: KEY, checkCompatibility: false, timeout: Number.POSITIVE_INFINITY });
    const held = await failure(patient.api().countPoints({ collection_name: "book" }, { signal: AbortSignal.timeout(200) }));
    assert.equal(held.name, "TimeoutError");
  });

  test("seed and points read back what was stored", () => {
    qdrant.seed("book", { size: 2, points: [{ id: DOC, vector: [3, 4], payload: { file_path: "docs/x.md" } }, { id: 2, vector: [0, 2] }] });
    assert.deepEqual(qdrant.points("book"), [
      { id: 2, vector: [0, 1], payload: {} },
      { id: DOC, vector: [0.6, 0.8], payload: { file_path: "docs/x.md" } },
    ]);
    assert.deepEqual(qdrant.points("missing"), []);
  });
});

describe("qdrant emulator, Qdrant Cloud's strict mode", { timeout: 30_000 }, () => {
  let qdrant: QdrantEmulator;
  let client: QdrantClient;
  before(async () => {
    qdrant = await startQdrantEmulator({ apiKey: KEY });
    client = new QdrantClient({ url: qdrant.url, apiKey: KEY, timeout: 5_000 });
  });
  after(() => qdrant.close());
  beforeEach(() => qdrant.reset());

  const points = [
    { id: DOC, vector: unit([1, 0, 0]), payload: { content: "Run pulumi up to deploy.", file_path: "docs/deploy.md" } },
    { id: 7, vector: unit([0, 1, 0]), payload: { content: "The Space listens on 7860.", file_path: "docs/space.md" } },
  ];

  test("on for a new collection: a filter or a formula on an unindexed key is Qdrant's 400; an index lets it through", async () => {
    await client.createCollection("book", { vectors: { size: 3, distance: "Cosine" } });
    const info = await client.getCollection("book");
    assert.deepEqual(info.config.strict_mode_config, { enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false });
    await client.upsert("book", { wait: true, points });

    const text = { must: [{ key: "content", match: { text: "pulumi" } }] };
    const refused = await failure(client.query("book", { query: unit([1, 0, 0]), filter: text }));
    assert.equal(refused.status, 400);
    assert.equal(
      errorOf(refused),
      'Bad request: Index required but not found for "content" of one of the following types: [text]. Help: Create an index for this key or use a different filter.',
    );
    const keyword = await failure(client.scroll("book", { filter: { must: [{ key: "file_path", match: { value: "docs/space.md" } }] } }));
    assert.match(errorOf(keyword), /"file_path" of one of the following types: \[keyword\]/);
    const formula = await failure(
      client.query("book", {
        prefetch: { query: unit([1, 0, 0]), limit: 5 },
        query: { formula: { sum: ["$score", { key: "content", match: { text: "pulumi" } }] } },
      }),
    );
    assert.match(errorOf(formula), /"content" of one of the following types: \[text\]\. Help: Create an index for this key or use a different formula expression\./);
    const deleting = await failure(client.delete("book", { wait: true, filter: { must: [{ key: "file_path", match: { value: "docs/space.md" } }] } }));
    assert.equal(deleting.status, 400);

    await client.createPayloadIndex("book", { field_name: "content", field_schema: { type: "text", tokenizer: "word", lowercase: true }, wait: true });
    const found = await client.query("book", { query: unit([0, 1, 0]), filter: text, with_payload: true });
    assert.deepEqual(found.points.map((p) => p.id), [DOC]);
    assert.deepEqual(qdrant.payloadIndexes("book"), { content: "text" });
  });

  test("a collection created with strict mode off, or seeded so, filters on any key", async () => {
    await client.createCollection("loose", { vectors: { size: 3, distance: "Cosine" }, strict_mode_config: { enabled: false } });
    await client.upsert("loose", { wait: true, points });
    const found = await client.scroll("loose", { filter: { must: [{ key: "file_path", match: { value: "docs/space.md" } }] } });
    assert.equal(found.points.length, 1);
    qdrant.seed("seeded", { size: 3, points, strictMode: false });
    assert.equal((await client.count("seeded", { filter: { must: [{ key: "file_path", match: { value: "docs/deploy.md" } }] } })).count, 1);
  });

  test("a server before 1.14 refuses a formula", async () => {
    const old = await startQdrantEmulator({ version: "1.13.6" });
    try {
      old.seed("book", { size: 3, points });
      const response = await fetch(`${old.url}/collections/book/points/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prefetch: { query: [1, 0, 0], limit: 5 }, query: { formula: { sum: ["$score", 1] } } }),
      });
      assert.equal(response.status, 400);
    } finally {
      await old.close();
    }
  });
});
