// The embedded answerer quotes passages as well-formed Markdown: read back with a Markdown
// parser, the answer holds one blockquote per passage, each after its [n], lists still lists,
// and no heading of a passage inlined as a heading of the answer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import remarkGfm from "remark-gfm";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { ExtractiveGenerator } from "../src/answer/extractive-generator.ts";
import type { SearchHit } from "../src/retrieval/vector-store.ts";

interface Node {
  type: string;
  value?: string;
  children?: Node[];
}

const passage = (file: string, headingPath: string[], content: string, title?: string): SearchHit => ({
  id: file,
  score: 0.5,
  payload: { file_path: file, heading_path: headingPath, section_depth: headingPath.length, content, token_count: 10, ...(title ? { title } : {}) },
});

async function answer(question: string, passages: SearchHit[]): Promise<string> {
  let text = "";
  await new ExtractiveGenerator().stream({ mode: "general", question, history: [], passages }, new AbortController().signal, (piece) => (text += piece));
  return text;
}

const nodes = (tree: Node, type: string): Node[] => [...(tree.type === type ? [tree] : []), ...(tree.children ?? []).flatMap((c) => nodes(c, type))];
const textOf = (node: Node): string => node.value ?? (node.children ?? []).map(textOf).join("");

describe("the extractive answerer's Markdown", () => {
  it("quotes each passage as a blockquote after its [n], lists kept, headings not inlined", async () => {
    const text = await answer("Which command and flags run the ingest of the book docs?", [
      passage(
        "docs/ops/ingest.md",
        ["Ingest", "Flags"],
        [
          "### Flags",
          "The ingest takes a few flags.",
          "- `--docs` names the book's folder to ingest\n- `--batch` sets the embed batch\n  of the ingest\n- `--dry-run` ingests nothing",
          "#### Deeper",
          "Run the ingest again after an edit: only changed pages are embedded.",
          "```bash\nnpm run ingest -- --docs book/docs\n# a comment, not a heading\n```",
        ].join("\n\n"),
        "Operations guide",
      ),
      passage("docs/intro.md", [], "The book explains how to ingest pages.\nA second line of the same paragraph."),
      passage("docs/ops/other.md", ["Other"], "## Other\n\nNothing about it here, but a paragraph all the same."),
      passage("docs/ops/fourth.md", ["Fourth"], "Quoted only up to three passages."),
    ]);
    assert.match(text, /^No LLM key is set/);
    const tree = unified().use(remarkParse).use(remarkGfm).parse(text) as Node;
    assert.deepEqual(nodes(tree, "heading"), [], "no passage heading became a heading of the answer");
    const top = tree.children!;
    const quotes = top.filter((n) => n.type === "blockquote");
    assert.equal(quotes.length, 3, "one quote per passage, at most three");
    // Each quote follows the paragraph naming its source and number.
    const labels = top.flatMap((n, i) => (n.type === "blockquote" ? [textOf(top[i - 1]!)] : []));
    assert.deepEqual(labels, ["From Operations guide › Flags [1]:", "From Intro [2]:", "From Other › Other [3]:"]);
    const lists = nodes(quotes[0]!, "list");
    assert.equal(lists.length, 1, "the list is still a list");
    assert.equal(lists[0]!.children!.length, 3);
    assert.match(textOf(lists[0]!.children![1]!), /sets the embed batch\s+of the ingest/, "an item keeps its continuation line");
    const code = nodes(quotes[0]!, "code");
    assert.deepEqual(code.map((c) => c.value), ["npm run ingest -- --docs book/docs\n# a comment, not a heading"]);
    assert.doesNotMatch(text, /^#{1,6} /m, "no heading line outside code");
    assert.match(textOf(quotes[1]!), /explains how to ingest pages\.\s+A second line/);
  });

  it("a long list is cut to its best items and stays a list; a long paragraph to its best sentences", async () => {
    const items = Array.from({ length: 12 }, (_, i) => `- item ${i}${i === 9 ? " about quotas and limits" : ""}`).join("\n");
    const sentences = Array.from({ length: 12 }, (_, i) => `Sentence ${i} says little.`).join(" ");
    const long = `${sentences} The quota resets every minute. ${sentences}`;
    const text = await answer("What are the quota limits?", [passage("docs/limits.md", ["Limits"], `${items}\n\n${long}`)]);
    const tree = unified().use(remarkParse).use(remarkGfm).parse(text) as Node;
    const [list] = nodes(tree, "list");
    assert.ok(list && list.children!.length <= 6 && list.children!.length > 0, text);
    assert.ok(list.children!.some((item) => /quotas and limits/.test(textOf(item))));
    assert.match(text, /The quota resets every minute\./);
    assert.ok(text.length < 1_500, `${text.length} characters`);
  });
});
