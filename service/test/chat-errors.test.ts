import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { answerOf, chat, postChat } from "./support/harness.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

async function countMessages(stack: Stack, role?: string): Promise<number> {
  const { rows } = await stack.app.deps.db.query<{ n: string }>(
    role ? `select count(*) as n from messages where role = $1` : `select count(*) as n from messages`,
    role ? [role] : [],
  );
  return Number(rows[0]!.n);
}

describe("POST /api/chat errors", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ GENERATION_TIMEOUT_MS: "1500" });
  });
  after(() => stack.close());

  const invalid: Array<[string, unknown, RegExp]> = [
    ["a missing message", {}, /message must be a string/],
    ["an empty message", { message: "" }, /message must not be empty/],
    ["a blank message", { message: "   " }, /message must not be blank/],
    ["a message over 2000 characters", { message: "x".repeat(2001) }, /at most 2000 characters/],
    ["an unknown mode", { message: "hi", mode: "poetry" }, /mode must be "general" or "selection"/],
    ["selection without context", { message: "hi", mode: "selection" }, /context is required when mode is "selection"/],
    ["a selection over the cap", { message: "hi", mode: "selection", context: "y".repeat(8001) }, /context must be at most 8000 characters/],
    ["a malformed conversation id", { message: "hi", conversation_id: "42" }, /conversation_id must be a UUID/],
    ["a JSON array", [1, 2], /must be a JSON object/],
  ];
  for (const [what, body, message] of invalid) {
    it(`answers 400 invalid_request for ${what}, storing nothing`, async () => {
      const before = await countMessages(stack);
      const response = await postChat(stack.app.url, body);
      assert.equal(response.status, 400);
      const json = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(json.error.code, "invalid_request");
      assert.match(json.error.message, message);
      assert.equal(await countMessages(stack), before);
    });
  }

  it("answers 400 for a body that is not JSON", async () => {
    const response = await postChat(stack.app.url, "{not json");
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: { code: "invalid_request", message: "The request body is not valid JSON." } });
  });

  it("answers 413 payload_too_large for a huge body", async () => {
    const response = await postChat(stack.app.url, { message: "hi", padding: "z".repeat(2_000_000) });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "payload_too_large");
  });

  it("answers 404 before any stream for an unknown conversation id", async () => {
    const response = await postChat(stack.app.url, { message: "hi", conversation_id: "0b7c3a52-9d0e-4a8b-b1e4-5f0d2c3a4b5c" });
    assert.equal(response.status, 404);
    assert.match(response.headers.get("content-type")!, /application\/json/);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
  });

  it("accepts a null conversation_id and mode as the previous clients sent them", async () => {
    const { response, events } = await chat(stack.app.url, { message: "What is this project?", conversation_id: null, mode: null });
    assert.equal(response.status, 200);
    assert.equal(events.at(-1)!.type, "done");
  });

  it("turns a Gemini 429 on the question's embedding into 429 quota_exceeded with Retry-After, keeping the question", async () => {
    const users = await countMessages(stack, "user");
    stack.gemini.setFault({ kind: "status", status: 429, retryAfter: 17, route: "embed", times: 10 });
    try {
      const response = await postChat(stack.app.url, { message: "Quota question" });
      assert.equal(response.status, 429);
      assert.equal(response.headers.get("retry-after"), "17");
      const json = (await response.json()) as { error: { code: string; message: string; conversation_id: string } };
      assert.equal(json.error.code, "quota_exceeded");
      assert.match(json.error.message, /quota/i);
      assert.doesNotMatch(json.error.message, /RESOURCE_EXHAUSTED|googleapis|\{/, "no upstream text reaches the client");
      assert.match(json.error.conversation_id, /^[0-9a-f-]{36}$/);
      assert.equal(await countMessages(stack, "user"), users + 1, "the question is not lost");
    } finally {
      stack.gemini.setFault(null);
    }
  });

  it("turns a Gemini 429 on generation into a 429 before the stream", async () => {
    stack.gemini.setFault({ kind: "status", status: 429, route: "generate", times: 1 });
    const response = await postChat(stack.app.url, { message: "Another quota question" });
    assert.equal(response.status, 429);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "quota_exceeded");
  });

  it("turns a Gemini 500 into 502 upstream_error without upstream detail", async () => {
    stack.gemini.setFault({ kind: "status", status: 500, route: "generate", times: 1 });
    const response = await postChat(stack.app.url, { message: "Server error question" });
    assert.equal(response.status, 502);
    const json = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(json.error.code, "upstream_error");
    assert.doesNotMatch(json.error.message, /INTERNAL|\{/);
  });

  it("ends a stream cut mid-way with a notice token and an error event, and stores only what the model wrote, as incomplete", async () => {
    stack.gemini.setFault({ kind: "cut", afterTokens: 3, route: "generate", times: 1 });
    const { response, events } = await chat(stack.app.url, { message: "A question whose answer is cut" });
    assert.equal(response.status, 200);
    assert.equal(events[0]!.type, "metadata");
    assert.equal(events.filter((e) => e.type === "token" && e.notice === undefined).length, 3);
    const last = events.at(-1)!;
    assert.equal(last.type, "error");
    assert.equal(last.code, "upstream_error");
    assert.equal(events.filter((e) => e.type === "done").length, 0);
    // A client that ignores error events (the deployed widget) shows every token's text, and
    // so the last one tells its reader the answer was cut.
    assert.deepEqual(events.at(-2), { type: "token", content: `\n\n[The answer was cut off here. ${last.message as string}]`, notice: true });
    assert.match(events.filter((e) => e.type === "token").map((e) => e.content as string).join(""), /\n\n\[The answer was cut off here\. The AI service could not be reached during generation\.\]$/);
    const { rows } = await stack.app.deps.db.query<{ content: string; incomplete: boolean; error_code: string }>(
      `select content, incomplete, error_code from messages where conversation_id = $1 and role = 'assistant'`,
      [events[0]!.conversation_id],
    );
    assert.deepEqual(rows, [{ content: answerOf(events), incomplete: true, error_code: "upstream_error" }]);
  });

  it("gives up on a hanging Gemini after the generation timeout with 504, and closes the upstream request", async () => {
    stack.gemini.setFault({ kind: "hang", route: "generate", times: 1 });
    const started = Date.now();
    const response = await postChat(stack.app.url, { message: "A question nobody answers" });
    assert.equal(response.status, 504);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "upstream_timeout");
    assert.ok(Date.now() - started < 5_000);
    assert.equal(stack.gemini.requests.findLast((r) => r.kind === "stream")!.aborted, true);
  });

  it("answers 503 retrieval_unavailable when Qdrant is down, keeping the question", async () => {
    const users = await countMessages(stack, "user");
    stack.qdrant.setFault({ kind: "down" });
    try {
      const response = await postChat(stack.app.url, { message: "Is the store there?" });
      assert.equal(response.status, 503);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "retrieval_unavailable");
      assert.equal(await countMessages(stack, "user"), users + 1);
    } finally {
      stack.qdrant.setFault(null);
    }
  });

  it("never lets the Gemini key reach a response or a log line", async () => {
    stack.gemini.setFault({ kind: "status", status: 500, route: "generate", times: 1 });
    const response = await postChat(stack.app.url, { message: "Leak check" });
    const text = await response.text();
    assert.ok(!text.includes(stack.gemini.apiKey));
    assert.ok(stack.app.logs.length > 0);
    assert.ok(!stack.app.logs.some((line) => line.includes(stack.gemini.apiKey)));
    assert.ok(!stack.app.logs.some((line) => line.includes(stack.qdrant.apiKey)));
  });
});

describe("GET /api/conversation/:id errors", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it("answers 400 for a malformed id and 404 for an unknown one", async () => {
    const malformed = await fetch(`${stack.app.url}/api/conversation/not-a-uuid`);
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: { code: string } }).error.code, "invalid_request");
    const unknown = await fetch(`${stack.app.url}/api/conversation/0b7c3a52-9d0e-4a8b-b1e4-5f0d2c3a4b5c`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: { code: string } }).error.code, "not_found");
  });
});
