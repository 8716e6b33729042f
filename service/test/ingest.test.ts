import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startGeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startQdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import type { Embedder, EmbeddingTask } from "../src/embeddings/embedder.ts";
import { LocalEmbedder } from "../src/embeddings/local-embedder.ts";
import { ingestDocs, pointId, type IngestSummary } from "../src/ingest/ingest.ts";
import { PgvectorStore } from "../src/retrieval/pgvector-store.ts";
import { QdrantStore } from "../src/retrieval/qdrant-store.ts";
import type { ChunkPoint, SearchQuery, VectorStore } from "../src/retrieval/vector-store.ts";

const SAMPLE_DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../sample-docs");
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/ingest/cli.ts");

/** Counts what reaches the embedder; can pretend to be another model. */
class CountingEmbedder implements Embedder {
  readonly model: string;
  readonly dimensions: number;
  calls = 0;
  texts = 0;
  readonly #inner: Embedder;
  constructor(inner: Embedder, model = inner.model) {
    this.#inner = inner;
    this.model = model;
    this.dimensions = inner.dimensions;
  }
  embed(texts: string[], task: EmbeddingTask, signal?: AbortSignal): Promise<number[][]> {
    this.calls++;
    this.texts += texts.length;
    return this.#inner.embed(texts, task, signal);
  }
}

/** Counts the writes that reach the store. */
class CountingStore implements VectorStore {
  upserted: ChunkPoint[] = [];
  deleted: string[] = [];
  readonly #inner: VectorStore;
  constructor(inner: VectorStore) {
    this.#inner = inner;
  }
  get kind() {
    return this.#inner.kind;
  }
  get collection() {
    return this.#inner.collection;
  }
  reset() {
    this.upserted = [];
    this.deleted = [];
  }
  ensureCollection(size: number) {
    return this.#inner.ensureCollection(size);
  }
  search(vector: number[], limit: number, signal?: AbortSignal) {
    return this.#inner.search(vector, limit, signal);
  }
  hybridSearch(query: SearchQuery, limit: number, signal?: AbortSignal) {
    return this.#inner.hybridSearch(query, limit, signal);
  }
  upsert(points: ChunkPoint[]) {
    this.upserted.push(...points);
    return this.#inner.upsert(points);
  }
  deletePoints(ids: string[]) {
    this.deleted.push(...ids);
    return this.#inner.deletePoints(ids);
  }
  listPoints() {
    return this.#inner.listPoints();
  }
  listPages() {
    return this.#inner.listPages();
  }
  pageChunks(filePath: string, signal?: AbortSignal) {
    return this.#inner.pageChunks(filePath, signal);
  }
  info() {
    return this.#inner.info();
  }
}

interface StoreFixture {
  store: VectorStore;
  close(): Promise<void>;
}

// A book served at the site's root, on its own domain.
const BOOK = { docsBaseUrl: "https://book.example.com/", docsRouteBasePath: "/" };

/** The ingest's life cycle against one store: first run, repeat, edit, delete, model change, route base change. */
function describeIngest(name: string, openStore: (collection: string) => Promise<StoreFixture>): void {
  describe(`ingestDocs into ${name}`, () => {
    let workDir: string;
    let docsDir: string;
    let fixture: StoreFixture;
    let store: CountingStore;
    let embedder: CountingEmbedder;
    const local = new LocalEmbedder({ dimensions: 768 });
    const run = (options: { embedder?: Embedder; batchSize?: number } = {}) =>
      ingestDocs({ docsDir, embedder: options.embedder ?? embedder, store, book: BOOK, batchSize: options.batchSize ?? 16 });
    const byFile = async () => {
      const points = await store.listPoints();
      const map = new Map<string, string[]>();
      for (const p of points) map.set(p.file_path, [...(map.get(p.file_path) ?? []), p.id].sort());
      return map;
    };
    const reset = () => {
      store.reset();
      embedder.calls = 0;
      embedder.texts = 0;
    };
    const legacy = (file: string): ChunkPoint => ({
      id: randomUUID(),
      vector: Array.from({ length: 768 }, (_, i) => (i === 0 ? 1 : 0)),
      payload: { file_path: file, heading_path: ["Old"], section_depth: 1, content: "from the previous backend", token_count: 5 },
    });

    before(async () => {
      workDir = await mkdtemp(path.join(tmpdir(), "ingest-test-"));
      await cp(SAMPLE_DOCS, path.join(workDir, "book"), { recursive: true });
      docsDir = path.join(workDir, "book", "docs");
      fixture = await openStore(`book-${randomUUID().slice(0, 8)}`);
      store = new CountingStore(fixture.store);
      embedder = new CountingEmbedder(local);
    });
    after(async () => {
      await fixture.close();
      await rm(workDir, { recursive: true, force: true });
    });

    let first: IngestSummary;
    it("first run: embeds and writes every chunk, replacing points of the previous ingest", async () => {
      // Points as the previous backend left them: random ids, no content hash, no model.
      await store.ensureCollection(768);
      const old = [legacy("docs/module-01/chapter-01.md"), legacy("docs/module-01/chapter-02.md")];
      await store.upsert(old);
      reset();

      first = await run();
      assert.equal(first.files, 9);
      assert.ok(first.chunks >= 30, `${first.chunks} chunks`);
      assert.equal(first.embedded, first.chunks);
      assert.equal(first.upserted, first.chunks);
      assert.equal(first.unchanged, 0);
      assert.equal(first.deleted, 2);
      assert.equal(first.embedCalls, Math.ceil(first.chunks / 16));
      assert.equal(embedder.calls, first.embedCalls);
      assert.equal(embedder.texts, first.chunks);
      assert.deepEqual(store.deleted.sort(), old.map((p) => p.id).sort());

      const files = await byFile();
      assert.deepEqual(
        [...files.keys()].sort(),
        [
          "docs/01-getting-started/01-introduction.md",
          "docs/01-getting-started/02-quickstart.md",
          "docs/02-configuration/01-environment-variables.md",
          "docs/02-configuration/02-vector-stores.mdx",
          "docs/03-using-the-api/01-chat-api.md",
          "docs/03-using-the-api/02-conversations-and-health.md",
          "docs/04-operations/01-ingesting-a-book.md",
          "docs/04-operations/02-deploying.md",
          "docs/04-operations/03-troubleshooting.md",
        ],
      );
      const info = await store.info();
      assert.equal(info.pointCount, first.chunks);
      assert.equal(info.vectorSize, 768);
      assert.equal(info.embeddingModel, "local-hash-v1");
    });

    it("writes the contract's payload plus model, hash, position, url, title and the section's anchor", async () => {
      const written = store.upserted.find((p) => p.payload.file_path === "docs/02-configuration/02-vector-stores.mdx" && p.payload.heading_path[0] === "Switching stores")!;
      assert.ok(written, "the MDX page's tab section was ingested");
      const p = written.payload;
      assert.deepEqual(p.heading_path, ["Switching stores"]);
      assert.equal(p.section_depth, 1);
      assert.match(p.content, /npm run ingest -- path\/to\/book\/docs/);
      assert.doesNotMatch(p.content, /<Tab|import Tabs/);
      assert.ok(p.token_count > 0 && p.token_count <= 400);
      assert.equal(p.embedding_model, "local-hash-v1");
      assert.match(p.content_hash!, /^[0-9a-f]{64}$/);
      assert.equal(typeof p.chunk_index, "number");
      assert.equal(p.url, "https://book.example.com/configuration/vector-stores");
      assert.equal(p.anchor, "switching-stores");
      assert.equal(p.title, "Choosing a vector store");
      assert.deepEqual(Object.keys(p).sort(), [
        "anchor", "chunk_index", "content", "content_hash", "embedding_model", "file_path", "heading_path", "section_depth", "title", "token_count", "url",
      ]);
      const intro = store.upserted.filter((x) => x.payload.file_path.endsWith("01-introduction.md"));
      assert.equal(intro[0]!.payload.url, "https://book.example.com/");
      // Above the first H2 a chunk has no section, so no anchor: its url is the page's.
      assert.deepEqual(intro.filter((x) => x.payload.heading_path.length === 0).map((x) => x.payload.anchor), [undefined]);
    });

    it("retrieves the right chapter for a question about the sample book", async () => {
      const questions: Array<[string, string]> = [
        ["How do I deploy the backend with pulumi up?", "docs/04-operations/02-deploying.md"],
        ["How do I ingest my book?", "docs/04-operations/01-ingesting-a-book.md"],
        ["Which events does POST /api/chat stream?", "docs/03-using-the-api/01-chat-api.md"],
        ["The browser blocks the chat because of CORS", "docs/04-operations/03-troubleshooting.md"],
      ];
      for (const [question, file] of questions) {
        const [vector] = await local.embed([question], "RETRIEVAL_QUERY");
        const [top] = await store.search(vector!, 3);
        assert.equal(top?.payload.file_path, file, question);
      }
    });

    it("second run over unchanged docs writes nothing", async () => {
      reset();
      const second = await run();
      assert.deepEqual({ ...second, ms: 0 }, { files: 9, chunks: first.chunks, embedded: 0, upserted: 0, deleted: 0, unchanged: first.chunks, embedCalls: 0, ms: 0 });
      assert.equal(embedder.calls, 0);
      assert.equal(store.upserted.length, 0);
      assert.equal(store.deleted.length, 0);
    });

    it("an edited file replaces only its own points", async () => {
      const before = await byFile();
      const edited = path.join(docsDir, "04-operations", "03-troubleshooting.md");
      const text = await readFile(edited, "utf8");
      await writeFile(edited, text.replace("Most problems show up", "Nearly all problems show up") + "\n## Slow answers\n\nA sleeping Space wakes up on the first request.\n");
      reset();
      const summary = await run();
      const after = await byFile();
      for (const [file, ids] of before) {
        if (file !== "docs/04-operations/03-troubleshooting.md") assert.deepEqual(after.get(file), ids, `${file} untouched`);
      }
      assert.ok(store.upserted.length > 0);
      assert.ok(store.upserted.every((p) => p.payload.file_path === "docs/04-operations/03-troubleshooting.md"));
      const oldIds = new Set(before.get("docs/04-operations/03-troubleshooting.md"));
      assert.ok(store.deleted.length > 0 && store.deleted.every((id) => oldIds.has(id)));
      assert.equal(summary.upserted, store.upserted.length);
      assert.equal(summary.deleted, store.deleted.length);
      assert.equal(summary.chunks, first.chunks + 1);
      assert.ok(store.upserted.some((p) => p.payload.heading_path[0] === "Slow answers"));
      assert.ok(store.upserted.some((p) => p.payload.content.includes("Nearly all problems")));
    });

    it("a deleted file's points go, and nothing else changes", async () => {
      const before = await byFile();
      await rm(path.join(docsDir, "03-using-the-api", "02-conversations-and-health.md"));
      reset();
      const summary = await run();
      const after = await byFile();
      assert.equal(after.has("docs/03-using-the-api/02-conversations-and-health.md"), false);
      assert.deepEqual(store.deleted.sort(), before.get("docs/03-using-the-api/02-conversations-and-health.md"));
      assert.equal(store.upserted.length, 0);
      assert.equal(embedder.calls, 0);
      assert.equal(summary.files, 8);
      for (const [file, ids] of after) assert.deepEqual(ids, before.get(file));
    });

    it("ids are deterministic: a fresh store gets the same ids", async () => {
      const other = await openStore(`book-${randomUUID().slice(0, 8)}`);
      try {
        await ingestDocs({ docsDir, embedder: local, store: other.store, book: BOOK, batchSize: 100 });
        const ids = (await other.store.listPoints()).map((p) => p.id).sort();
        assert.deepEqual(ids, (await store.listPoints()).map((p) => p.id).sort());
      } finally {
        await other.close();
      }
    });

    it("a new embedding model re-embeds everything and removes the old vectors", async () => {
      const before = (await store.listPoints()).map((p) => p.id);
      const renamed = new CountingEmbedder(local, "local-hash-v1-renamed");
      reset();
      const summary = await run({ embedder: renamed });
      assert.equal(summary.embedded, summary.chunks);
      assert.equal(summary.deleted, before.length);
      assert.equal((await store.info()).embeddingModel, "local-hash-v1-renamed");
      assert.equal(new Set([...before, ...(await store.listPoints()).map((p) => p.id)]).size, before.length + summary.chunks);
    });

    it("a new route base rewrites every point with its page's new url", async () => {
      const before = await store.listPoints();
      reset();
      const summary = await ingestDocs({ docsDir, embedder, store, book: { docsRouteBasePath: "/docs" }, batchSize: 16 });
      assert.equal(summary.upserted, summary.chunks);
      assert.equal(summary.deleted, before.length);
      const urls = new Set(store.upserted.map((p) => p.payload.url));
      assert.ok(urls.has("/docs/configuration/vector-stores") && urls.has("/docs/"), [...urls].join(", "));
    });

    it("refuses a folder without pages, leaving the store alone", async () => {
      const empty = path.join(workDir, "empty", "docs");
      await mkdir(empty, { recursive: true });
      const count = (await store.listPoints()).length;
      await assert.rejects(ingestDocs({ docsDir: empty, embedder, store }), { code: "invalid_request" });
      assert.equal((await store.listPoints()).length, count);
    });
  });
}

describeIngest("pgvector (PGlite)", async (collection) => {
  const db = await createPgliteDatabase(undefined);
  return { store: new PgvectorStore({ db, collection }), close: () => db.close() };
});

describeIngest("Qdrant (emulator)", async (collection) => {
  const qdrant = await startQdrantEmulator({ apiKey: "test-qdrant-key" });
  return { store: new QdrantStore({ url: qdrant.url, apiKey: qdrant.apiKey, collection }), close: () => qdrant.close() };
});

describe("pointId", () => {
  it("point ids are version-5 UUIDs of their name", () => {
    const id = pointId("docs/a.md\n0\nhash\nmodel@768");
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(pointId("docs/a.md\n0\nhash\nmodel@768"), id);
    assert.notEqual(pointId("docs/a.md\n1\nhash\nmodel@768"), id);
  });
});

describe("npm run ingest (cli.ts)", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "ingest-cli-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  /** Runs the CLI with only the given variables (plus PATH), as a user would. */
  const runCli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: unknown }).code as number) : 0, stdout, stderr });
      });
    });

  it("ingests into the embedded database, then finds nothing to do, with one summary line each", async () => {
    const env = { DATA_DIR: dataDir };
    const first = await runCli([SAMPLE_DOCS], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Ingested 9 files into pgvector collection docusaurus-book with local-hash-v1: (\d+) chunks, \1 embedded, \1 upserted, 0 deleted, 0 unchanged, 1 embed calls, [\d.]+ s\n$/);
    const second = await runCli([path.join(SAMPLE_DOCS, "docs")], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /: (\d+) chunks, 0 embedded, 0 upserted, 0 deleted, \1 unchanged, 0 embed calls/);
  });

  it("embeds with Gemini into Qdrant when they are configured, opening no database", async () => {
    const gemini = await startGeminiEmulator();
    const qdrant = await startQdrantEmulator({ apiKey: "cli-qdrant-key-123" });
    try {
      const emptyDataDir = path.join(dataDir, "unused");
      const env = { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url, QDRANT_URL: qdrant.url, QDRANT_API_KEY: qdrant.apiKey, DATA_DIR: emptyDataDir };
      const result = await runCli([SAMPLE_DOCS], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /into qdrant collection docusaurus-book with gemini-embedding-001: (\d+) chunks, \1 embedded/);
      assert.ok(qdrant.points("docusaurus-book").length > 0);
      await assert.rejects(readFile(path.join(emptyDataDir, "pglite", "PG_VERSION")), "no embedded database was created");
    } finally {
      await Promise.all([gemini.close(), qdrant.close()]);
    }
  });

  it("fails with exit code 1 and a clear message, never a secret", async () => {
    const missing = await runCli([path.join(dataDir, "no-such-folder")], { DATA_DIR: dataDir });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Ingest failed: .*no-such-folder is not a folder\./);

    const usage = await runCli([], { DATA_DIR: dataDir });
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /Usage: npm run ingest -- <docs dir>/);

    const secret = "qdrant-secret-value-42";
    const down = await runCli([SAMPLE_DOCS], { QDRANT_URL: "http://127.0.0.1:9", QDRANT_API_KEY: secret });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /Ingest failed: The vector store \(Qdrant\) could not be reached\./);
    assert.doesNotMatch(down.stdout + down.stderr, new RegExp(secret));

    const badConfig = await runCli([SAMPLE_DOCS], { DATABASE_URL: "mysql://user:pw@host/db" });
    assert.equal(badConfig.code, 1);
    assert.match(badConfig.stderr, /Ingest failed: Invalid configuration: DATABASE_URL must be a postgres/);
    assert.doesNotMatch(badConfig.stderr, /mysql:/);
  });
});
