import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { chat, postChat, readEvents, waitFor } from "./support/harness.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

/** The log lines at info level or below: what an operator's default LOG_LEVEL keeps. */
function infoLines(logs: readonly string[]): string {
  return logs.filter((line) => /"level":"(info|debug|trace)"/.test(line)).join("\n");
}

describe("a reader's conversation stays private", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it("conversation reads say Cache-Control: no-store, found or not", async () => {
    const { events } = await chat(stack.app.url, { message: "What does the book say about chunking?" });
    const id = events[0]!.conversation_id as string;
    for (const path of [`/api/conversation/${id}`, `/api/conversation/${randomUUID()}`, "/api/conversation/not-a-uuid"]) {
      const response = await fetch(`${stack.app.url}${path}`);
      assert.equal(response.headers.get("cache-control"), "no-store", path);
    }
  });

  it("info-level logs hold neither conversation ids nor message text", async () => {
    const from = stack.app.logs.length;
    const question = `Where is the secret garden ${randomUUID()}?`;
    const { events } = await chat(stack.app.url, { message: question });
    const id = events[0]!.conversation_id as string;
    await chat(stack.app.url, { message: "And after that?", conversation_id: id });
    await fetch(`${stack.app.url}/api/conversation/${id}`);

    // A reader who leaves mid-answer: the disconnect is logged at info level.
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 100, tokens: 30 });
    const controller = new AbortController();
    const response = await postChat(stack.app.url, { message: question, conversation_id: id }, { signal: controller.signal });
    for await (const event of readEvents(response)) if (event.type === "token") break;
    controller.abort();
    await waitFor(() => stack.app.logs.slice(from).some((l) => l.includes("client gone or not reading")), 5_000, "the disconnect's log line");
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 20 });

    const lines = infoLines(stack.app.logs.slice(from));
    assert.match(lines, /\/api\/conversation\/:id/, "the read is logged, without its id");
    assert.ok(!lines.includes(id), "a conversation id is in an info-level line");
    assert.ok(!lines.includes("secret garden"), "message text is in an info-level line");
  });
});
