import path from "node:path";
import { fileURLToPath } from "node:url";
import { startGeminiEmulator, type GeminiEmulator } from "../../../emulators/gemini/gemini.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../../emulators/qdrant/qdrant.ts";
import type { DependencyOverrides } from "../../src/dependencies.ts";
import { ingestDocs } from "../../src/ingest/ingest.ts";
import { freshPglite, freshPostgres, TEST_DATABASE_URL, type TestDatabase } from "./databases.ts";
import { startTestApp, type TestApp } from "./harness.ts";

export const SAMPLE_DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../sample-docs");

export interface Stack {
  app: TestApp;
  gemini: GeminiEmulator;
  qdrant: QdrantEmulator;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The service wired to everything it meets in production: Gemini and Qdrant through their
 * emulators, a real Postgres server (PGlite when none is configured), the sample book
 * ingested into the collection.
 */
export async function startStack(env: NodeJS.ProcessEnv = {}, overrides: DependencyOverrides = {}): Promise<Stack> {
  const gemini = await startGeminiEmulator();
  const qdrant = await startQdrantEmulator({ apiKey: "test-qdrant-key" });
  const database = TEST_DATABASE_URL ? await freshPostgres() : await freshPglite();
  const app = await startTestApp({
    env: {
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: gemini.url,
      QDRANT_URL: qdrant.url,
      QDRANT_API_KEY: qdrant.apiKey,
      // The emulator's hashed bag-of-words vectors have their own similarity scale, far below
      // gemini-embedding-001's: no threshold here (grounding has tests of its own).
      RELEVANCE_THRESHOLD: "0",
      ...(TEST_DATABASE_URL ? { DATABASE_URL: database.url } : {}),
      ...env,
    },
    overrides: { ...overrides, ...(TEST_DATABASE_URL ? {} : { db: database.db }) },
  });
  await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store });
  gemini.reset();
  qdrant.requests.length = 0;
  return {
    app,
    gemini,
    qdrant,
    database,
    async close() {
      await app.close();
      await Promise.all([gemini.close(), qdrant.close(), database.drop()]);
    },
  };
}
