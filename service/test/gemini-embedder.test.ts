import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { GeminiEmbedder, type GeminiEmbedderOptions } from "../src/gemini/embedder.ts";
import { AppError } from "../src/errors.ts";

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
type BatchBody = { requests: Array<{ taskType?: string; outputDimensionality?: number; content: { parts: Array<{ text: string }> } }> };

describe("GeminiEmbedder against the Gemini emulator", () => {
  let gemini: GeminiEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());

  const make = (options: Partial<GeminiEmbedderOptions> = {}) =>
    new GeminiEmbedder({ apiKey: gemini.apiKey, baseUrl: gemini.url, baseDelayMs: 10, ...options });
  const embedCalls = () => gemini.requests.filter((r) => r.kind === "embed");

  it("sends batches of at most 100 texts with the task type and size, and keeps the order", async () => {
    const texts = Array.from({ length: 250 }, (_, i) => `Chunk number ${i} about topic ${i % 7}.`);
    const vectors = await make().embed(texts, "RETRIEVAL_DOCUMENT");
    assert.equal(vectors.length, 250);

    const calls = embedCalls();
    assert.deepEqual(
      calls.map((r) => (r.body as BatchBody).requests.length).sort((a, b) => b - a),
      [100, 100, 50],
    );
    for (const call of calls) {
      assert.match(call.path, /\/models\/gemini-embedding-001:batchEmbedContents$/);
      for (const request of (call.body as BatchBody).requests) {
        assert.equal(request.taskType, "RETRIEVAL_DOCUMENT");
        assert.equal(request.outputDimensionality, 768);
      }
    }
    // Vector i belongs to text i, whatever order the batches came back in.
    const [alone] = await make().embed([texts[137]!], "RETRIEVAL_DOCUMENT");
    assert.deepEqual(vectors[137], alone);
    assert.notDeepEqual(vectors[136], alone);
  });

  it("normalises the truncated 768-d vectors Gemini returns to unit length", async () => {
    const vectors = await make().embed(["How do I deploy with pulumi up?", "Vector stores"], "RETRIEVAL_QUERY");
    for (const v of vectors) {
      assert.equal(v.length, 768);
      assert.ok(Math.abs(norm(v) - 1) < 1e-6, `norm ${norm(v)}`);
    }
    assert.equal((embedCalls()[0]!.body as BatchBody).requests[0]!.taskType, "RETRIEVAL_QUERY");
  });

  it("keeps at most `concurrency` batches in flight", async () => {
    await gemini.setFault({ kind: "slow", delayMs: 150, route: "embed" });
    const started = performance.now();
    await make({ concurrency: 2, batchSize: 10 }).embed(Array.from({ length: 40 }, (_, i) => `t${i}`), "RETRIEVAL_DOCUMENT");
    const elapsed = performance.now() - started;
    assert.equal(embedCalls().length, 4);
    // Four slow batches two at a time take two rounds; four at once would take one.
    assert.ok(elapsed >= 290, `took ${elapsed} ms`);
  });

  it("waits as long as a 429's RetryInfo asks, then succeeds", async () => {
    gemini.setFault({ kind: "status", status: 429, retryAfter: 1, route: "embed", times: 1 });
    const started = performance.now();
    const vectors = await make().embed(["one", "two"], "RETRIEVAL_DOCUMENT");
    const elapsed = performance.now() - started;
    assert.equal(vectors.length, 2);
    assert.deepEqual(
      embedCalls().map((r) => r.status),
      [429, 200],
    );
    assert.ok(elapsed >= 1_000, `retried after ${elapsed} ms, before the 1 s the server asked for`);
  });

  it("retries 5xx with exponential backoff", async () => {
    gemini.setFault({ kind: "status", status: 500, route: "embed", times: 2 });
    const started = performance.now();
    await make({ baseDelayMs: 100 }).embed(["text"], "RETRIEVAL_DOCUMENT");
    assert.deepEqual(
      embedCalls().map((r) => r.status),
      [500, 500, 200],
    );
    // Waits of 50-100 ms then 100-200 ms.
    assert.ok(performance.now() - started >= 150);
  });

  it("gives up after maxAttempts: quota_exceeded for 429, upstream_error for 5xx", async () => {
    gemini.setFault({ kind: "status", status: 429, retryAfter: null, route: "embed" });
    await assert.rejects(make({ maxAttempts: 3 }).embed(["text"], "RETRIEVAL_DOCUMENT"), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, "quota_exceeded");
      assert.equal(err.status, 429);
      return true;
    });
    assert.equal(embedCalls().length, 3);

    gemini.reset();
    gemini.setFault({ kind: "status", status: 503, route: "embed" });
    await assert.rejects(make({ maxAttempts: 2 }).embed(["text"], "RETRIEVAL_DOCUMENT"), { code: "upstream_error", status: 502 });
    assert.equal(embedCalls().length, 2);
  });

  it("does not retry a request Gemini refuses (400, bad key)", async () => {
    gemini.setFault({ kind: "status", status: 400, route: "embed" });
    await assert.rejects(make().embed(["text"], "RETRIEVAL_DOCUMENT"), { code: "upstream_error" });
    assert.equal(embedCalls().length, 1);

    gemini.reset();
    const wrongKey = "wrong-key-123456";
    await assert.rejects(make({ apiKey: wrongKey }).embed(["text"], "RETRIEVAL_DOCUMENT"), (err: Error & { code?: string }) => {
      assert.equal(err.code, "upstream_error");
      assert.doesNotMatch(err.message, new RegExp(wrongKey));
      return true;
    });
    assert.equal(embedCalls().length, 1);
  });

  it("reports a long server-requested wait at once instead of sleeping through it", async () => {
    gemini.setFault({ kind: "status", status: 429, retryAfter: 120, route: "embed" });
    const started = performance.now();
    await assert.rejects(make({ maxDelayMs: 5_000 }).embed(["text"], "RETRIEVAL_QUERY"), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, "quota_exceeded");
      assert.equal(err.retryAfter, 120);
      return true;
    });
    assert.ok(performance.now() - started < 2_000);
    assert.equal(embedCalls().length, 1);
  });

  it("stops on abort, during a request and during a retry wait", async () => {
    gemini.setFault({ kind: "hang", route: "embed" });
    const inFlight = new AbortController();
    setTimeout(() => inFlight.abort(), 100);
    await assert.rejects(make().embed(["text"], "RETRIEVAL_QUERY", inFlight.signal), { name: "AbortError" });
    await waitFor(() => embedCalls()[0]?.aborted === true);

    gemini.reset();
    gemini.setFault({ kind: "status", status: 429, retryAfter: 30, route: "embed" });
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 100);
    const started = performance.now();
    await assert.rejects(make({ maxDelayMs: 60_000 }).embed(["text"], "RETRIEVAL_QUERY", waiting.signal), { name: "AbortError" });
    assert.ok(performance.now() - started < 2_000);
    assert.equal(embedCalls().length, 1);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
