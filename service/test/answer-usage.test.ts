import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { estimateTokens, splitIntoPieces } from "../../emulators/gemini/answer.ts";
import { chat, startTestApp, type TestApp } from "./support/harness.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

type UsageRow = { role: string; model: string | null; input_tokens: number | null; output_tokens: number | null; thinking_tokens: number | null; total_tokens: number | null };

async function usageRows(app: TestApp, conversationId: string): Promise<UsageRow[]> {
  const { rows } = await app.deps.db.query<UsageRow>(
    `select role, model, input_tokens, output_tokens, thinking_tokens, total_tokens from messages where conversation_id = $1 order by created_at`,
    [conversationId],
  );
  return rows;
}

const NO_USAGE = { model: null, input_tokens: null, output_tokens: null, thinking_tokens: null, total_tokens: null };

/** What the emulator reports in the stream's last chunk for this request and answer (its own arithmetic). */
function emulatorUsage(body: { contents: unknown; systemInstruction?: unknown }, answer: string, pieces: number, thoughts: number) {
  const input = estimateTokens(JSON.stringify(body.contents) + JSON.stringify(body.systemInstruction ?? ""));
  const output = splitIntoPieces(answer, pieces, false).reduce((sum, piece) => sum + estimateTokens(piece), 0);
  return { input_tokens: input, output_tokens: output, thinking_tokens: thoughts, total_tokens: input + output + thoughts };
}

const ANSWER = "Set VECTOR_STORE to qdrant and give QDRANT_URL [1]; the rest has defaults [2].";

describe("Gemini's token usage, stored with each answer", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack?.close());

  it("stores the last chunk's counts and model on the answer's row, nothing on the question's", async () => {
    stack.gemini.setAnswer(ANSWER);
    stack.gemini.setStreamProfile({ tokens: 6 });
    const { events } = await chat(stack.app.url, { message: "How do I use Qdrant?" });
    const conversationId = String(events[0]!.conversation_id);
    const request = stack.gemini.requests.find((r) => r.kind === "stream")!;
    const [question, answer] = await usageRows(stack.app, conversationId);
    assert.deepEqual(question, { role: "user", ...NO_USAGE });
    const model = stack.app.deps.config.gemini.model;
    assert.deepEqual(answer, { role: "assistant", model, ...emulatorUsage(request.body as { contents: unknown }, ANSWER, 6, 0) });
  });

  it("leaves the counts empty when the stream was cut before its last chunk", async () => {
    stack.gemini.setAnswer(ANSWER);
    await stack.gemini.setFault({ kind: "cut", afterTokens: 2, route: "generate", times: 1 });
    const { events } = await chat(stack.app.url, { message: "What if the answer is cut?" });
    assert.equal(events.at(-1)!.type, "error");
    const [, answer] = await usageRows(stack.app, String(events[0]!.conversation_id));
    assert.deepEqual(answer, { role: "assistant", ...NO_USAGE });
  });

  it("stores the thinking tokens of a model set to think (level high: the emulator's full 8,192)", async () => {
    const thinking = await startStack({ GEMINI_THINKING: "high" });
    try {
      thinking.gemini.setAnswer(ANSWER);
      thinking.gemini.setStreamProfile({ tokens: 6 });
      const { events } = await chat(thinking.app.url, { message: "How do I use Qdrant?" });
      const request = thinking.gemini.requests.find((r) => r.kind === "stream")!;
      const [, answer] = await usageRows(thinking.app, String(events[0]!.conversation_id));
      // The emulator thinks 1,000 tokens when thinking is fully on.
      assert.deepEqual(answer, { role: "assistant", model: thinking.app.deps.config.gemini.model, ...emulatorUsage(request.body as { contents: unknown }, ANSWER, 6, 8_192) });
    } finally {
      await thinking.close();
    }
  });
});

describe("answers without Gemini", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.close());

  it("store no usage: the extractive answerer calls no model", async () => {
    const { events } = await chat(app.url, { message: "How do I ingest my book?" });
    const [, answer] = await usageRows(app, String(events[0]!.conversation_id));
    assert.deepEqual(answer, { role: "assistant", ...NO_USAGE });
  });
});
