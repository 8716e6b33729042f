import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiError, GoogleGenAI } from "@google/genai";
import { startGeminiEmulator, type GeminiEmulator } from "../gemini/gemini.ts";

const PROMPT = "Passages:\n\n[1] (docs/deploy.md > Pulumi)\nRun pulumi up.\n\n[2] (docs/space.md)\nThe Space listens on 7860.\n\nQuestion: How do I deploy the backend with Pulumi?";

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

/** The JSON body an ApiError carries (the SDK puts it in the message). */
function errorJson(err: unknown): { error: { code: number; status: string; message: string; details?: Array<Record<string, unknown>> } } {
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  return JSON.parse(err.message);
}

describe("gemini emulator, through @google/genai", { timeout: 30_000 }, () => {
  let gemini: GeminiEmulator;
  let ai: GoogleGenAI;
  before(async () => {
    gemini = await startGeminiEmulator();
    ai = new GoogleGenAI({ apiKey: gemini.apiKey, httpOptions: { baseUrl: gemini.url } });
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());

  test("streams the answer in the profile's number of chunks, one by one, with its timing", async () => {
    gemini.setStreamProfile({ firstTokenDelayMs: 150, tokenDelayMs: 80, tokens: 5 });
    const started = performance.now();
    const stream = await ai.models.generateContentStream({ model: "gemini-2.5-flash-lite", contents: PROMPT, config: { abortSignal: AbortSignal.timeout(10_000) } });
    const arrivals: number[] = [];
    const chunks = [];
    for await (const chunk of stream) {
      arrivals.push(performance.now() - started);
      chunks.push(chunk);
    }
    assert.equal(chunks.length, 5);
    assert.ok(arrivals[0]! >= 140, `first chunk after the first-token delay (${arrivals[0]} ms)`);
    // Timers never fire early, so chunk i cannot arrive before its slot; a busy machine may
    // deliver two late chunks close together, so gaps between arrivals are not checked.
    for (let i = 1; i < arrivals.length; i++) assert.ok(arrivals[i]! >= 140 + 80 * i - 5, `chunk ${i} came at ${arrivals[i]} ms, before its slot`);
    for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.candidates?.[0]?.finishReason, undefined);
    const last = chunks.at(-1)!;
    assert.equal(last.candidates?.[0]?.finishReason, "STOP");
    assert.equal(last.candidates?.[0]?.content?.role, "model");
    assert.ok((last.usageMetadata?.candidatesTokenCount ?? 0) > 0);
    assert.equal(new Set(chunks.map((c) => c.responseId)).size, 1, "one responseId for the whole stream");
    assert.equal(last.modelVersion, "gemini-2.5-flash-lite");
    const text = chunks.map((c) => c.text).join("");
    assert.match(text, /\[1\]/, "cites the numbered passages");
    assert.match(text, /deploy the backend/, "quotes the question");
    const logged = gemini.requests.find((r) => r.kind === "stream")!;
    // @google/genai 3.1 calls API version v1 unless told otherwise.
    assert.equal(logged.path, "/v1/models/gemini-2.5-flash-lite:streamGenerateContent");
    assert.equal(logged.model, "gemini-2.5-flash-lite");
    assert.equal(logged.status, 200);
    assert.equal(logged.aborted, false);
    assert.match(JSON.stringify(logged.body), /Passages:/);
  });

  test("frames SSE as the real API: data lines ended by CRLF CRLF", async () => {
    gemini.setStreamProfile({ tokens: 3 });
    const response = await fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash-lite:streamGenerateContent?alt=sse`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": gemini.apiKey },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "Hello there" }] }] }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
    const raw = await response.text();
    const frames = raw.split("\r\n\r\n").filter(Boolean);
    assert.equal(frames.length, 3);
    for (const frame of frames) assert.match(frame, /^data: \{.*\}$/s);
  });

  test("answers differ by question; setAnswer replaces the text and sees the request", async () => {
    const ask = async (text: string) => (await ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: text })).text;
    const first = await ask("What is the embedded mode?");
    const second = await ask("Which port does the Space use?");
    assert.notEqual(first, second);
    assert.match(first!, /embedded mode/);
    assert.equal(await ask("What is the embedded mode?"), first, "deterministic");

    gemini.setAnswer("Fixed answer.");
    assert.equal(await ask("anything"), "Fixed answer.");
    let seen: unknown;
    gemini.setAnswer((request) => {
      seen = request;
      return "From a function.";
    });
    assert.equal(await ask("a question for the function"), "From a function.");
    assert.match(JSON.stringify(seen), /a question for the function/);
  });

  test("an aborted stream is logged as aborted and its connection closed", async () => {
    gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 100, tokens: 30 });
    const controller = new AbortController();
    const stream = await ai.models.generateContentStream({ model: "gemini-2.5-flash-lite", contents: "Tell me everything", config: { abortSignal: controller.signal } });
    let received = 0;
    for await (const _chunk of stream) {
      if (++received === 2) break;
    }
    assert.equal(gemini.activeStreams(), 1, "the stream is still open before the abort");
    controller.abort();
    await waitFor(() => gemini.activeStreams() === 0, 3_000, "the stream to close");
    const logged = gemini.requests.findLast((r) => r.kind === "stream")!;
    assert.equal(logged.aborted, true);
  });

  test("429 becomes an ApiError with status 429 and a RetryInfo delay the caller can read", async () => {
    gemini.setFault({ kind: "status", status: 429, retryAfter: 17, route: "generate", times: 2 });
    const err = await ai.models
      .generateContentStream({ model: "gemini-2.5-flash-lite", contents: "hi" })
      .then(() => assert.fail("expected a rejection"), (e: unknown) => e);
    assert.equal((err as ApiError).status, 429);
    const body = errorJson(err);
    assert.equal(body.error.status, "RESOURCE_EXHAUSTED");
    const retry = body.error.details?.find((d) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo");
    assert.equal(retry?.retryDelay, "17s");
    assert.ok(body.error.details?.some((d) => d["@type"] === "type.googleapis.com/google.rpc.QuotaFailure"));

    // The fault covers generation only: embeddings still work while it lasts.
    const embedded = await ai.models.embedContent({ model: "gemini-embedding-001", contents: ["still fine"] });
    assert.equal(embedded.embeddings?.length, 1);
    // The second (and last) hit, then the fault clears itself.
    await assert.rejects(ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: "hi" }), (e: unknown) => (e as ApiError).status === 429);
    const ok = await ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: "hi" });
    assert.ok(ok.text);
    assert.deepEqual(
      gemini.requests.map((r) => [r.kind, r.status, r.fault]),
      [
        ["stream", 429, "status"],
        ["embed", 200, null],
        ["generate", 429, "status"],
        ["generate", 200, null],
      ],
    );
  });

  test("500 and 503 carry INTERNAL and UNAVAILABLE bodies", async () => {
    gemini.setFault({ kind: "status", status: 500, times: 1 });
    const internal = await ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: "x" }).catch((e: unknown) => e);
    assert.equal((internal as ApiError).status, 500);
    assert.equal(errorJson(internal).error.status, "INTERNAL");
    gemini.setFault({ kind: "status", status: 503, route: "embed", times: 1 });
    const unavailable = await ai.models.embedContent({ model: "gemini-embedding-001", contents: ["x"] }).catch((e: unknown) => e);
    assert.equal((unavailable as ApiError).status, 503);
    assert.equal(errorJson(unavailable).error.status, "UNAVAILABLE");
  });

  test("a stream cut mid-way makes the SDK's iterator throw after the pieces sent", async () => {
    gemini.setFault({ kind: "cut", afterTokens: 3, route: "generate", times: 1 });
    const stream = await ai.models.generateContentStream({ model: "gemini-2.5-flash-lite", contents: "A question whose answer is cut" });
    const texts: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of stream) texts.push(chunk.text ?? "");
    });
    assert.equal(texts.length, 3);
    const logged = gemini.requests.findLast((r) => r.kind === "stream")!;
    assert.equal(logged.fault, "cut");
    assert.equal(logged.aborted, false, "the server cut it, the client did not abort");
    await waitFor(() => gemini.activeStreams() === 0, 3_000, "the cut stream to close");
  });

  test("a hanging request sends nothing until the client gives up, and is logged as aborted", async () => {
    gemini.setFault({ kind: "hang", route: "generate", times: 1 });
    const started = Date.now();
    await assert.rejects(ai.models.generateContentStream({ model: "gemini-2.5-flash-lite", contents: "nobody answers", config: { abortSignal: AbortSignal.timeout(300) } }));
    assert.ok(Date.now() - started < 3_000);
    await waitFor(() => gemini.activeStreams() === 0, 3_000, "the held connection to close");
    const logged = gemini.requests.findLast((r) => r.kind === "stream")!;
    assert.equal(logged.status, null, "no headers were ever sent");
    assert.equal(logged.aborted, true);
  });

  test("a slow fault delays the answer", async () => {
    gemini.setFault({ kind: "slow", delayMs: 300, route: "embed", times: 1 });
    const started = performance.now();
    await ai.models.embedContent({ model: "gemini-embedding-001", contents: ["slow"] });
    assert.ok(performance.now() - started >= 280);
  });

  test("embeddings are deterministic, unit length at full size, truncated as Matryoshka prefixes, per-model", async () => {
    const texts = ["Deploy the backend with Pulumi", "Deploying the backend using Pulumi", "A recipe for lemon cake"];
    const full = await ai.models.embedContent({ model: "gemini-embedding-001", contents: texts });
    const [a, b, c] = full.embeddings!.map((e) => e.values!);
    assert.equal(a!.length, 3072, "gemini-embedding-001 defaults to 3072");
    for (const v of [a!, b!, c!]) assert.ok(Math.abs(norm(v) - 1) < 1e-6, "full-size vectors have unit length");
    assert.ok(cosine(a!, b!) > 0.5, `similar texts are close (${cosine(a!, b!)})`);
    assert.ok(cosine(a!, c!) < 0.2, `unrelated texts are not (${cosine(a!, c!)})`);

    const again = await ai.models.embedContent({ model: "gemini-embedding-001", contents: [texts[0]!] });
    assert.deepEqual(again.embeddings![0]!.values, a, "deterministic");

    const small = await ai.models.embedContent({ model: "gemini-embedding-001", contents: [texts[0]!], config: { outputDimensionality: 768, taskType: "RETRIEVAL_QUERY" } });
    const truncated = small.embeddings![0]!.values!;
    assert.equal(truncated.length, 768);
    assert.deepEqual(truncated, a!.slice(0, 768), "a smaller size is the prefix of the full vector");
    assert.ok(norm(truncated) < 0.99, "and, as in the real API, is not normalised");

    const legacy = await ai.models.embedContent({ model: "text-embedding-004", contents: [texts[0]!] });
    const old = legacy.embeddings![0]!.values!;
    assert.equal(old.length, 768, "text-embedding-004 defaults to 768");
    assert.ok(Math.abs(cosine(old, truncated)) < 0.3, "two models live in unrelated spaces");

    const batch = gemini.requests.find((r) => r.kind === "embed")!;
    assert.equal(batch.path, "/v1/models/gemini-embedding-001:batchEmbedContents");
  });

  test("more than 100 texts in one batch is a 400, as in the real API", async () => {
    const texts = Array.from({ length: 101 }, (_, i) => `text ${i}`);
    const err = await ai.models.embedContent({ model: "gemini-embedding-001", contents: texts }).catch((e: unknown) => e);
    assert.equal((err as ApiError).status, 400);
    assert.match(errorJson(err).error.message, /at most 100 requests can be in one batch/);
    const hundred = await ai.models.embedContent({ model: "gemini-embedding-001", contents: texts.slice(0, 100), config: { outputDimensionality: 8 } });
    assert.equal(hundred.embeddings?.length, 100);
  });

  test("embedContent answers one embedding", async () => {
    const response = await fetch(`${gemini.url}/v1beta/models/text-embedding-004:embedContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": gemini.apiKey },
      body: JSON.stringify({ content: { parts: [{ text: "one text" }] }, outputDimensionality: 256 }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { embedding: { values: number[] } };
    assert.equal(body.embedding.values.length, 256);
  });

  test("models.get describes known models; an unknown one is a 404 NOT_FOUND", async () => {
    const model = await ai.models.get({ model: "gemini-2.5-flash-lite" });
    assert.equal(model.name, "models/gemini-2.5-flash-lite");
    assert.ok(model.supportedActions?.includes("generateContent"));
    const embedding = await ai.models.get({ model: "gemini-embedding-001" });
    assert.deepEqual(embedding.supportedActions?.includes("embedContent"), true);
    const err = await ai.models.get({ model: "gemini-0.1-imaginary" }).catch((e: unknown) => e);
    assert.equal((err as ApiError).status, 404);
    assert.equal(errorJson(err).error.status, "NOT_FOUND");
    const wrongMethod = await ai.models.generateContent({ model: "gemini-embedding-001", contents: "x" }).catch((e: unknown) => e);
    assert.equal((wrongMethod as ApiError).status, 404, "an embedding model does not generate");
  });

  test("a wrong key is 400 API_KEY_INVALID, a missing one 403; the key is never logged", async () => {
    const wrong = new GoogleGenAI({ apiKey: "not-the-key", httpOptions: { baseUrl: gemini.url } });
    const err = await wrong.models.generateContent({ model: "gemini-2.5-flash-lite", contents: "x" }).catch((e: unknown) => e);
    assert.equal((err as ApiError).status, 400);
    const body = errorJson(err);
    assert.equal(body.error.status, "INVALID_ARGUMENT");
    assert.match(body.error.message, /API key not valid/);
    assert.equal(body.error.details?.[0]?.reason, "API_KEY_INVALID");

    const missing = await fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash-lite`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(missing.status, 403);
    assert.equal(((await missing.json()) as { error: { status: string } }).error.status, "PERMISSION_DENIED");

    const byQuery = await fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash-lite?key=${gemini.apiKey}`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(byQuery.status, 200, "the key may come as the key query parameter");

    assert.deepEqual(
      gemini.requests.map((r) => r.apiKeyPresent),
      [true, false, true],
    );
    assert.ok(!JSON.stringify(gemini.requests).includes(gemini.apiKey));
  });

  test("OpenAI-compatible chat streams chunks then [DONE], and answers whole without stream", async () => {
    gemini.setStreamProfile({ tokens: 4 });
    const headers = { "content-type": "application/json", authorization: `Bearer ${gemini.apiKey}` };
    const streamed = await fetch(`${gemini.url}/v1beta/openai/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "gemini-2.5-flash-lite", stream: true, messages: [{ role: "user", content: "How do I ingest the book?" }] }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(streamed.status, 200);
    const lines = (await streamed.text()).split("\n\n").filter(Boolean);
    assert.equal(lines.at(-1), "data: [DONE]");
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.replace(/^data: /, "")));
    assert.equal(chunks.length, 4);
    for (const c of chunks) assert.equal(c.object, "chat.completion.chunk");
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    assert.equal(chunks.at(-1).choices[0].finish_reason, "stop");
    const text = chunks.map((c) => c.choices[0].delta.content).join("");
    assert.match(text, /ingest the book/);

    const whole = await fetch(`${gemini.url}/v1beta/openai/chat/completions`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: "gemini-2.5-flash-lite", messages: [{ role: "user", content: "How do I ingest the book?" }] }),
      signal: AbortSignal.timeout(5_000),
    });
    const completion = (await whole.json()) as { object: string; choices: Array<{ message: { content: string }; finish_reason: string }> };
    assert.equal(completion.object, "chat.completion");
    assert.equal(completion.choices[0]!.message.content, text);
    assert.deepEqual(
      gemini.requests.map((r) => r.kind),
      ["openai-chat", "openai-chat"],
    );
  });

  test("OpenAI-compatible embeddings match the native ones; errors come wrapped in a list", async () => {
    const response = await fetch(`${gemini.url}/v1beta/openai/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${gemini.apiKey}` },
      body: JSON.stringify({ model: "gemini-embedding-001", input: ["same text"], dimensions: 64 }),
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await response.json()) as { data: Array<{ embedding: number[]; index: number }> };
    const native = await ai.models.embedContent({ model: "gemini-embedding-001", contents: ["same text"], config: { outputDimensionality: 64 } });
    assert.deepEqual(body.data[0]!.embedding, native.embeddings![0]!.values);

    const denied = await fetch(`${gemini.url}/v1beta/openai/embeddings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wrong" },
      body: JSON.stringify({ model: "gemini-embedding-001", input: "x" }),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(denied.status, 400);
    const list = (await denied.json()) as Array<{ error: { status: string } }>;
    assert.equal(list[0]!.error.status, "INVALID_ARGUMENT");
  });
});

describe("gemini emulator thinking, as the 2.5 and 3 models do", { timeout: 30_000 }, () => {
  let gemini: GeminiEmulator;
  let ai: GoogleGenAI;
  const THINKING_MS = 400;
  before(async () => {
    gemini = await startGeminiEmulator({ streamProfile: { thinkingMs: THINKING_MS } });
    ai = new GoogleGenAI({ apiKey: gemini.apiKey, httpOptions: { baseUrl: gemini.url } });
  });
  after(() => gemini.close());

  async function firstTokenMs(model: string, thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string }): Promise<{ ms: number; thoughts: number | undefined }> {
    const started = performance.now();
    const stream = await ai.models.generateContentStream({ model, contents: "hi", config: thinkingConfig ? { thinkingConfig: thinkingConfig as never } : {} });
    let ms = 0;
    let thoughts: number | undefined;
    for await (const chunk of stream) {
      if (!ms) ms = performance.now() - started;
      thoughts = chunk.usageMetadata?.thoughtsTokenCount ?? thoughts;
    }
    return { ms, thoughts };
  }

  test("a 2.5 model thinks unless its budget is 0; a Gemini 3 model unless its level is minimal", async () => {
    const defaulted = await firstTokenMs("gemini-2.5-flash-lite");
    assert.ok(defaulted.ms >= THINKING_MS - 20, `no thinkingConfig: thinks (${defaulted.ms} ms)`);
    assert.ok(defaulted.thoughts! > 0);
    const off = await firstTokenMs("gemini-2.5-flash-lite", { thinkingBudget: 0 });
    assert.ok(off.ms < THINKING_MS / 2, `budget 0: no thinking (${off.ms} ms)`);
    assert.equal(off.thoughts, undefined);
    const small = await firstTokenMs("gemini-2.5-flash-lite", { thinkingBudget: 1024 });
    assert.ok(small.ms > 20 && small.ms < THINKING_MS, `a small budget thinks a little (${small.ms} ms)`);
    const minimal = await firstTokenMs("gemini-3-flash-preview", { thinkingLevel: "minimal" });
    assert.ok(minimal.ms < THINKING_MS / 2, `level minimal (${minimal.ms} ms)`);
    const high = await firstTokenMs("gemini-3-flash-preview");
    assert.ok(high.ms >= THINKING_MS - 20, `Gemini 3 defaults to high (${high.ms} ms)`);
  });

  test("both thinkingBudget and thinkingLevel, or a level on a 2.5 model, is a 400 INVALID_ARGUMENT", async () => {
    const both = await ai.models
      .generateContent({ model: "gemini-3-flash-preview", contents: "hi", config: { thinkingConfig: { thinkingBudget: 0, thinkingLevel: "low" } as never } })
      .catch((e: unknown) => e);
    assert.equal((both as ApiError).status, 400);
    assert.deepEqual(errorJson(both).error, { code: 400, message: "You can only set only one of thinking budget and thinking level.", status: "INVALID_ARGUMENT" });
    const level = await ai.models.generateContent({ model: "gemini-2.5-flash-lite", contents: "hi", config: { thinkingConfig: { thinkingLevel: "low" } as never } }).catch((e: unknown) => e);
    assert.equal((level as ApiError).status, 400);
    const minimal = await ai.models
      .generateContent({ model: "gemini-3.8-flash", contents: "hi", config: { thinkingConfig: { thinkingLevel: "minimal" } as never } })
      .catch((e: unknown) => e);
    assert.equal((minimal as ApiError).status, 400, "3.8 Flash lists low, medium and high only");
    assert.match(errorJson(minimal).error.message, /MINIMAL is not supported/);
    const penalty = await ai.models.generateContent({ model: "gemini-3.5-flash-lite", contents: "hi", config: { presencePenalty: 0.5 } }).catch((e: unknown) => e);
    assert.equal((penalty as ApiError).status, 400, "a 3.x model refuses a penalty");
  });

  test("a shut-down model answers 404 NOT_FOUND as the real API words it, models.get included, and is not listed", async () => {
    for (const call of [
      () => ai.models.get({ model: "gemini-2.5-flash" }),
      () => ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi" }),
      () => ai.models.generateContent({ model: "gemini-2.5-pro", contents: "hi" }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      assert.equal((err as ApiError).status, 404);
      assert.equal(errorJson(err).error.status, "NOT_FOUND");
      assert.match(errorJson(err).error.message, /^This model models\/gemini-2\.5-(flash|pro) is no longer available\. Please update your code to use a newer model/);
    }
    const listed: string[] = [];
    for await (const model of await ai.models.list()) listed.push(model.name ?? "");
    assert.ok(listed.includes("models/gemini-3.5-flash-lite"));
    assert.ok(!listed.includes("models/gemini-2.5-flash"));
  });

  test("thinking tokens count against maxOutputTokens: a cap the thinking uses up gives MAX_TOKENS and no text", async () => {
    const ask = async (maxOutputTokens: number) => {
      const chunks = [];
      const stream = await ai.models.generateContentStream({
        model: "gemini-3.8-flash",
        contents: PROMPT,
        config: { maxOutputTokens, thinkingConfig: { thinkingLevel: "low" as never } },
      });
      for await (const chunk of stream) chunks.push(chunk);
      return { text: chunks.map((c) => c.text ?? "").join(""), last: chunks.at(-1)! };
    };
    const starved = await ask(64);
    assert.equal(starved.text, "");
    assert.equal(starved.last.candidates?.[0]?.finishReason, "MAX_TOKENS");
    assert.equal(starved.last.usageMetadata?.thoughtsTokenCount, 64);
    const roomy = await ask(64 + 8_192);
    assert.match(roomy.text, /deploy the backend/);
    assert.equal(roomy.last.candidates?.[0]?.finishReason, "STOP");
  });
});

describe("gemini emulator routing a retired name", { timeout: 10_000 }, () => {
  test("answers with the other model's modelVersion, as Google does for a name it routes", async () => {
    const gemini = await startGeminiEmulator({ routedModels: { "gemini-3.7-flash": "gemini-3.8-flash" } });
    try {
      const ai = new GoogleGenAI({ apiKey: gemini.apiKey, httpOptions: { baseUrl: gemini.url } });
      const answer = await ai.models.generateContent({ model: "gemini-3.7-flash", contents: "hi" });
      assert.equal(answer.modelVersion, "gemini-3.8-flash");
      assert.equal((await ai.models.get({ model: "gemini-3.7-flash" })).name, "models/gemini-3.7-flash");
    } finally {
      await gemini.close();
    }
  });
});

describe("gemini emulator close()", { timeout: 10_000 }, () => {
  test("ends a hanging connection so nothing waits forever", async () => {
    const gemini = await startGeminiEmulator();
    gemini.setFault({ kind: "hang" });
    const pending = fetch(`${gemini.url}/v1beta/models/gemini-2.5-flash-lite:generateContent`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": gemini.apiKey },
      body: JSON.stringify({ contents: [{ parts: [{ text: "x" }] }] }),
      signal: AbortSignal.timeout(8_000),
    });
    await waitFor(() => gemini.requests.length === 1, 2_000, "the request to arrive");
    const started = Date.now();
    await gemini.close();
    await assert.rejects(pending);
    assert.ok(Date.now() - started < 2_000);
    assert.equal(gemini.requests[0]!.aborted, false, "closed by the emulator, not by the client");
  });
});
