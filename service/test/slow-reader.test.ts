import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { stopReadingAfterMetadata } from "../../bench/slow-readers.ts";
import { waitFor } from "./support/harness.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

describe("a reader that stops reading", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ SSE_WRITE_TIMEOUT_MS: "300" });
  });
  after(() => stack.close());

  it("is ended, its upstream stopped, its answer stored incomplete as reader_stalled, and little is held for it", async () => {
    // About 8 MB of answer in 4,000 pieces, far more than the sockets between us can hold.
    stack.gemini.setAnswer(`${"All about ingest, at length. ".repeat(290_000)}`);
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 1, tokens: 4_000 });
    const reader = await stopReadingAfterMetadata(stack.app.url, "Tell me everything about ingest");
    try {
      const db = stack.app.deps.db;
      const stored = `select incomplete, error_code, length(content) as length from messages where conversation_id = $1 and role = 'assistant'`;
      await waitFor(async () => (await db.query<{ error_code: string }>(stored, [reader.conversationId])).rows[0]?.error_code === "reader_stalled", 20_000, "the answer stored as reader_stalled");
      const { rows } = await db.query<{ incomplete: boolean; length: number }>(stored, [reader.conversationId]);
      assert.equal(rows[0]!.incomplete, true);
      assert.ok(rows[0]!.length < 8_000_000, "only what was produced before the stall");
      await waitFor(() => stack.app.deps.streams.size === 0, 5_000, "the stream to be released");
      await waitFor(() => stack.gemini.activeStreams() === 0, 5_000, "the upstream stream to be closed");
      assert.equal(stack.gemini.requests.findLast((r) => r.kind === "stream")!.aborted, true, "the upstream answer was stopped");
    } finally {
      reader.socket.destroy();
      stack.gemini.reset();
    }
  });

  it("a reader that keeps up gets the whole long answer, stored complete", async () => {
    stack.gemini.setAnswer(`${"Read along. ".repeat(100_000)}`);
    stack.gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 0, tokens: 2_000 });
    try {
      const response = await fetch(`${stack.app.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "Go on" }) });
      const text = await response.text();
      assert.match(text, /"type":"done"/);
    } finally {
      stack.gemini.reset();
    }
  });
});
