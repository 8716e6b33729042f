// The faults not covered beside their features (chat-errors, health): a slow Qdrant, the
// client leaving at each phase, Postgres killed while an answer streams. For each: the
// right status or event, the process still serving, and no user message lost.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshPostgres, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";
import { chat, postChat, readEvents, startTestApp, waitFor, type ChatEvent, type TestApp } from "./support/harness.ts";
import { proxyInFront, type TcpProxy } from "./support/tcp-proxy.ts";
import { startStack, type Stack } from "./support/upstreams.ts";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";

async function rows(db: TestApp["deps"]["db"], content: string): Promise<Array<{ role: string; incomplete: boolean; error_code: string | null }>> {
  const { rows: found } = await db.query<{ role: string; incomplete: boolean; error_code: string | null }>(
    `select m.role, m.incomplete, m.error_code from messages m
      where m.conversation_id = (select conversation_id from messages where content = $1 and role = 'user' limit 1)
      order by m.created_at, m.role desc`,
    [content],
  );
  return found;
}

const healthy = async (url: string) => (await fetch(`${url}/api/health/live`)).status === 200;

describe("faults around a chat", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it("a slow Qdrant makes the answer late, not wrong", async () => {
    stack.qdrant.setFault({ kind: "slow", delayMs: 400, route: "search" });
    try {
      const started = performance.now();
      const { response, events } = await chat(stack.app.url, { message: "How do I ingest my book while Qdrant is slow?" });
      assert.equal(response.status, 200);
      assert.ok(performance.now() - started >= 400, "the answer waited for the search");
      assert.deepEqual([events.at(0)?.type, events.at(-1)?.type], ["metadata", "done"]);
    } finally {
      stack.qdrant.setFault(null);
    }
  });

  const phases: Array<[string, () => void, (response: Promise<Response>, controller: AbortController) => Promise<void>]> = [
    [
      "during retrieval",
      () => stack.qdrant.setFault({ kind: "slow", delayMs: 1_000, route: "search" }),
      async (_response, controller) => {
        // The question's embedding is quick; the search then takes a second.
        await new Promise((r) => setTimeout(r, 300));
        controller.abort();
      },
    ],
    [
      "before the first token",
      () => stack.gemini.setStreamProfile({ firstTokenDelayMs: 1_000, tokenDelayMs: 0, tokens: 5 }),
      async (_response, controller) => {
        await waitFor(() => stack.gemini.activeStreams() > 0, 3_000, "the Gemini stream to open");
        controller.abort();
      },
    ],
    [
      "mid-stream",
      () => stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 150, tokens: 20 }),
      async (response) => {
        let tokens = 0;
        for await (const event of readEvents(await response)) if (event.type === "token" && ++tokens === 2) break;
      },
    ],
  ];
  for (const [phase, arrange, leave] of phases) {
    it(`a client that leaves ${phase}: the question is kept, the upstream request ends, the process serves on`, async () => {
      arrange();
      const message = `A question whose reader leaves ${phase}`;
      try {
        const controller = new AbortController();
        const response = postChat(stack.app.url, { message }, { signal: controller.signal });
        response.catch(() => undefined);
        await leave(response, controller);
        controller.abort();
        await waitFor(() => stack.app.deps.streams.size === 0, 5_000, "the chat to end on the server");
        await waitFor(() => stack.gemini.activeStreams() === 0, 5_000, "the upstream stream to close");
        const stored = await rows(stack.app.deps.db, message);
        assert.equal(stored.filter((row) => row.role === "user").length, 1, "the question is stored");
        for (const row of stored.filter((r) => r.role === "assistant")) assert.equal(row.incomplete, true);
        assert.ok(await healthy(stack.app.url));
      } finally {
        stack.qdrant.setFault(null);
        stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
      }
    });
  }
});

describe("Postgres killed while an answer streams", { skip: skipWithoutPostgres }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let gemini: GeminiEmulator;
  let app: TestApp;
  before(async () => {
    database = await freshPostgres();
    const proxied = await proxyInFront(database.url);
    proxy = proxied.proxy;
    gemini = await startGeminiEmulator();
    // Selection mode needs no retrieval, so no vector store is involved.
    app = await startTestApp({ env: { DATABASE_URL: proxied.url, GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url } });
  });
  after(async () => {
    await app.close();
    await proxy.down();
    await gemini.close();
    await database.drop();
  });

  it("ends the stream with an error event, keeps the question, and serves again once Postgres is back", async () => {
    gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 100, tokens: 10 });
    const message = "A question asked just before the database goes away";
    const response = await postChat(app.url, { message, mode: "selection", context: "The database is a Postgres server." });
    assert.equal(response.status, 200);
    const events: ChatEvent[] = [];
    for await (const event of readEvents(response)) {
      events.push(event);
      if (events.filter((e) => e.type === "token").length === 2) await proxy.down();
    }
    const last = events.at(-1)!;
    assert.equal(last.type, "error", `the stream ends with an error event, not ${JSON.stringify(last)}`);
    assert.equal(last.code, "database_unavailable");
    assert.ok(events.filter((e) => e.type === "token").length >= 2, "the tokens streamed before the failure were sent");
    assert.ok(await healthy(app.url), "the process lives");

    await proxy.up();
    // database.db reaches the server directly, not through the proxy.
    const { rows: stored } = await database.db.query<{ n: string }>(`select count(*) as n from messages where content = $1 and role = 'user'`, [message]);
    assert.equal(Number(stored[0]!.n), 1, "the question was stored before generation");
    await waitFor(async () => (await postChat(app.url, { message: "back again", mode: "selection", context: "x" }).then((r) => r.body?.cancel().then(() => r.status))) === 200, 10_000, "recovery");
    gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
  });
});
