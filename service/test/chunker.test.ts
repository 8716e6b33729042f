import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chunkSections, splitText } from "../src/ingest/chunker.ts";
import type { Section } from "../src/ingest/markdown.ts";
import { estimateTokens } from "../src/text/tokens.ts";

/** n distinct sentences of about 12 tokens each. */
const sentences = (n: number, tag = "s") =>
  Array.from({ length: n }, (_, i) => `Sentence ${tag}${i} explains one more detail of the service here.`);

const section = (headingPath: string[], ...blocks: Array<string | { code: string }>): Section => ({
  headingPath,
  blocks: blocks.map((b) => (typeof b === "string" ? { kind: "text" as const, text: b } : { kind: "code" as const, text: b.code })),
});

describe("chunkSections", () => {
  it("keeps a small section in one chunk, blocks joined by blank lines", () => {
    const chunks = chunkSections([section(["A"], "## A", "First paragraph.", "Second paragraph.")]);
    assert.deepEqual(chunks, [{ headingPath: ["A"], content: "## A\n\nFirst paragraph.\n\nSecond paragraph.", tokenCount: estimateTokens("## A\n\nFirst paragraph.\n\nSecond paragraph.") }]);
  });

  it("never lets a chunk cross a section, and copies the heading path", () => {
    const chunks = chunkSections([section([], "Intro."), section(["A"], "a"), section(["A", "B"], "b")]);
    assert.deepEqual(
      chunks.map((c) => [c.headingPath, c.content]),
      [
        [[], "Intro."],
        [["A"], "a"],
        [["A", "B"], "b"],
      ],
    );
  });

  it("packs paragraphs within the budget and overlaps consecutive chunks", () => {
    const paragraphs = Array.from({ length: 12 }, (_, p) => sentences(3, `p${p}-`).join(" "));
    const chunks = chunkSections([section(["Long"], ...paragraphs)], { maxTokens: 100, overlapTokens: 20 });
    assert.ok(chunks.length > 3);
    for (const chunk of chunks) assert.ok(chunk.tokenCount <= 100, `chunk of ${chunk.tokenCount} tokens`);
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]!.content;
      const current = chunks[i]!.content;
      // The next chunk starts with text that ended the previous one, at most the overlap budget long.
      const shared = [...current.split(/(?<=\.)\s+/)].filter((s) => previous.includes(s));
      assert.ok(shared.length > 0, `chunk ${i} repeats nothing of chunk ${i - 1}`);
      assert.ok(previous.endsWith(shared[shared.length - 1]!), "the overlap is the end of the previous chunk");
      assert.ok(estimateTokens(shared.join(" ")) <= 20);
    }
    // Nothing is lost: every sentence is in some chunk.
    for (const p of paragraphs) for (const s of p.split(/(?<=\.) /)) assert.ok(chunks.some((c) => c.content.includes(s)), s);
  });

  it("cuts an oversized paragraph at sentence boundaries", () => {
    const paragraph = sentences(30).join(" ");
    const chunks = chunkSections([section([], paragraph)], { maxTokens: 60, overlapTokens: 0 });
    assert.ok(chunks.length >= 6);
    for (const chunk of chunks) {
      assert.ok(chunk.tokenCount <= 60);
      assert.match(chunk.content, /^Sentence s\d+ .*here\.$/s, "starts and ends on a sentence boundary");
    }
    assert.equal(chunks.map((c) => c.content).join(" "), paragraph, "without overlap the chunks rebuild the paragraph");
  });

  it("never splits a code block: one larger than the budget is a chunk of its own", () => {
    const bigCode = "```js\n" + Array.from({ length: 80 }, (_, i) => `const line${i} = ${i};`).join("\n") + "\n```";
    const smallCode = "```sh\nnpm start\n```";
    const chunks = chunkSections([section(["Code"], "Before the code.", { code: bigCode }, "After the code.", { code: smallCode }, "The end.")], {
      maxTokens: 100,
      overlapTokens: 20,
    });
    assert.ok(estimateTokens(bigCode) > 100);
    const withBig = chunks.filter((c) => c.content.includes("const line0"));
    assert.equal(withBig.length, 1);
    assert.equal(withBig[0]!.content, bigCode, "the big block alone, unchanged");
    assert.ok(chunks.some((c) => c.content.includes(smallCode)), "the small block whole");
    assert.ok(!chunks.some((c) => c.content.includes("const line79") && c.content !== bigCode));
  });

  it("does not repeat a code block as overlap", () => {
    const code = "```sh\n" + "echo hello world\n".repeat(8) + "```";
    const chunks = chunkSections([section([], sentences(6).join(" "), { code }, sentences(6, "t").join(" "))], { maxTokens: 80, overlapTokens: 40 });
    assert.equal(chunks.filter((c) => c.content.includes("echo hello")).length, 1);
  });
});

describe("splitText", () => {
  it("prefers paragraphs, then lines, then sentences, then words, and cuts a run without spaces", () => {
    assert.deepEqual(
      splitText("Para one is here.\n\nPara two is here.", 5).map((p) => p.text),
      ["Para one is here.", "Para two is here."],
    );
    assert.deepEqual(
      splitText("line one is long\nline two is long", 5).map((p) => p.text),
      ["line one is long", "line two is long"],
    );
    const words = splitText("alpha beta gamma delta epsilon zeta eta theta", 3);
    for (const piece of words) assert.ok(estimateTokens(piece.text) <= 3, piece.text);
    const run = splitText("x".repeat(50), 4);
    assert.deepEqual(
      run.map((p) => p.text.length),
      [16, 16, 16, 2],
    );
  });
});
