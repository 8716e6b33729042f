import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { tokenJson } from "../src/chat/chat-event.ts";
import { chat, type ChatEvent } from "./support/harness.ts";
import { validate, type Json } from "./support/json-schema.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

// The service never checks the events it sends (that would cost CPU on every frame): this
// test checks every event of its streams against the schema it publishes at /openapi.json.
describe("every event the service sends fits the published ChatEvent schema", () => {
  let stack: Stack;
  let doc: Json;
  const seen = new Map<string, number>();

  before(async () => {
    stack = await startStack();
    const response = await fetch(`${stack.app.url}/openapi.json`);
    assert.equal(response.status, 200);
    doc = (await response.json()) as Json;
  });
  after(() => stack.close());

  const assertFits = (events: ChatEvent[]) => {
    assert.ok(events.length > 0, "the chat streamed");
    for (const event of events) {
      assert.deepEqual(validate(doc, { $ref: "#/components/schemas/ChatEvent" }, event as Json), [], JSON.stringify(event));
      const kind = event.type === "token" && event.notice === true ? "notice" : event.type;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
  };

  it("an answer, a follow-up and a selection: metadata, tokens, done", async () => {
    const first = await chat(stack.app.url, { message: "How do I install the simulator?" });
    assertFits(first.events);
    const conversationId = first.events[0]!.conversation_id;
    assertFits((await chat(stack.app.url, { message: "And how do I update it?", conversation_id: conversationId })).events);
    assertFits((await chat(stack.app.url, { message: "Explain this", mode: "selection", context: "The simulator runs at 60 Hz." })).events);
  });

  it("an answer cut mid-way: the notice token and the error event", async () => {
    stack.gemini.setFault({ kind: "cut", afterTokens: 3, route: "generate", times: 1 });
    assertFits((await chat(stack.app.url, { message: "A question whose answer is cut" })).events);
  });

  it("covered every kind of event", () => {
    for (const kind of ["metadata", "token", "notice", "done", "error"]) assert.ok((seen.get(kind) ?? 0) > 0, `a ${kind} event was checked`);
  });

  it("frames a token as the object it stands for", () => {
    for (const text of ["plain", "", 'quotes " and \\ backslash', "line\nbreak\r\n", "\u2028\u2029 separators", "é 漢字 🙂", "\u0000\u001f"]) {
      const event = JSON.parse(tokenJson(text)) as Json;
      assert.deepEqual(event, { type: "token", content: text });
      assert.equal(tokenJson(text), JSON.stringify({ type: "token", content: text }));
      assert.doesNotMatch(tokenJson(text), /[\r\n]/, "one data line");
      assert.deepEqual(validate(doc, { $ref: "#/components/schemas/ChatEvent" }, event), []);
    }
  });
});
