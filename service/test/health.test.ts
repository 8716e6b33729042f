import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { ConversationStore } from "../src/db/conversation-store.ts";
import { migrate } from "../src/db/migrate.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import { freshPostgres, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";
import { chat, postChat, startTestApp, waitFor } from "./support/harness.ts";
import { proxyInFront, type TcpProxy } from "./support/tcp-proxy.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

type Report = { status: string; services: Record<string, { status: string; message?: string; [k: string]: unknown }>; timestamp: string };

async function health(url: string): Promise<{ code: number; body: Report }> {
  const response = await fetch(`${url}/api/health`);
  return { code: response.status, body: (await response.json()) as Report };
}

describe("GET /api/health", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ HEALTH_CACHE_MS: "300" });
  });
  after(() => stack.close());

  it("answers 200 healthy with a status per service once started", async () => {
    const { code, body } = await health(stack.app.url);
    assert.equal(code, 200);
    assert.equal(body.status, "healthy");
    assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(body.services.postgres!.status, "healthy");
    const vs = body.services.vector_store!;
    assert.equal(vs.status, "healthy");
    assert.equal(vs.collection, "docusaurus-book");
    assert.equal(vs.vector_size, 768);
    assert.equal(vs.embedding_model, "gemini-embedding-001");
    assert.ok((vs.points as number) > 0);
    assert.equal(body.services.gemini!.model, "gemini-3.5-flash-lite");
  });

  it("caches results so a flood of probes reaches Qdrant once per period, and never calls Gemini", async () => {
    await new Promise((r) => setTimeout(r, 350));
    const qdrantBefore = stack.qdrant.requests.length;
    const geminiBefore = stack.gemini.requests.length;
    // One check asks Qdrant at most 3 things; the cache lets one check through per 300 ms
    // period. On a busy machine the flood can span several periods: allow one check for each.
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => health(stack.app.url)));
    const periods = Math.ceil((performance.now() - started) / 300) + 1;
    const calls = stack.qdrant.requests.length - qdrantBefore;
    assert.ok(calls > 0 && calls <= 3 * Math.min(periods, 5), `Qdrant saw ${calls} requests for 50 probes over ${periods} cache periods`);
    assert.equal(stack.gemini.requests.length, geminiBefore);
  });

  it("reports unhealthy (503) while Qdrant is down, and healthy again after", async () => {
    stack.qdrant.setFault({ kind: "down" });
    try {
      await new Promise((r) => setTimeout(r, 350));
      const { code, body } = await health(stack.app.url);
      assert.equal(code, 503);
      assert.equal(body.status, "unhealthy");
      assert.equal(body.services.vector_store!.status, "unhealthy");
    } finally {
      stack.qdrant.setFault(null);
    }
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await health(stack.app.url)).code, 200);
  });

  it("turns gemini degraded after a 429 until a later call succeeds", async () => {
    stack.gemini.setFault({ kind: "status", status: 429, route: "generate", times: 1 });
    assert.equal((await postChat(stack.app.url, { message: "spend quota" })).status, 429);
    await new Promise((r) => setTimeout(r, 350));
    const degraded = await health(stack.app.url);
    assert.equal(degraded.code, 503);
    assert.equal(degraded.body.status, "degraded");
    assert.equal(degraded.body.services.gemini!.status, "degraded");
    await chat(stack.app.url, { message: "quota is back" });
    await new Promise((r) => setTimeout(r, 350));
    assert.equal((await health(stack.app.url)).body.status, "healthy");
  });

  it("answers /api/health/live 200 whatever the upstreams do", async () => {
    stack.qdrant.setFault({ kind: "down" });
    try {
      const response = await fetch(`${stack.app.url}/api/health/live`);
      assert.equal(response.status, 200);
      assert.equal(((await response.json()) as { status: string }).status, "ok");
    } finally {
      stack.qdrant.setFault(null);
    }
  });
});

describe("health reports an embedding mismatch", () => {
  let gemini: GeminiEmulator;
  let qdrant: QdrantEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
    qdrant = await startQdrantEmulator();
  });
  after(async () => {
    await gemini.close();
    await qdrant.close();
  });

  it("says to re-ingest when the collection was made by text-embedding-004 (the previous backend's points)", async () => {
    qdrant.seed("docusaurus-book", {
      size: 768,
      points: [
        {
          id: "3f2a6c1e-7b8d-4e9f-a0b1-c2d3e4f5a6b7",
          vector: Array.from({ length: 768 }, (_, i) => (i === 0 ? 1 : 0)),
          payload: { file_path: "docs/module-01/chapter-01.md", heading_path: ["Intro", "Setup"], section_depth: 2, content: "Old chunk.", token_count: 3 },
        },
      ],
    });
    const app = await startTestApp({ env: { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url, QDRANT_URL: qdrant.url } });
    try {
      const { code, body } = await health(app.url);
      assert.equal(code, 503);
      assert.equal(body.status, "degraded");
      assert.equal(body.services.vector_store!.embedding_model, "text-embedding-004");
      assert.match(body.services.vector_store!.message!, /re-ingest/);
    } finally {
      await app.close();
    }
  });
});

describe("hybrid search on a collection the previous backend filled, under Qdrant Cloud's strict mode", () => {
  let gemini: GeminiEmulator;
  let qdrant: QdrantEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
    qdrant = await startQdrantEmulator({ apiKey: "write-key", readOnlyApiKey: "read-key" });
  });
  after(async () => {
    await gemini.close();
    await qdrant.close();
  });
  const seed = () =>
    qdrant.seed("docusaurus-book", {
      size: 768,
      points: [
        {
          id: "3f2a6c1e-7b8d-4e9f-a0b1-c2d3e4f5a6b7",
          vector: Array.from({ length: 768 }, (_, i) => (i === 0 ? 1 : 0)),
          payload: { file_path: "docs/a.md", heading_path: ["Intro"], section_depth: 1, content: "Run pulumi up.", token_count: 3, embedding_model: "gemini-embedding-001" },
        },
      ],
    });
  const env = (key: string) => ({ GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url, QDRANT_URL: qdrant.url, QDRANT_API_KEY: key });

  it("the text indexes are created at start, and health says the search is hybrid", async () => {
    seed();
    const app = await startTestApp({ env: env("write-key") });
    try {
      await waitFor(() => app.deps.store.searchMode?.() !== undefined, 10_000, "the search mode");
      assert.deepEqual(qdrant.payloadIndexes("docusaurus-book"), { content: "text", heading_path: "text" });
      const { code, body } = await health(app.url);
      assert.equal(code, 200);
      assert.equal(body.services.vector_store!.search, "hybrid");
      assert.equal(app.logs.filter((l) => l.includes("search mode: hybrid")).length, 1, "the mode is logged once");
    } finally {
      await app.close();
    }
  });

  it("when they cannot be created, health is degraded and says the search is by vector alone", async () => {
    qdrant.reset();
    seed();
    const app = await startTestApp({ env: env("read-key") });
    try {
      await waitFor(() => app.deps.store.searchMode?.() !== undefined, 10_000, "the search mode");
      const { code, body } = await health(app.url);
      assert.equal(code, 503);
      assert.equal(body.status, "degraded");
      assert.equal(body.services.vector_store!.search, "vector");
      assert.match(body.services.vector_store!.message!, /search is by vector alone/);
      assert.ok(app.logs.some((l) => l.includes("search mode: vectors alone")));
    } finally {
      await app.close();
    }
  });
});

describe("an upstream whose connection never answers", () => {
  it("health names its host and port, and the Space's outbound port rule", async () => {
    // Accepts and never answers: what a port a Space blocks looks like from inside it (a timeout).
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const app = await startTestApp({ env: { QDRANT_URL: `http://127.0.0.1:${port}`, SAMPLE_DOCS_DIR: "off" }, ready: false });
    try {
      const { code, body } = await health(app.url);
      assert.equal(code, 503);
      const message = body.services.vector_store!.message!;
      assert.match(message, new RegExp(`Qdrant at 127\\.0\\.0\\.1:${port} did not answer in time`));
      assert.match(message, /outbound ports 80, 443 and 8080 only/);
    } finally {
      await app.close();
      silent.close();
    }
  });
});

describe("health reports the Gemini models start-up found", () => {
  let gemini: GeminiEmulator;
  before(async () => {
    gemini = await startGeminiEmulator({ routedModels: { "gemini-3.7-flash": "gemini-3.8-flash" } });
  });
  after(() => gemini.close());
  const env = (model: string) => ({ GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url, GEMINI_MODEL: model });

  it("a model Google shut down makes health 503 unhealthy, naming the model and the variable", async () => {
    const app = await startTestApp({ env: env("gemini-2.5-flash") });
    try {
      const { code, body } = await health(app.url);
      assert.equal(code, 503);
      assert.equal(body.status, "unhealthy");
      const g = body.services.gemini!;
      assert.equal(g.status, "unhealthy");
      assert.match(g.message!, /does not serve the model gemini-2\.5-flash \(GEMINI_MODEL\)/);
      assert.match(g.message!, /no longer available/, "Gemini's own words are quoted");
      assert.ok(gemini.requests.some((r) => r.kind === "models" && r.path === "/v1beta/models/gemini-2.5-flash"), "asked with models.get");
      assert.ok(app.logs.some((l) => l.includes("Gemini does not serve the configured model")));
    } finally {
      await app.close();
    }
  });

  it("a 429 at start is not fatal: degraded, naming the model, until the check is answered", async () => {
    await gemini.setFault({ kind: "status", status: 429, route: "models" });
    const app = await startTestApp({ env: env("gemini-3.5-flash-lite") });
    try {
      const { code, body } = await health(app.url);
      assert.equal(code, 503);
      assert.equal(body.status, "degraded");
      assert.match(body.services.gemini!.message!, /Could not yet check that Gemini serves gemini-3\.5-flash-lite/);
      assert.equal(app.deps.readiness.phase, "ready", "start-up did not wait for Gemini");
    } finally {
      await gemini.setFault(null);
      await app.close();
    }
  });

  it("a name Google routes to another model: a warning logged once, and health names the model that answers", async () => {
    const app = await startTestApp({ env: env("gemini-3.7-flash") });
    try {
      await chat(app.url, { message: "What is this book about?" });
      await chat(app.url, { message: "And the second chapter?" });
      const { body } = await health(app.url);
      assert.equal(body.services.gemini!.status, "healthy", "the model answers: healthy, and said");
      assert.equal(body.services.gemini!.served_model, "gemini-3.8-flash");
      assert.match(body.services.gemini!.message!, /answers gemini-3\.7-flash with gemini-3\.8-flash/);
      assert.equal(app.logs.filter((l) => l.includes("Google routes this name")).length, 1);
    } finally {
      await app.close();
    }
  });
});

describe("Postgres down at start and mid-way", { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let proxiedUrl: string;
  let gemini: GeminiEmulator;
  before(async () => {
    database = await freshPostgres();
    ({ proxy, url: proxiedUrl } = await proxyInFront(database.url));
    await proxy.down();
    gemini = await startGeminiEmulator();
  });
  after(async () => {
    await proxy.down();
    await gemini.close();
    await database.drop();
  });

  it("says starting (503) while the database is unreachable, then recovers by itself", async () => {
    const app = await startTestApp({ env: { DATABASE_URL: proxiedUrl, GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url }, ready: false });
    const { startUp } = await import("../src/startup.ts");
    const startup = new AbortController();
    const done = startUp(app.deps, startup.signal);
    try {
      await waitFor(() => app.deps.readiness.startupProblem !== undefined, 5_000, "a failed migration attempt");
      const starting = await health(app.url);
      assert.equal(starting.code, 503);
      assert.equal(starting.body.status, "starting");
      assert.equal(starting.body.services.postgres!.status, "unhealthy");
      const refused = await postChat(app.url, { message: "too early" });
      assert.equal(refused.status, 503);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "service_starting");

      await proxy.up();
      await done;
      assert.equal(app.deps.readiness.phase, "ready");
      const ready = await health(app.url);
      assert.notEqual(ready.body.status, "starting");
      assert.equal(ready.body.services.postgres!.status, "healthy");

      // Killed mid-way: requests get 503 database_unavailable, the process lives, and recovers.
      await proxy.down();
      const failed = await postChat(app.url, { message: "while the database is gone", mode: "selection", context: "some text" });
      assert.equal(failed.status, 503);
      assert.equal(((await failed.json()) as { error: { code: string } }).error.code, "database_unavailable");
      await proxy.up();
      await waitFor(async () => (await postChat(app.url, { message: "back again", mode: "selection", context: "some text" }).then((r) => r.body?.cancel().then(() => r.status))) === 200, 10_000, "recovery");
    } finally {
      startup.abort();
      await app.close();
    }
  });
});

describe("GET /api/health on a corrupt embedded database", () => {
  it("is unhealthy when a table's file cannot be read, though the database still answers select 1", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "health-corrupt-"));
    try {
      const before = await createPgliteDatabase(dataDir);
      await migrate(before);
      await new ConversationStore(before).addQuestion(undefined, "Will this survive?");
      const { rows } = await before.query<{ file: string }>(`select pg_relation_filepath('messages') as file`);
      await before.close();
      // Garbage over the first page of the messages table: a header Postgres refuses to read.
      const file = await open(path.join(dataDir, rows[0]!.file), "r+");
      await file.write(randomBytes(8192), 0, 8192, 0);
      await file.close();

      const db = await createPgliteDatabase(dataDir);
      const app = await startTestApp({ env: { SAMPLE_DOCS_DIR: path.join(dataDir, "no-docs") }, overrides: { db } });
      try {
        await db.query("select 1");
        const { code, body } = await health(app.url);
        assert.equal(code, 503);
        assert.equal(body.status, "unhealthy");
        assert.equal(body.services.postgres!.status, "unhealthy");
      } finally {
        await app.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
