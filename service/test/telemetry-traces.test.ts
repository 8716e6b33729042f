import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { registerTracing, type Tracing } from "../src/telemetry/tracing.ts";
import { answerOf, chat, waitFor } from "./support/harness.ts";
import { assertChatTrace, assertGeminiSpan, assertNoTextInAttributes, fromReadableSpans, type SpanShape } from "./support/trace-shapes.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

// The SDK's provider is registered for this file's process, as server.ts registers it when an
// OTLP endpoint is set; the spans go to memory instead of an endpoint.
describe("a chat's trace, in the SDK's in-memory exporter", () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let stack: Stack;
  before(async () => {
    tracing = await registerTracing(new SimpleSpanProcessor({ exporter }), { serviceName: "docs-chat-test" });
    stack = await startStack({}, { tracing: true });
  });
  after(async () => {
    await stack?.close();
    await tracing?.shutdown();
  });
  beforeEach(() => exporter.reset());

  /** The spans of the trace whose root is the chat's request, once that root has ended. */
  async function chatSpans(): Promise<SpanShape[]> {
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === "POST /api/chat"), 10_000, "the request's span to end");
    return fromReadableSpans(exporter.getFinishedSpans());
  }

  const expected = () => ({
    model: stack.app.deps.config.gemini.model,
    embeddingModel: stack.app.deps.config.embedding.model,
    collection: stack.app.deps.config.vectorStore.collection,
  });

  it("makes one trace per chat: the request, the embedding, the search and the answer's Gemini call", async () => {
    const question = "How do I configure the vector store for Qdrant?";
    const { response, events } = await chat(stack.app.url, { message: question });
    assert.equal(response.status, 200);
    const spans = await chatSpans();
    assertChatTrace(spans, { ...expected(), followUp: false });
    // The trace's attributes hold counts and names, never what the reader or the model wrote.
    assertNoTextInAttributes(spans, [question, answerOf(events).slice(0, 40), stack.gemini.apiKey, stack.qdrant.apiKey]);
    const conversationId = String(events[0]!.conversation_id);
    assertNoTextInAttributes(spans, [conversationId]);
  });

  it("adds the follow-up's rewrite, its own Gemini call a child of it", async () => {
    const first = await chat(stack.app.url, { message: "What does the pgvector store need?" });
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === "POST /api/chat"), 10_000, "the first chat's span");
    exporter.reset();
    const followUp = await chat(stack.app.url, { message: "How do I switch to it?", conversation_id: first.events[0]!.conversation_id });
    assert.equal(followUp.response.status, 200);
    const spans = await chatSpans();
    assertChatTrace(spans, { ...expected(), followUp: true });
    assertNoTextInAttributes(spans, ["How do I switch to it?", "pgvector store need"]);
  });

  it("gives the chat's log lines its trace and span ids", async () => {
    const before = stack.app.logs.length;
    await chat(stack.app.url, { message: "What does the health endpoint report?" });
    const spans = await chatSpans();
    const root = spans.find((s) => s.name === "POST /api/chat")!;
    await waitFor(() => stack.app.logs.slice(before).some((line) => line.includes("request completed")), 5_000, "the request's log line");
    const line = JSON.parse(stack.app.logs.slice(before).find((l) => l.includes("request completed"))!) as { trace_id?: string; span_id?: string };
    assert.equal(line.trace_id, root.traceId);
    assert.equal(line.span_id, root.spanId);
  });

  it("marks a failed Gemini call: the span's error type, finish reason error, and the request's 5xx", async () => {
    await stack.gemini.setFault({ route: "generate", status: 500 });
    try {
      const { response } = await chat(stack.app.url, { message: "What happens when Gemini fails?" });
      assert.equal(response.status, 502);
    } finally {
      await stack.gemini.setFault(null);
    }
    const spans = await chatSpans();
    const root = spans.find((s) => s.name === "POST /api/chat")!;
    assert.equal(root.attributes["http.response.status_code"], 502);
    assert.equal(root.statusCode, 2);
    const call = spans.find((s) => s.name.startsWith("generate_content "))!;
    assert.equal(call.statusCode, 2);
    assert.deepEqual(call.attributes["gen_ai.response.finish_reasons"], ["error"]);
    assert.equal(typeof call.attributes["error.type"], "string");
    assert.equal(spans.find((s) => s.name === "generate_answer")!.attributes["error.type"], "upstream_error");
  });

  it("records a Gemini call's reasoning tokens when the model thinks", async () => {
    const thinking = await startStack({ GEMINI_THINKING: "high" }, { tracing: true });
    try {
      exporter.reset();
      await chat(thinking.app.url, { message: "How is a book ingested?" });
      const spans = await chatSpans();
      const call = spans.find((s) => s.name.startsWith("generate_content "))!;
      assertGeminiSpan(call, thinking.app.deps.config.gemini.model);
      const reasoning = Number(call.attributes["gen_ai.usage.reasoning.output_tokens"]);
      assert.ok(reasoning > 0, "the emulator thinks at level high");
      assert.ok(Number(call.attributes["gen_ai.usage.output_tokens"]) > reasoning, "output tokens include the reasoning tokens");
    } finally {
      await thinking.close();
    }
  });
});
