import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConversationStore } from "../src/db/conversation-store.ts";
import type { Database } from "../src/db/database.ts";
import { migrate } from "../src/db/migrate.ts";
import { PgvectorStore } from "../src/retrieval/pgvector-store.ts";
import { freshPglite, freshPostgres, PREVIOUS_BACKEND_DDL, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";

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

const engines = [
  { name: "Postgres", open: freshPostgres, skip: skipWithoutPostgres },
  { name: "PGlite", open: freshPglite, skip: false as const },
];

for (const engine of engines) {
  describe(`migrations on ${engine.name}`, { skip: engine.skip }, () => {
    it("creates the contract's tables on an empty database, and a repeat changes nothing", () =>
      withDatabase(engine.open, async ({ db }) => {
        const applied = await migrate(db);
        assert.deepEqual(applied, ["0001-adopt-chat-tables", "0002-message-completeness", "0003-chunk-full-text"]);
        assert.deepEqual(await columns(db, "conversations"), ["created_at", "id", "updated_at"]);
        assert.deepEqual(await columns(db, "messages"), ["content", "conversation_id", "created_at", "error_code", "id", "incomplete", "role", "sources"]);
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

    it("gives a chunk table from before hybrid search its full-text column and index, rows kept and searchable by word", (t) =>
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
  });
}

describe("migrations under concurrency", { skip: skipWithoutPostgres }, () => {
  it("runs each migration once when several processes migrate at the same moment", () =>
    withDatabase(freshPostgres, async ({ url }) => {
      const { createPostgresDatabase } = await import("../src/db/postgres.ts");
      const replicas = Array.from({ length: 5 }, () => createPostgresDatabase({ connectionString: url }));
      try {
        const results = await Promise.all(replicas.map((db) => migrate(db)));
        assert.equal(results.flat().length, 3, "three migrations applied in total, across all replicas");
        const { rows } = await replicas[0]!.query<{ n: string }>(`select count(*) as n from schema_migrations`);
        assert.equal(Number(rows[0]!.n), 3);
      } finally {
        await Promise.all(replicas.map((db) => db.close()));
      }
    }));
});
