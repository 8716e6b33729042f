import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { startService } from "../../bench/service-process.ts";
import { startGeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startQdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { loadConfig } from "../src/config.ts";
import { createEmbedder } from "../src/dependencies.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import { createVectorStore } from "../src/retrieval/create-vector-store.ts";
import { freshPostgres, skipWithoutPostgres } from "./support/databases.ts";
import { postChat, readEvents, waitFor } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

type Conversation = { messages: Array<{ role: string; content: string; incomplete: boolean; error_code: string | null }> };

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A real service process is killed with SIGKILL while it streams an answer; a new process on
 * the same database then shows the question and, after it, an answer marked incomplete.
 */
async function killMidAnswer(database: { env: Record<string, string> }): Promise<void> {
  const gemini = await startGeminiEmulator({ streamProfile: { firstTokenDelayMs: 0, tokenDelayMs: 100, tokens: 200 } });
  const qdrant = await startQdrantEmulator({ apiKey: "crash-test-qdrant-key" });
  const env = {
    GEMINI_API_KEY: gemini.apiKey,
    GEMINI_BASE_URL: gemini.url,
    QDRANT_URL: qdrant.url,
    QDRANT_API_KEY: qdrant.apiKey,
    RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "warn",
    ...database.env,
  };
  try {
    const config = loadConfig(env);
    const store = createVectorStore(config);
    await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: createEmbedder(config, "ingest"), store });

    const first = await startService(env);
    const response = await postChat(first.url, { message: "How do I ingest my book?" });
    assert.equal(response.status, 200);
    let conversationId = "";
    let tokens = 0;
    for await (const event of readEvents(response)) {
      if (event.type === "metadata") conversationId = event.conversation_id as string;
      if (event.type === "token" && ++tokens === 3) break;
    }
    process.kill(first.pid, "SIGKILL");
    await waitFor(() => !isAlive(first.pid), 10_000, "the killed process to exit");
    assert.ok(gemini.requests.some((r) => r.kind === "stream" && r.status === 200), "the answer was streaming when the process died");

    const second = await startService(env);
    try {
      const read = await fetch(`${second.url}/api/conversation/${conversationId}`);
      assert.equal(read.status, 200);
      const { messages } = (await read.json()) as Conversation;
      assert.deepEqual(
        messages.map((m) => [m.role, m.incomplete]),
        [
          ["user", false],
          ["assistant", true],
        ],
        "the question, then its answer marked interrupted",
      );
      assert.equal(messages[0]!.content, "How do I ingest my book?");
      assert.equal(messages[1]!.error_code, "interrupted", "the answer reads back as interrupted");
    } finally {
      await second.stop();
    }
  } finally {
    await Promise.all([gemini.close(), qdrant.close()]);
  }
}

describe("an answer interrupted by kill -9 stays visible", () => {
  it("on Postgres", { skip: skipWithoutPostgres }, async () => {
    const database = await freshPostgres();
    await database.db.close();
    try {
      await killMidAnswer({ env: { DATABASE_URL: database.url } });
    } finally {
      await database.drop();
    }
  });

  it("on embedded PGlite", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "crash-pglite-"));
    try {
      await killMidAnswer({ env: { DATA_DIR: dataDir } });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
