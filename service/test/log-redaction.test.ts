import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import { REDACTED } from "../src/secrets.ts";
import { startUp } from "../src/startup.ts";
import { freshPglite, freshPostgres, TEST_DATABASE_URL, type TestDatabase } from "./support/databases.ts";
import { chat, startTestApp, type TestApp } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

const INGEST_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/ingest/cli.ts");
const run = promisify(execFile);

// Canary keys: random, so a hit can only come from this run.
const GEMINI_KEY = `AIza-canary-${randomBytes(12).toString("hex")}`;
const QDRANT_KEY = `qdrant-canary-${randomBytes(12).toString("hex")}`;

/** Upstream error messages that echo the key, as a misbehaving proxy or SDK might. */
const geminiMessage = (status: number) => `emulated ${status}: request with key=${GEMINI_KEY} refused`;
const qdrantMessage = (status: number) => `emulated ${status}: api-key ${QDRANT_KEY} refused`;

function assertNoCanary(text: string, where: string): void {
  assert.ok(!text.includes(GEMINI_KEY), `the Gemini key appears in ${where}`);
  assert.ok(!text.includes(QDRANT_KEY), `the Qdrant key appears in ${where}`);
}

describe("no secret in any log line", () => {
  let gemini: GeminiEmulator;
  let qdrant: QdrantEmulator;
  let database: TestDatabase;
  let app: TestApp;
  const bodies: string[] = [];

  before(async () => {
    gemini = await startGeminiEmulator({ apiKey: GEMINI_KEY });
    qdrant = await startQdrantEmulator({ apiKey: QDRANT_KEY });
    database = TEST_DATABASE_URL ? await freshPostgres() : await freshPglite();
    app = await startTestApp({
      env: {
        GEMINI_API_KEY: GEMINI_KEY,
        GEMINI_BASE_URL: gemini.url,
        QDRANT_URL: qdrant.url,
        QDRANT_API_KEY: QDRANT_KEY,
        ...(TEST_DATABASE_URL ? { DATABASE_URL: database.url } : {}),
      },
      overrides: TEST_DATABASE_URL ? {} : { db: database.db },
      ready: false,
    });
    await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store });
  });

  after(async () => {
    await app.close();
    await Promise.all([gemini.close(), qdrant.close(), database.drop()]);
  });

  test("root logger: start-up with Qdrant answering 500 with the key in its message", async () => {
    await qdrant.setFault({ kind: "status", status: 500, message: qdrantMessage(500) });
    await startUp(app.deps, new AbortController().signal);
    await qdrant.setFault(null);
    app.deps.logger.error({ err: new Error(`direct ${GEMINI_KEY}`), detail: { nested: QDRANT_KEY } }, `message ${GEMINI_KEY}`);
    const lines = app.logs.join("\n");
    assert.match(lines, /vector store not reachable at start-up/);
    assertNoCanary(lines, "the root logger's lines");
    assert.ok(lines.includes(REDACTED), "the scrubbed messages are logged, with the placeholder");
  });

  for (const status of [400, 403, 500]) {
    for (const route of ["generate", "embed"] as const) {
      test(`request logs and error handler: Gemini ${route} answers ${status} with the key in its message`, async () => {
        const from = app.logs.length;
        gemini.setFault({ kind: "status", status, route, message: geminiMessage(status) });
        const { response } = await chat(app.url, { message: "How do I ingest my book?" });
        gemini.setFault(null);
        assert.ok(response.status >= 500, `a failed upstream is a 5xx (got ${response.status})`);
        const lines = app.logs.slice(from).join("\n");
        assert.match(lines, /request failed/, "the error handler logged through req.log");
        assert.ok(lines.includes(REDACTED), "the upstream message reached the log, scrubbed");
        assertNoCanary(lines, `the request's log lines (Gemini ${route} ${status})`);
        bodies.push(await response.text().catch(() => ""));
      });
    }
  }

  for (const status of [401, 500]) {
    test(`request logs and error handler: Qdrant search answers ${status} with the key in its message`, async () => {
      const from = app.logs.length;
      await qdrant.setFault({ kind: "status", status, route: "search", message: qdrantMessage(status) });
      const { response } = await chat(app.url, { message: "How do I ingest my book?" });
      await qdrant.setFault(null);
      assert.equal(response.status, 503);
      const lines = app.logs.slice(from).join("\n");
      assert.match(lines, /request failed/);
      assert.ok(lines.includes(REDACTED));
      assertNoCanary(lines, `the request's log lines (Qdrant ${status})`);
      bodies.push(await response.text());
    });
  }

  test("no response body carried a key", () => {
    assert.ok(bodies.length > 0);
    assertNoCanary(bodies.join("\n"), "a response body");
  });

  test("ingest CLI: Qdrant 401 and Gemini 400 with the key in their messages", async () => {
    const env = {
      ...process.env,
      NODE_ENV: "development",
      GEMINI_API_KEY: GEMINI_KEY,
      GEMINI_BASE_URL: gemini.url,
      QDRANT_URL: qdrant.url,
      QDRANT_API_KEY: QDRANT_KEY,
      QDRANT_COLLECTION: "redaction-cli",
    };
    const ingest = () => run(process.execPath, [INGEST_CLI, SAMPLE_DOCS], { env }).then(
      () => assert.fail("the ingest should have failed"),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

    await qdrant.setFault({ kind: "status", status: 401, message: qdrantMessage(401) });
    const refused = await ingest();
    await qdrant.setFault(null);
    gemini.setFault({ kind: "status", status: 400, route: "embed", message: geminiMessage(400) });
    const rejected = await ingest();
    gemini.setFault(null);

    for (const [what, result] of [["Qdrant 401", refused], ["Gemini 400", rejected]] as const) {
      assert.equal(result.code, 1, `${what}: exit code 1`);
      assert.match(result.stderr, /Ingest failed/);
      assertNoCanary(result.stdout + result.stderr, `the ingest CLI's output (${what})`);
    }
    // The Qdrant client reports the status text only; Gemini's whole body reaches the terminal.
    assert.ok(rejected.stderr.includes(REDACTED), `the upstream message is shown, scrubbed: ${rejected.stderr}`);
  });
});
