import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { answerOf, chat, postChat, readEvents, waitFor, type ChatEvent } from "./support/harness.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

describe("POST /api/chat streams the contract's events", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ KEEPALIVE_MS: "100" });
  });
  after(() => stack.close());

  it("sends metadata first, each Gemini chunk as a token, and done with sources last", async () => {
    const { response, events } = await chat(stack.app.url, { message: "How do I deploy the backend with Pulumi?" });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
    assert.equal(response.headers.get("content-encoding"), null);
    assert.equal(events[0]!.type, "metadata");
    assert.match(events[0]!.conversation_id as string, /^[0-9a-f-]{36}$/);
    const tokens = events.filter((e) => e.type === "token");
    assert.ok(tokens.length > 1, "the answer arrives in several tokens");
    const done = events.at(-1)!;
    assert.equal(done.type, "done");
    assert.equal(events.filter((e) => e.type === "done").length, 1);
    const sources = done.sources as Array<{ file: string; heading: string; similarity: number }>;
    assert.ok(sources.length > 0);
    for (const s of sources) {
      assert.match(s.file, /^docs\/.+\.mdx?$/);
      assert.equal(typeof s.heading, "string");
      assert.ok(s.similarity > 0 && s.similarity <= 1);
    }
    assert.ok(sources.some((s) => /deploy/i.test(s.file)), "retrieval finds the deploy chapter");
    // The prompt sent to Gemini carried the retrieved passages.
    const generate = stack.gemini.requests.find((r) => r.kind === "stream")!;
    assert.match(JSON.stringify(generate.body), /Passages:/);
  });

  it("flushes each token as it arrives, with keep-alive comments while upstream is quiet", async () => {
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 250, tokens: 4 });
    try {
      const comments: string[] = [];
      const response = await postChat(stack.app.url, { message: "What does the health endpoint report?" });
      const arrivals: number[] = [];
      for await (const e of readEvents(response, comments)) if (e.type === "token") arrivals.push(performance.now());
      assert.equal(arrivals.length, 4);
      for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i]! - arrivals[i - 1]! > 150, "tokens are not batched");
      assert.ok(comments.includes(": keep-alive"), "a comment is sent while upstream is quiet");
    } finally {
      stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
    }
  });

  it("carries the conversation's recent turns into the prompt of a follow-up", async () => {
    const first = await chat(stack.app.url, { message: "What is the embedded default mode?" });
    const conversationId = first.events[0]!.conversation_id as string;
    stack.gemini.reset();
    const second = await chat(stack.app.url, { message: "and how do I switch it off?", conversation_id: conversationId });
    assert.equal(second.events[0]!.conversation_id, conversationId);
    // Two calls: the follow-up's search query made standalone, then the answer.
    const [rewrite, answer] = stack.gemini.requests.filter((r) => r.kind === "stream");
    // 64 tokens of query, and room for the default model's least thinking (minimal), which counts against the cap.
    assert.deepEqual((rewrite!.body as { generationConfig: unknown }).generationConfig, { maxOutputTokens: 64 + 8_192, thinkingConfig: { thinkingLevel: "minimal" } });
    const body = answer!.body as { contents: Array<{ role: string; parts: Array<{ text: string }> }> };
    assert.deepEqual(body.contents.map((c) => c.role), ["user", "model", "user"]);
    assert.equal(body.contents[0]!.parts[0]!.text, "What is the embedded default mode?");
    assert.equal(body.contents[1]!.parts[0]!.text, answerOf(first.events));
    assert.match(body.contents[2]!.parts[0]!.text, /and how do I switch it off\?/);
  });

  it("stores both turns, and GET /api/conversation/:id returns them oldest first", async () => {
    const { events } = await chat(stack.app.url, { message: "Which variables does the Space need?" });
    const id = events[0]!.conversation_id as string;
    const response = await fetch(`${stack.app.url}/api/conversation/${id}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { conversation_id: string; messages: Array<Record<string, unknown>> };
    assert.equal(body.conversation_id, id);
    assert.deepEqual(body.messages.map((m) => m.role), ["user", "assistant"]);
    assert.equal(body.messages[0]!.content, "Which variables does the Space need?");
    assert.equal(body.messages[0]!.sources, null);
    assert.equal(body.messages[1]!.content, answerOf(events));
    assert.deepEqual(body.messages[1]!.sources, events.at(-1)!.sources);
    assert.equal(body.messages[1]!.incomplete, false);
    for (const m of body.messages) assert.match(m.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("answers a selection from the context alone, without retrieval", async () => {
    const before = stack.qdrant.requests.length;
    const embedsBefore = stack.gemini.requests.filter((r) => r.kind === "embed").length;
    const { response, events } = await chat(stack.app.url, {
      message: "What does this mean?",
      mode: "selection",
      context: "The Space runs the container as UID 1000 and listens on port 7860.",
    });
    assert.equal(response.status, 200);
    assert.deepEqual(events.at(-1), { type: "done", sources: [], conversation_id: events[0]!.conversation_id, saved: true });
    assert.equal(stack.qdrant.requests.length, before, "no vector search in selection mode");
    const generate = stack.gemini.requests.findLast((r) => r.kind === "stream")!;
    assert.match(JSON.stringify(generate.body), /UID 1000/);
    assert.equal(stack.gemini.requests.filter((r) => r.kind === "embed").length, embedsBefore, "no question embedding");
  });

  it("stores the question before generation starts and moves updated_at", async () => {
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 600, tokenDelayMs: 0, tokens: 3 });
    try {
      const pending = chat(stack.app.url, { message: "A question stored before any token" });
      const db = stack.app.deps.db;
      await waitFor(async () => (await db.query(`select 1 from messages where content = 'A question stored before any token'`)).rows.length === 1, 3_000, "the stored question");
      const { events } = await pending;
      const id = events[0]!.conversation_id as string;
      const { rows } = await db.query<{ created_at: Date; updated_at: Date }>(`select created_at, updated_at from conversations where id = $1`, [id]);
      assert.ok(rows[0]!.updated_at.getTime() > rows[0]!.created_at.getTime());
    } finally {
      stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
    }
  });

  it("aborts the Gemini request when the client goes away, and stores the partial answer as incomplete", async () => {
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 200, tokens: 30 });
    try {
      const controller = new AbortController();
      const response = await postChat(stack.app.url, { message: "Tell me everything about ingest" }, { signal: controller.signal });
      const seen: ChatEvent[] = [];
      for await (const e of readEvents(response)) {
        seen.push(e);
        if (seen.filter((x) => x.type === "token").length === 2) break;
      }
      controller.abort();
      const id = seen[0]!.conversation_id as string;
      await waitFor(() => stack.gemini.activeStreams() === 0, 3_000, "the upstream stream to close");
      assert.equal(stack.gemini.requests.findLast((r) => r.kind === "stream")!.aborted, true);
      const db = stack.app.deps.db;
      // The answer's placeholder is there from the start; wait until it is completed.
      const completed = `select 1 from messages where conversation_id = $1 and role = 'assistant' and error_code is distinct from 'interrupted'`;
      await waitFor(async () => (await db.query(completed, [id])).rows.length === 1, 3_000, "the stored partial answer");
      const { rows } = await db.query<{ content: string; incomplete: boolean; error_code: string }>(
        `select content, incomplete, error_code from messages where conversation_id = $1 and role = 'assistant'`,
        [id],
      );
      assert.equal(rows[0]!.incomplete, true);
      assert.equal(rows[0]!.error_code, "client_disconnected");
      assert.ok(rows[0]!.content.startsWith(answerOf(seen)));
      assert.equal(stack.app.deps.streams.size, 0);
    } finally {
      stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });
    }
  });
});
