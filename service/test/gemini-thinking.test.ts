import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { SearchQueryRewriter } from "../src/chat/search-query.ts";
import { ConfigError, loadConfig } from "../src/config.ts";
import { GeminiGenerator } from "../src/gemini/generator.ts";
import { GeminiQueryModel } from "../src/gemini/query-model.ts";
import { GeminiStreamClient } from "../src/gemini/stream-client.ts";
import { parseThinking, thinkingConfig, type ThinkingSetting } from "../src/gemini/thinking.ts";

const OFF: ThinkingSetting = { kind: "off" };
const history = [
  { role: "user" as const, content: "What is pgvector?" },
  { role: "assistant" as const, content: "A Postgres extension for vectors [1]." },
];
type Body = { generationConfig: { temperature?: number; maxOutputTokens?: number; thinkingConfig?: Record<string, unknown> } };

describe("thinking per model family", () => {
  it("turns thinking off as far as each family allows, one field only", () => {
    assert.deepEqual(thinkingConfig("gemini-2.5-flash", OFF), { thinkingBudget: 0 });
    assert.deepEqual(thinkingConfig("models/gemini-2.5-flash-lite", OFF), { thinkingBudget: 0 });
    assert.deepEqual(thinkingConfig("gemini-2.5-pro", OFF), { thinkingBudget: 128 });
    assert.deepEqual(thinkingConfig("gemini-3-flash-preview", OFF), { thinkingLevel: "minimal" });
    assert.deepEqual(thinkingConfig("gemini-3-pro-preview", OFF), { thinkingLevel: "low" });
    assert.deepEqual(thinkingConfig("gemini-3.5-flash-lite", OFF), { thinkingLevel: "minimal" });
    assert.deepEqual(thinkingConfig("gemini-3.6-flash", OFF), { thinkingLevel: "minimal" });
    assert.deepEqual(thinkingConfig("gemini-3.8-flash", OFF), { thinkingLevel: "low" }, "3.8 Flash lists no minimal");
    assert.deepEqual(thinkingConfig("gemini-3.7-flash", OFF), { thinkingLevel: "low" });
    assert.equal(thinkingConfig("gemini-2.0-flash", OFF), undefined, "a model the table does not know gets no thinkingConfig");
    assert.equal(thinkingConfig("gemini-3.9-flash", OFF), undefined, "nor does a newer one: no guess");
    assert.equal(thinkingConfig("gemini-2.5-flash", { kind: "dynamic" }), undefined);
    assert.deepEqual(thinkingConfig("gemini-2.5-flash", { kind: "budget", tokens: 512 }), { thinkingBudget: 512 });
    assert.deepEqual(thinkingConfig("gemini-3-flash-preview", { kind: "level", level: "high" }), { thinkingLevel: "high" });
  });

  it("refuses a setting the family cannot take, and a malformed GEMINI_THINKING, naming the variable", () => {
    assert.throws(() => thinkingConfig("gemini-2.5-flash", { kind: "level", level: "low" }), /takes a thinking budget/);
    assert.throws(() => thinkingConfig("gemini-3-flash-preview", { kind: "budget", tokens: 0 }), /takes a thinking level/);
    assert.throws(() => thinkingConfig("gemini-3-pro-preview", { kind: "level", level: "minimal" }), /levels low, high only/);
    assert.throws(() => thinkingConfig("gemini-3.8-flash", { kind: "level", level: "minimal" }), /levels low, medium, high only/);
    assert.throws(() => thinkingConfig("gemini-9-ultra", { kind: "level", level: "low" }), /not a model this service knows/);
    assert.throws(() => thinkingConfig("gemini-2.5-pro", { kind: "budget", tokens: 0 }), /less than 128/);
    assert.deepEqual(parseThinking(undefined), { kind: "off" });
    assert.deepEqual(parseThinking(" Dynamic "), { kind: "dynamic" });
    assert.ok("error" in parseThinking("lots"));

    assert.deepEqual(loadConfig({ GEMINI_MODEL: "gemini-2.5-flash-lite", GEMINI_THINKING: "1024" }).gemini.thinking, { kind: "budget", tokens: 1024 });
    assert.deepEqual(loadConfig({ GEMINI_THINKING: "high" }).gemini.thinking, { kind: "level", level: "high" });
    for (const env of [
      { GEMINI_THINKING: "lots" },
      { GEMINI_THINKING: "1024" },
      { GEMINI_MODEL: "gemini-2.5-flash-lite", GEMINI_THINKING: "high" },
      { GEMINI_MODEL: "gemini-3-flash-preview", GEMINI_THINKING: "512" },
    ]) {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.problems.some((p) => p.startsWith("GEMINI_THINKING")));
    }
  });
});

describe("Gemini request bodies against the emulator", () => {
  let gemini: GeminiEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());
  const client = () => new GeminiStreamClient({ apiKey: gemini.apiKey, baseUrl: gemini.url });
  const sent = () => gemini.requests.map((r) => (r.body as Body).generationConfig);

  it("answers carry the family's thinking field, or none for dynamic thinking", async () => {
    const ask = (model: string, thinking: ThinkingSetting) =>
      new GeminiGenerator({ client: client(), model, thinking }).stream({ mode: "general", question: "Why?", history: [], passages: [] }, new AbortController().signal, () => {});
    await ask("gemini-2.5-flash-lite", OFF);
    await ask("gemini-2.5-flash-lite", { kind: "dynamic" });
    const configs = sent();
    assert.deepEqual(configs[0], { temperature: 0.2, thinkingConfig: { thinkingBudget: 0 } });
    assert.deepEqual(configs[1], { temperature: 0.2 });
  });

  it("a 3.x model gets no sampling parameter, only its level; a model the table does not know gets no optional field", async () => {
    const ask = (model: string) =>
      new GeminiGenerator({ client: client(), model, thinking: OFF }).stream({ mode: "general", question: "Why?", history: [], passages: [] }, new AbortController().signal, () => {});
    await ask("gemini-3.5-flash-lite");
    await ask("gemini-3.8-flash");
    assert.deepEqual(sent(), [{ thinkingConfig: { thinkingLevel: "minimal" } }, { thinkingConfig: { thinkingLevel: "low" } }]);
    gemini.reset();
    // An unknown name: the emulator answers 404, but what was sent is what matters here.
    await ask("gemini-9-ultra").catch(() => undefined);
    assert.deepEqual(sent(), [{}]);
  });

  it("the rewrite's cap leaves room for the least thinking the model allows, so the rewrite is not starved", async () => {
    gemini.setAnswer("pgvector switch setup\n");
    const rewriter = new SearchQueryRewriter({ model: new GeminiQueryModel({ client: client(), model: "gemini-3.8-flash", thinking: OFF }), timeoutMs: 5_000 });
    assert.equal(await rewriter.rewrite("How do I switch to it?", history, new AbortController().signal), "pgvector switch setup");
    const [config] = sent();
    assert.deepEqual(config!.thinkingConfig, { thinkingLevel: "low" });
    assert.ok(config!.maxOutputTokens! > 64 + 2_048, `a cap of ${config!.maxOutputTokens} holds the query and low thinking`);
    assert.equal(config!.temperature, undefined);
    // The same call with the old cap of 64 comes back empty (MAX_TOKENS): the rule would stand in.
    const starved: string[] = [];
    await client().stream("gemini-3.8-flash", { contents: [{ role: "user", parts: [{ text: "x" }] }], systemInstruction: "x", maxOutputTokens: 64, thinkingConfig: { thinkingLevel: "low" } }, new AbortController().signal, (t) => starved.push(t));
    assert.deepEqual(starved, []);
  });

  it("a follow-up is rewritten by one short call without thinking; a standalone question costs no call", async () => {
    gemini.setAnswer('"How do I switch to pgvector?"\n');
    const rewriter = new SearchQueryRewriter({ model: new GeminiQueryModel({ client: client(), model: "gemini-2.5-flash-lite", thinking: OFF }), timeoutMs: 5_000 });
    assert.equal(await rewriter.rewrite("How do I switch to it?", history, new AbortController().signal), "How do I switch to pgvector?");
    assert.deepEqual(sent(), [{ temperature: 0, maxOutputTokens: 64, thinkingConfig: { thinkingBudget: 0 } }]);
    const prompt = JSON.stringify(gemini.requests[0]!.body);
    assert.match(prompt, /Reader: What is pgvector\?/);
    assert.match(prompt, /Follow-up question: How do I switch to it\?/);

    assert.equal(await rewriter.rewrite("What does RETRIEVAL_TOP_K do?", history, new AbortController().signal), "What does RETRIEVAL_TOP_K do?");
    assert.equal(gemini.requests.length, 1);
  });

  it("takes the first line and stops reading: a model that goes on to answer is not waited for", async () => {
    gemini.setStreamProfile({ tokens: 40, tokenDelayMs: 50 });
    gemini.setAnswer(`pgvector switch setup\n${"and then a long answer nobody asked for ".repeat(10)}`);
    const rewriter = new SearchQueryRewriter({ model: new GeminiQueryModel({ client: client(), model: "gemini-2.5-flash-lite", thinking: OFF }), timeoutMs: 5_000 });
    const started = performance.now();
    assert.equal(await rewriter.rewrite("How do I switch to it?", history, new AbortController().signal), "pgvector switch setup");
    assert.ok(performance.now() - started < 1_000, "40 pieces at 50 ms were not all waited for");
  });

  it("falls back to the rule when the call is slow or fails, and stops when the reader leaves", async () => {
    const warnings: string[] = [];
    const rewriter = new SearchQueryRewriter({
      model: new GeminiQueryModel({ client: client(), model: "gemini-2.5-flash-lite", thinking: OFF }),
      timeoutMs: 200,
      log: { warn: (fields) => warnings.push(String(fields.reason)) },
    });
    gemini.setFault({ kind: "slow", delayMs: 2_000, route: "generate" });
    const started = performance.now();
    assert.equal(await rewriter.rewrite("How do I switch to it?", history, new AbortController().signal), "What is pgvector?\nHow do I switch to it?");
    assert.ok(performance.now() - started < 1_500, "the timeout, not the slow answer, ended the wait");
    gemini.setFault({ kind: "status", status: 500, route: "generate" });
    assert.equal(await rewriter.rewrite("How do I switch to it?", history, new AbortController().signal), "What is pgvector?\nHow do I switch to it?");
    assert.deepEqual(warnings, ["timeout", "error"]);

    gemini.setFault({ kind: "hang", route: "generate" });
    const reader = new AbortController();
    const pending = rewriter.rewrite("How do I switch to it?", history, reader.signal);
    reader.abort(new Error("reader left"));
    await assert.rejects(pending, /reader left/);
  });
});
