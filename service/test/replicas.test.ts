import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startService, type ServiceProcess } from "../../bench/service-process.ts";
import { startGeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startQdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { loadConfig } from "../src/config.ts";
import { migrations } from "../src/db/migrations/index.ts";
import { createEmbedder } from "../src/dependencies.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import { createVectorStore } from "../src/retrieval/create-vector-store.ts";
import { freshPostgres, skipWithoutPostgres } from "./support/databases.ts";
import { answerOf, chat } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

type Conversation = { messages: Array<{ role: string; content: string; incomplete: boolean }> };

describe("two replicas on one Postgres and one Qdrant", { skip: skipWithoutPostgres }, () => {
  it("started together, they migrate once, and a conversation begun on one continues on the other", async () => {
    const database = await freshPostgres();
    const gemini = await startGeminiEmulator();
    const qdrant = await startQdrantEmulator({ apiKey: "replicas-qdrant-key" });
    const replicas: ServiceProcess[] = [];
    try {
      const env = {
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        GEMINI_API_KEY: gemini.apiKey,
        GEMINI_BASE_URL: gemini.url,
        QDRANT_URL: qdrant.url,
        QDRANT_API_KEY: qdrant.apiKey,
        RATE_LIMIT_PER_MINUTE: "0",
        LOG_LEVEL: "info",
      };
      const config = loadConfig(env);
      await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: createEmbedder(config, "ingest"), store: createVectorStore(config) });

      const started = await Promise.allSettled([startService(env), startService(env)]);
      for (const s of started) if (s.status === "fulfilled") replicas.push(s.value);
      for (const s of started) if (s.status === "rejected") throw s.reason;
      const [a, b] = replicas as [ServiceProcess, ServiceProcess];

      const applied = [a, b].map((r) => r.output().split("\n").filter((line) => line.includes('"migration applied"')).length);
      assert.equal(applied[0]! + applied[1]!, migrations.length, `each migration applied once across both (${applied.join(" + ")})`);
      const { rows } = await database.db.query<{ n: string }>(`select count(*) as n from schema_migrations`);
      assert.equal(Number(rows[0]!.n), migrations.length);

      const first = await chat(a.url, { message: "How do I ingest my book?" });
      assert.equal(first.response.status, 200);
      const conversationId = first.events[0]!.conversation_id as string;
      const second = await chat(b.url, { message: "And after that?", conversation_id: conversationId });
      assert.equal(second.response.status, 200);
      assert.equal(second.events.at(-1)!.type, "done");
      assert.ok(answerOf(second.events).length > 0);
      // The replica that did not begin it saw the first turn: it went into the second prompt.
      const prompt = JSON.stringify(gemini.requests.findLast((r) => r.kind === "stream")!.body);
      assert.ok(prompt.includes("How do I ingest my book?"), "the first turn is in the second replica's prompt");

      for (const replica of [a, b]) {
        const read = await fetch(`${replica.url}/api/conversation/${conversationId}`);
        const { messages } = (await read.json()) as Conversation;
        assert.deepEqual(messages.map((m) => [m.role, m.incomplete]), [["user", false], ["assistant", false], ["user", false], ["assistant", false]]);
      }
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
      await Promise.all([gemini.close(), qdrant.close(), database.drop()]);
    }
  });
});
