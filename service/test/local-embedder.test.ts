import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCAL_EMBEDDING_MODEL } from "../src/config.ts";
import { LocalEmbedder, stem, termsOf } from "../src/embeddings/local-embedder.ts";

const dot = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));

describe("LocalEmbedder", () => {
  const embedder = new LocalEmbedder({ dimensions: 768 });

  it("names the model of config.ts and makes unit vectors of the configured size", async () => {
    assert.equal(embedder.model, LOCAL_EMBEDDING_MODEL);
    const vectors = await embedder.embed(["Deploy the Space with pulumi up.", "x", "What is it?", "!!!"], "RETRIEVAL_DOCUMENT");
    assert.equal(vectors.length, 4);
    for (const v of vectors) {
      assert.equal(v.length, 768);
      assert.ok(Math.abs(norm(v) - 1) < 1e-9, `norm ${norm(v)}`);
    }
    assert.equal((await new LocalEmbedder({ dimensions: 64 }).embed(["hello"], "RETRIEVAL_QUERY"))[0]!.length, 64);
  });

  it("is deterministic across instances, and queries and documents share one space", async () => {
    const text = "How do I configure ALLOWED_ORIGINS for Vercel previews?";
    const [a] = await embedder.embed([text], "RETRIEVAL_QUERY");
    const [b] = await new LocalEmbedder({ dimensions: 768 }).embed([text], "RETRIEVAL_DOCUMENT");
    assert.deepEqual(a, b);
  });

  it("ranks the passage about the question's topic above unrelated ones", async () => {
    const passages = [
      "Run pulumi up to create the Hugging Face Space, set its secrets and point Vercel at it.",
      "POST /api/chat streams Server-Sent Events: metadata, token events, then done with sources.",
      "The ingest splits each page into chunks by heading and embeds them in batches.",
    ];
    const docs = await embedder.embed(passages, "RETRIEVAL_DOCUMENT");
    const cases: Array<[string, number]> = [
      ["How do I deploy the Space with Pulumi?", 0],
      ["Which events does the chat stream send?", 1],
      ["How are pages chunked and embedded?", 2],
    ];
    for (const [question, expected] of cases) {
      const [q] = await embedder.embed([question], "RETRIEVAL_QUERY");
      const scores = docs.map((d) => dot(q!, d));
      const best = scores.indexOf(Math.max(...scores));
      assert.equal(best, expected, `${question}: ${scores.map((s) => s.toFixed(3)).join(", ")}`);
    }
  });

  it("word order matters through bigrams", async () => {
    const [a, b, c] = await embedder.embed(["vector store settings", "store vector settings", "vector store settings"], "RETRIEVAL_QUERY");
    assert.ok(dot(a!, b!) < 0.999, "different order, different vector");
    assert.ok(dot(a!, b!) > 0.5, "same words, similar vector");
    assert.deepEqual(a, c);
  });

  it("lower-cases, drops stop words, stems lightly and splits identifiers", () => {
    assert.deepEqual(termsOf("The Chunks are being CHUNKED"), ["chunk", "chunk"]);
    assert.deepEqual(termsOf("GEMINI_API_KEY"), ["gemini_api_key", "gemini", "api", "key"]);
    assert.equal(stem("queries"), "query");
    assert.equal(stem("embedding"), "embed");
    assert.equal(stem("running"), "run");
    assert.equal(stem("status"), "status");
    assert.equal(stem("uses"), "use");
  });

  it("gives a question made only of stop words a direction", async () => {
    const [v] = await embedder.embed(["what is it?"], "RETRIEVAL_QUERY");
    assert.ok(Math.abs(norm(v!) - 1) < 1e-9);
  });

  it("says its similarity exactly, on the words: none in common is 0, whatever the hashed vectors' collisions", async () => {
    // Many distinct words fill most of the 768 buckets: the hashed vectors meet by chance.
    const passage = Array.from({ length: 600 }, (_, i) => `term${i}`).join(" ");
    const query = "What is the capital of France?";
    const [q, p] = await embedder.embed([query, passage], "RETRIEVAL_QUERY");
    assert.notEqual(dot(q!, p!), 0, "the hashed vectors collide");
    const [unrelated, related, same] = embedder.exactSimilarity(query, [passage, "Paris is the capital of France.", query]);
    assert.equal(unrelated, 0);
    assert.ok(related! > 0.5 && related! < 1, String(related));
    assert.ok(Math.abs(same! - 1) < 1e-9);
  });

  it("rejects an aborted signal and a bad size", async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(embedder.embed(["x"], "RETRIEVAL_QUERY", controller.signal), { name: "AbortError" });
    assert.throws(() => new LocalEmbedder({ dimensions: 0 }), RangeError);
  });
});
