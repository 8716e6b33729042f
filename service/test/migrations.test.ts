import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConversationStore } from "../src/db/conversation-store.ts";
import type { Database } from "../src/db/database.ts";
import { migrate, SchemaTooNewError } from "../src/db/migrate.ts";
import { migrations as allMigrations, type Migration } from "../src/db/migrations/index.ts";
import { PgvectorStore } from "../src/retrieval/pgvector-store.ts";
import { startTestApp } from "./support/harness.ts";
import { freshPglite, freshPostgres, freshPostgresOverWebSocket, PREVIOUS_BACKEND_DDL, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";

async function columns(db: Database, table: string): Promise<string[]> {
  const { rows } = await db.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by column_name`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

async function withDatabase(open: () => Promise<TestDatabase>, fn: (t: TestDatabase) => Promise<void>): Promise<void> {
  const t = await open();
  try {
    await fn(t);
  } finally {
    await t.drop();
  }
}

/** A migration after the last real one, as a newer version of the service would bring. */
const newer = (name: string, up: Migration["up"] = async () => {}): Migration[] => [...allMigrations, { name, up }];

async function tableExists(db: Database, table: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from information_schema.tables where table_schema = current_schema() and table_name = $1`, [table]);
  return rows.length > 0;
}

const engines = [
  { name: "Postgres", open: () => freshPostgres(), skip: skipWithoutPostgres },
  { name: "Postgres over Neon's WebSocket transport", open: freshPostgresOverWebSocket, skip: skipWithoutPostgres },
  { name: "PGlite", open: freshPglite, skip: false as const },
];

for (const engine of engines) {
  describe(`migrations on ${engine.name}`, { skip: engine.skip }, () => {
    it("creates the contract's tables on an empty database, and a repeat changes nothing", () =>
      withDatabase(engine.open, async ({ db }) => {
        const applied = await migrate(db);
        assert.deepEqual(applied, ["0001-adopt-chat-tables", "0002-message-completeness", "0003-chunk-full-text", "0004-answer-feedback", "0005-answer-usage", "0006-chunk-anchor-title"]);
        assert.deepEqual(await columns(db, "conversations"), ["created_at", "id", "updated_at"]);
        assert.deepEqual(await columns(db, "messages"), [
          "content",
          "conversation_id",
          "created_at",
          "error_code",
          "id",
          "incomplete",
          "input_tokens",
          "model",
          "output_tokens",
          "role",
          "sources",
          "thinking_tokens",
          "total_tokens",
        ]);
        assert.deepEqual(await migrate(db), []);
      }));

    it("adopts the previous backend's tables with their rows, which the app then reads", () =>
      withDatabase(engine.open, async ({ db }) => {
        for (const statement of PREVIOUS_BACKEND_DDL.split(";").filter((s) => s.trim())) await db.query(statement);
        const conversation = "6f1c2a50-8a55-4c1e-9d6a-0c3e2b1f4a10";
        await db.query(`insert into conversations (id, created_at, updated_at) values ($1, '2025-03-01 10:00:00', '2025-03-01 10:00:05')`, [conversation]);
        await db.query(
          `insert into messages (id, conversation_id, role, content, sources, created_at) values
           ('1b0d7e7e-3c52-4a8e-8d7c-2f1f8f0e0a01', $1, 'user', 'What is ROS 2?', null, '2025-03-01 10:00:00'),
           ('1b0d7e7e-3c52-4a8e-8d7c-2f1f8f0e0a02', $1, 'assistant', 'ROS 2 is middleware [1].',
            '[{"file":"docs/module-01/chapter-01.md","heading":"Intro > Setup","similarity":0.83}]', '2025-03-01 10:00:04')`,
          [conversation],
        );

        await migrate(db);
        const messages = await new ConversationStore(db).messages(conversation);
        assert.ok(messages);
        assert.equal(messages.length, 2);
        assert.equal(messages[0]!.role, "user");
        assert.equal(messages[0]!.created_at, "2025-03-01T10:00:00.000Z");
        assert.equal(messages[1]!.incomplete, false);
        assert.deepEqual(messages[1]!.sources, [{ file: "docs/module-01/chapter-01.md", heading: "Intro > Setup", similarity: 0.83 }]);
      }));

    it("gives a chunk table from before hybrid search and anchors its full-text column and index and its anchor and title columns, rows kept and searchable by word", (t) =>
      withDatabase(engine.open, async ({ db }) => {
        const { rows: available } = await db.query(`select 1 from pg_available_extensions where name = 'vector'`);
        if (available.length === 0) return t.skip("this Postgres server has no pgvector extension");
        // The pgvector store's table as ensureCollection made it before full-text search.
        await db.query("create extension if not exists vector");
        await db.query(`create table chunks_docusaurus_book (
          id uuid primary key, file_path text not null, heading_path text[] not null default '{}', section_depth integer not null,
          content text not null, token_count integer not null, embedding_model text, content_hash text, url text, chunk_index integer,
          embedding vector(3) not null, created_at timestamptz not null default now())`);
        await db.query(`insert into chunks_docusaurus_book (id, file_path, heading_path, section_depth, content, token_count, embedding)
          values ('1b0d7e7e-3c52-4a8e-8d7c-2f1f8f0e0a03', 'docs/ops.md', '{Troubleshooting,"429 quota_exceeded"}', 2, 'Wait, or use a key with a higher quota.', 9, '[0,0,1]')`);
        await migrate(db);
        assert.ok((await columns(db, "chunks_docusaurus_book")).includes("search_text"));
        const { rows: indexes } = await db.query<{ indexdef: string }>(`select indexdef from pg_indexes where tablename = 'chunks_docusaurus_book'`);
        assert.ok(indexes.some((i) => /using gin \(search_text\)/i.test(i.indexdef)), JSON.stringify(indexes));
        const hits = await new PgvectorStore({ db, collection: "docusaurus-book" }).hybridSearch({ vector: [1, 0, 0], text: "What does quota_exceeded mean?" }, 1);
        assert.equal(hits[0]?.payload.file_path, "docs/ops.md");
        assert.ok((await columns(db, "chunks_docusaurus_book")).includes("anchor"));
        // Rows from before have neither until the next ingest: their sources link to the page.
        assert.equal(hits[0]?.payload.anchor, undefined);
        assert.equal(hits[0]?.payload.title, undefined);
        assert.deepEqual(await migrate(db), []);
      }));

    it("refuses to adopt a table that lacks a column the service reads, and applies nothing", () =>
      withDatabase(engine.open, async ({ db }) => {
        await db.query(`create table conversations (id uuid primary key)`);
        await assert.rejects(migrate(db), /missing column\(s\) conversations\.created_at, conversations\.updated_at/);
        const { rows } = await db.query(`select name from schema_migrations`);
        assert.equal(rows.length, 0);
        assert.equal((await columns(db, "messages")).length, 0, "the failed migration's transaction was rolled back");
      }));

    it("commits a migration and its record together: when the record fails, the migration is rolled back", () =>
      withDatabase(engine.open, async ({ db }) => {
        await migrate(db);
        // The record of this one migration cannot be written, as if the process died before it.
        await db.query(`alter table schema_migrations add constraint refuse_probe check (name <> '0099-probe')`);
        const probe = newer("0099-probe", async (tx) => {
          await tx.query(`create table probe (id int)`);
        });
        await assert.rejects(migrate(db, { migrations: probe }), /0099-probe/);
        assert.equal(await tableExists(db, "probe"), false, "the migration's change was rolled back with its record");

        await db.query(`alter table schema_migrations drop constraint refuse_probe`);
        assert.deepEqual(await migrate(db, { migrations: probe }), ["0099-probe"]);
        assert.equal(await tableExists(db, "probe"), true);
        assert.deepEqual(await migrate(db, { migrations: probe }), [], "recorded: not run again");
      }));

    it("an older service refuses a schema a newer one migrated, naming both versions, and changes nothing", () =>
      withDatabase(engine.open, async ({ db }) => {
        await migrate(db, { migrations: newer("0099-future") });
        const error = await migrate(db).then(
          () => assert.fail("an older service migrated a newer schema"),
          (err: unknown) => err,
        );
        assert.ok(error instanceof SchemaTooNewError);
        assert.equal(error.databaseVersion, "0099-future");
        assert.equal(error.codeVersion, allMigrations.at(-1)!.name);
        assert.match(error.message, /0099-future/);
        assert.match(error.message, new RegExp(allMigrations.at(-1)!.name));
        const { rows } = await db.query<{ name: string }>(`select name from schema_migrations order by name`);
        assert.deepEqual(rows.map((r) => r.name), [...allMigrations.map((m) => m.name), "0099-future"]);
      }));
  });
}

describe("a service older than its database's schema", () => {
  it("does not become ready; health is unhealthy and says why, naming both versions", async () => {
    const { db } = await freshPglite();
    await migrate(db, { migrations: newer("0099-future") });
    const app = await startTestApp({ overrides: { db } });
    try {
      const health = await fetch(`${app.url}/api/health`);
      assert.equal(health.status, 503);
      const report = (await health.json()) as { status: string; services: { postgres: { message: string } } };
      assert.equal(report.status, "unhealthy");
      assert.match(report.services.postgres.message, /0099-future/);
      assert.match(report.services.postgres.message, new RegExp(allMigrations.at(-1)!.name));
      const chat = await fetch(`${app.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "hi" }) });
      assert.equal(chat.status, 503);
      assert.ok(app.logs.some((line) => line.includes('"level":"error"') && line.includes("0099-future")), "the refusal is logged");
      assert.equal(await tableExists(db, "probe"), false);
    } finally {
      await app.close();
    }
  });
});

describe("migrations under concurrency", { skip: skipWithoutPostgres }, () => {
  for (const transport of ["tcp", "websocket"] as const) it(`runs each migration once when several processes migrate at the same moment (${transport})`, () =>
    withDatabase(() => freshPostgres(), async ({ url }) => {
      const { createPostgresDatabase } = await import("../src/db/postgres.ts");
      const { startWsProxy } = await import("./support/ws-proxy.ts");
      // The advisory lock is held on one connection: over WebSockets, one WebSocket each.
      const proxy = transport === "websocket" ? await startWsProxy() : undefined;
      const websocket = proxy ? { wsProxy: proxy.wsProxy, useSecureWebSocket: false, pipelineConnect: false as const } : undefined;
      const replicas = Array.from({ length: 5 }, () => createPostgresDatabase({ connectionString: url, transport, ...(websocket ? { websocket } : {}) }));
      try {
        const results = await Promise.all(replicas.map((db) => migrate(db)));
        assert.equal(results.flat().length, allMigrations.length, "each migration applied once in total, across all replicas");
        const { rows } = await replicas[0]!.query<{ n: string }>(`select count(*) as n from schema_migrations`);
        assert.equal(Number(rows[0]!.n), allMigrations.length);
        if (proxy) assert.ok(proxy.connections >= 5, `every replica went through the WebSocket proxy (${proxy.connections})`);
      } finally {
        await Promise.all(replicas.map((db) => db.close()));
        await proxy?.close();
      }
    }));
});
