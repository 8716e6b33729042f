import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { ConversationStore } from "../src/db/conversation-store.ts";
import { migrate } from "../src/db/migrate.ts";
import { AppError } from "../src/errors.ts";
import { freshPglite, freshPostgres, freshPostgresOverWebSocket, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";

const engines = [
  { name: "Postgres", open: () => freshPostgres(), skip: skipWithoutPostgres },
  { name: "Postgres over Neon's WebSocket transport", open: freshPostgresOverWebSocket, skip: skipWithoutPostgres },
  { name: "PGlite", open: freshPglite, skip: false as const },
];

async function withStore(open: () => Promise<TestDatabase>, fn: (store: ConversationStore, t: TestDatabase) => Promise<void>): Promise<void> {
  const t = await open();
  try {
    await migrate(t.db);
    await fn(new ConversationStore(t.db), t);
  } finally {
    await t.drop();
  }
}

async function count(t: TestDatabase, table: "conversations" | "messages"): Promise<number> {
  const { rows } = await t.db.query<{ n: string }>(`select count(*) as n from ${table}`);
  return Number(rows[0]!.n);
}

for (const engine of engines) {
  describe(`conversation store on ${engine.name}`, { skip: engine.skip }, () => {
    it("creates a conversation with its first question, then adds the answer and a follow-up in order", () =>
      withStore(engine.open, async (store, t) => {
        const { conversationId, messageId } = await store.addUserMessage(undefined, "What is ROS 2?");
        const sources = [{ file: "docs/intro.md", heading: "Intro", similarity: 0.9 }];
        await store.addMessage({ conversationId, role: "assistant", content: "A robot framework.", sources });
        await store.addUserMessage(conversationId, "And Gazebo?");

        const messages = await store.messages(conversationId);
        assert.ok(messages);
        assert.deepEqual(
          messages.map((m) => [m.role, m.content]),
          [
            ["user", "What is ROS 2?"],
            ["assistant", "A robot framework."],
            ["user", "And Gazebo?"],
          ],
        );
        assert.equal(messages[0]!.id, messageId);
        assert.deepEqual(messages[1]!.sources, sources);
        assert.equal(messages[0]!.sources, null);
        assert.equal(await count(t, "conversations"), 1);
      }));

    it("plans the statements of a chat once per connection on a Postgres server, and runs them alike on PGlite", () =>
      withStore(engine.open, async (store, t) => {
        // Sequential calls reuse the pool's one idle connection, which withConnection then gets.
        for (let i = 0; i < 3; i++) {
          const { answerId } = await store.addQuestion(undefined, `Question ${i}`);
          await store.completeAnswer(answerId, { content: `Answer ${i}`, sources: null, incomplete: false, errorCode: null });
        }
        assert.equal(await count(t, "messages"), 6);
        if (t.db.kind === "pglite") return;
        const prepared = await t.db.withConnection((connection) =>
          connection.query<{ statement: string }>(`select statement from pg_prepared_statements where name like 'docs_chat_%'`),
        );
        assert.equal(prepared.rows.length, 2, "the question's and the answer's statements, each prepared once");
        assert.ok(prepared.rows.some((row) => row.statement.includes("insert into conversations")));
      }));

    it("keeps the order of messages written within one millisecond", () =>
      withStore(engine.open, async (store) => {
        const { conversationId } = await store.addUserMessage(undefined, "0");
        for (let i = 1; i < 30; i++) await store.addMessage({ conversationId, role: i % 2 ? "assistant" : "user", content: String(i) });
        const messages = await store.messages(conversationId);
        assert.deepEqual(
          messages!.map((m) => m.content),
          Array.from({ length: 30 }, (_, i) => String(i)),
        );
        const recent = await store.recentMessages(conversationId, 5);
        assert.deepEqual(
          recent.map((m) => m.content),
          ["25", "26", "27", "28", "29"],
        );
      }));

    it("marks the conversation updated with each message", () =>
      withStore(engine.open, async (store, t) => {
        const { conversationId } = await store.addUserMessage(undefined, "First");
        const read = async () =>
          (await t.db.query<{ created_at: Date | string; updated_at: Date | string }>(`select created_at, updated_at from conversations where id = $1`, [conversationId])).rows[0]!;
        const before = await read();
        assert.equal(String(before.created_at), String(before.updated_at));
        await new Promise((resolve) => setTimeout(resolve, 5));
        await store.addMessage({ conversationId, role: "assistant", content: "Answer", incomplete: true, errorCode: "client_disconnected" });
        const after = await read();
        assert.ok(new Date(after.updated_at).getTime() > new Date(before.updated_at).getTime(), "updated_at moved forward");
        const { rows } = await t.db.query<{ incomplete: boolean; error_code: string }>(`select incomplete, error_code from messages where role = 'assistant'`);
        assert.deepEqual(rows[0], { incomplete: true, error_code: "client_disconnected" });
      }));

    it("refuses a message for a conversation that does not exist, and stores nothing", () =>
      withStore(engine.open, async (store, t) => {
        const missing = randomUUID();
        await assert.rejects(store.addUserMessage(missing, "Hello?"), (err: unknown) => err instanceof AppError && err.code === "not_found");
        await assert.rejects(store.addMessage({ conversationId: missing, role: "assistant", content: "x" }), (err: unknown) => err instanceof AppError && err.code === "not_found");
        assert.equal(await count(t, "messages"), 0);
        assert.equal(await count(t, "conversations"), 0);
      }));
  });
}
