// The reader's hold on an answer, through the HTTP API: the answer's id in the stream, stopping
// it mid-answer, and votes on it, against PGlite and a real Postgres, counting stored rows.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { AnswerGenerator } from "../src/answer/answer-generator.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import { freshPglite, freshPostgres, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";
import { answerOf, chat, postChat, readEvents, startTestApp, type ChatEvent, type TestApp } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

/** Writes its first words, then holds the answer open until the stream is stopped (or released). */
function holdingGenerator(): { generator: AnswerGenerator; release(): void } {
  let release = () => {};
  return {
    release: () => release(),
    generator: {
      model: "holding",
      async stream(request, signal, onText) {
        onText("The first words ");
        if (request.question.startsWith("hold")) {
          await new Promise<void>((resolve, reject) => {
            release = resolve;
            signal.addEventListener("abort", () => reject(signal.reason), { once: true });
          });
        }
        onText("and the rest.");
      },
    },
  };
}

const engines = [
  { name: "Postgres", open: freshPostgres, skip: skipWithoutPostgres },
  { name: "PGlite", open: freshPglite, skip: false as const },
];

for (const engine of engines) {
  describe(`answers: stop and feedback, on ${engine.name}`, { skip: engine.skip }, () => {
    let database: TestDatabase;
    let app: TestApp;
    let qdrant: QdrantEmulator | undefined;
    before(async () => {
      database = await engine.open();
      const { generator } = holdingGenerator();
      // The test server's Postgres has no pgvector: the book's vectors go to Qdrant's emulator there.
      if (engine.name === "Postgres") {
        qdrant = await startQdrantEmulator({ apiKey: "answers-qdrant-key" });
        app = await startTestApp({ env: { DATABASE_URL: database.url, QDRANT_URL: qdrant.url, QDRANT_API_KEY: qdrant.apiKey }, overrides: { generator } });
      } else {
        app = await startTestApp({ overrides: { db: database.db, generator } });
      }
      await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store });
    });
    after(async () => {
      await app.close();
      await Promise.all([database.drop().catch(() => undefined), qdrant?.close()]);
    });

    const count = async (table: string, where = "true", params: unknown[] = []) =>
      Number((await database.db.query<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params)).rows[0]!.n);
    const put = (id: string, body: unknown) =>
      fetch(`${app.url}/api/answers/${id}/feedback`, { method: "PUT", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
    const stop = (id: string) => fetch(`${app.url}/api/answers/${id}/stop`, { method: "POST" });
    const conversation = async (id: string) =>
      (await (await fetch(`${app.url}/api/conversation/${id}`)).json()) as { messages: Array<Record<string, unknown> & { id: string; role: string }> };

    it("the metadata event names the stored answer, and the conversation read shows each answer's vote (none yet)", async () => {
      const { events } = await chat(app.url, { message: "How do I ingest my book?" });
      const metadata = events[0]!;
      assert.equal(metadata.type, "metadata");
      assert.match(metadata.answer_id as string, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const { messages } = await conversation(metadata.conversation_id as string);
      assert.deepEqual(messages.map((m) => m.role), ["user", "assistant"]);
      assert.equal(messages[1]!.id, metadata.answer_id);
      assert.equal(messages[1]!.feedback, null);
      assert.equal("feedback" in messages[0]!, false, "a question has no vote");
      assert.equal(messages[1]!.content, answerOf(events));
    });

    it("stop ends the stream with done marked stopped, and stores the answer so far as stopped_by_reader", async () => {
      const response = await postChat(app.url, { message: "hold: how do I ingest my book?" });
      assert.equal(response.status, 200);
      const events: ChatEvent[] = [];
      let answerId = "";
      for await (const event of readEvents(response)) {
        events.push(event);
        if (event.type === "metadata") answerId = event.answer_id as string;
        if (event.type === "token") {
          const stopped = await stop(answerId);
          assert.equal(stopped.status, 202);
          assert.deepEqual(await stopped.json(), { answer_id: answerId, stopping: true });
        }
      }
      const done = events.at(-1)!;
      assert.equal(done.type, "done");
      assert.equal(done.stopped, true);
      assert.ok((done.sources as unknown[]).length > 0, "the sources found so far");
      assert.equal(answerOf(events), "The first words ");
      const { rows } = await database.db.query<{ content: string; incomplete: boolean; error_code: string; sources: unknown[] }>(
        `select content, incomplete, error_code, sources from messages where id = $1`,
        [answerId],
      );
      assert.deepEqual(rows.map((r) => [r.content, r.incomplete, r.error_code]), [["The first words ", true, "stopped_by_reader"]]);
      assert.deepEqual(rows[0]!.sources, done.sources);

      const again = await stop(answerId);
      assert.equal(again.status, 409);
      assert.equal(((await again.json()) as { error: { code: string } }).error.code, "answer_not_streaming");
    });

    it("stop answers 409 for a finished answer, 404 for an unknown id, 400 for a malformed one", async () => {
      const { events } = await chat(app.url, { message: "What does the health endpoint report?" });
      const finished = await stop(events[0]!.answer_id as string);
      assert.equal(finished.status, 409);
      const unknown = await stop("6f1c2d3e-4b5a-4c6d-8e7f-901234567890");
      assert.equal(unknown.status, 404);
      assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "not_found");
      const malformed = await stop("not-a-uuid");
      assert.equal(malformed.status, 400);
      assert.match(((await malformed.json()) as { error: { message: string } }).error.message, /answer id must be a UUID/);
      // The user's question is a message, but not an answer.
      const question = (await conversation(events[0]!.conversation_id as string)).messages[0]!;
      assert.equal((await stop(question.id)).status, 404);
    });

    it("a vote is one row per answer: a second vote replaces it, DELETE withdraws it", async () => {
      const { events } = await chat(app.url, { message: "Which variables does the Space need?" });
      const answerId = events[0]!.answer_id as string;
      const conversationId = events[0]!.conversation_id as string;
      const before = await count("answer_feedback");

      const up = await put(answerId, { vote: "up" });
      assert.equal(up.status, 200);
      const upBody = (await up.json()) as Record<string, unknown>;
      assert.deepEqual({ ...upBody, updated_at: "" }, { answer_id: answerId, vote: "up", reason: null, updated_at: "" });
      assert.match(upBody.updated_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(await count("answer_feedback"), before + 1);

      const down = await put(answerId, { vote: "down", reason: "  It names the wrong variable.  " });
      assert.equal(down.status, 200);
      assert.deepEqual(((await down.json()) as Record<string, unknown>).reason, "It names the wrong variable.");
      assert.equal(await count("answer_feedback"), before + 1, "the same answer's second vote replaces the first");
      assert.equal(await count("answer_feedback", "answer_id = $1 and vote = 'down'", [answerId]), 1);

      const read = (await conversation(conversationId)).messages.find((m) => m.id === answerId)!;
      assert.deepEqual(read.feedback, { vote: "down", reason: "It names the wrong variable." });

      const blank = await put(answerId, { vote: "up", reason: "   " });
      assert.equal(((await blank.json()) as Record<string, unknown>).reason, null, "a blank reason is none");

      const withdrawn = await fetch(`${app.url}/api/answers/${answerId}/feedback`, { method: "DELETE" });
      assert.equal(withdrawn.status, 204);
      assert.equal(await count("answer_feedback"), before);
      assert.equal((await conversation(conversationId)).messages.find((m) => m.id === answerId)!.feedback, null);
      assert.equal((await fetch(`${app.url}/api/answers/${answerId}/feedback`, { method: "DELETE" })).status, 204, "nothing left to withdraw is fine");
    });

    it("a vote on an unknown id or on a question is a 404; a bad body a 400 naming the field; nothing is stored", async () => {
      const { events } = await chat(app.url, { message: "How do I deploy?" });
      const answerId = events[0]!.answer_id as string;
      const question = (await conversation(events[0]!.conversation_id as string)).messages[0]!;
      const before = await count("answer_feedback");
      const cases: Array<[string, string, unknown, number, RegExp]> = [
        ["an unknown answer", "6f1c2d3e-4b5a-4c6d-8e7f-901234567890", { vote: "up" }, 404, /No answer has this id/],
        ["a question, not an answer", question.id, { vote: "up" }, 404, /No answer has this id/],
        ["a malformed id", "42", { vote: "up" }, 400, /answer id must be a UUID/],
        ["no vote", answerId, {}, 400, /vote must be "up" or "down"/],
        ["another vote", answerId, { vote: "meh" }, 400, /vote must be "up" or "down"/],
        ["a reason too long", answerId, { vote: "down", reason: "x".repeat(501) }, 400, /reason must be at most 500 characters/],
        ["a reason not a string", answerId, { vote: "down", reason: 7 }, 400, /reason must be a string/],
        ["a NUL in the reason", answerId, { vote: "down", reason: "a\u0000b" }, 400, /reason must not contain NUL/],
        ["an array body", answerId, "[]", 400, /must be a JSON object/],
        ["broken JSON", answerId, "{", 400, /not valid JSON/],
      ];
      for (const [what, id, body, status, message] of cases) {
        const response = await put(id, body);
        assert.equal(response.status, status, what);
        assert.match(((await response.json()) as { error: { message: string } }).error.message, message, what);
      }
      assert.equal((await fetch(`${app.url}/api/answers/${question.id}/feedback`, { method: "DELETE" })).status, 404);
      assert.equal(await count("answer_feedback"), before);
      assert.equal((await put(answerId, { vote: "down", reason: "x".repeat(500) })).status, 200, "500 characters is the limit, not over it");
    });

    it("a vote goes with its answer when the conversation is deleted", async () => {
      const { events } = await chat(app.url, { message: "What is the embedded default mode?" });
      assert.equal((await put(events[0]!.answer_id as string, { vote: "up" })).status, 200);
      const before = await count("answer_feedback");
      await database.db.query(`delete from conversations where id = $1`, [events[0]!.conversation_id]);
      assert.equal(await count("answer_feedback"), before - 1);
    });
  });
}

describe("answers: their own rate limit budget per address", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { ANSWER_RATE_LIMIT_PER_MINUTE: "3", RATE_LIMIT_PER_MINUTE: "5" }, overrides: { db: (await freshPglite()).db } });
    await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store });
  });
  after(() => app.close());

  it("past the budget a vote is a 429 with Retry-After, and questions still have theirs", async () => {
    const { events } = await chat(app.url, { message: "How do I ingest my book?" });
    const url = `${app.url}/api/answers/${events[0]!.answer_id as string}/feedback`;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ vote: "up" }) });
      statuses.push(response.status);
      if (response.status === 429) {
        assert.equal(response.headers.get("retry-after"), "60");
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, "rate_limited");
      } else await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    // A stop is in the same budget; a question is not.
    assert.equal((await fetch(`${url.replace(/feedback$/, "stop")}`, { method: "POST" })).status, 429);
    assert.equal((await chat(app.url, { message: "And the health endpoint?" })).response.status, 200);
  });
});
