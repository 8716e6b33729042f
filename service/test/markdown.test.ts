import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseDoc, type ParsedDoc } from "../src/ingest/markdown.ts";

const textOf = (doc: ParsedDoc) => doc.sections.flatMap((s) => s.blocks.map((b) => b.text)).join("\n\n");

describe("parseDoc", () => {
  it("reads the front matter and keeps the H1 out of the heading paths", () => {
    const doc = parseDoc(
      ["---", "title: Setting up", "slug: /setup", "id: setup-page", "sidebar_label: Setup", "tags: [a]", "---", "", "# Big title", "", "Intro text.", "", "## Install", "", "Run it."].join("\n"),
      { mdx: false },
    );
    assert.deepEqual(doc.frontMatter, { title: "Setting up", slug: "/setup", id: "setup-page", sidebar_label: "Setup" });
    assert.equal(doc.title, "Setting up");
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [[], ["Install"]],
    );
    assert.doesNotMatch(textOf(doc), /Big title|title: Setting up/);
  });

  it("takes the title from the H1 when front matter has none; a sidebar label is not the page's title", () => {
    assert.equal(parseDoc("# From the heading\n\nText.", { mdx: false }).title, "From the heading");
    assert.equal(parseDoc("# From the heading {#top}\n\nText.", { mdx: true }).title, "From the heading");
    assert.equal(parseDoc("---\nsidebar_label: Label\n---\n\nText.", { mdx: false }).title, undefined);
    assert.equal(parseDoc("Text only.", { mdx: false }).title, undefined);
  });

  it("keys sections by their H2 and H3 headings; H4 stays inside its section", () => {
    const doc = parseDoc(
      ["Before.", "## One", "a", "### One.A", "b", "#### Deep", "c", "### One.B", "d", "## Two", "e", "### Two.A `code` *em*", "f"].join("\n\n"),
      { mdx: false },
    );
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [[], ["One"], ["One", "One.A"], ["One", "One.B"], ["Two"], ["Two", "Two.A code em"]],
    );
    const oneA = doc.sections[2]!;
    assert.deepEqual(
      oneA.blocks.map((b) => b.text),
      ["### One.A", "b", "#### Deep", "c"],
    );
  });

  it("skips a heading with no text of its own and strips custom heading ids", () => {
    const doc = parseDoc("## Empty {#empty}\n\n### Child {#child}\n\nText.", { mdx: true });
    assert.deepEqual(
      doc.sections.map((s) => s.headingPath),
      [["Empty", "Child"]],
    );
    assert.equal(doc.sections[0]!.blocks[0]!.text, "### Child");
  });

  it("keeps code blocks whole, as written, fence and blank lines included", () => {
    const code = "```ts\nconst a = 1;\n\n\nconst b = 2; // two\n```";
    const doc = parseDoc(`## Code\n\nBefore.\n\n${code}\n\nAfter.`, { mdx: false });
    const blocks = doc.sections[0]!.blocks;
    assert.deepEqual(
      blocks.map((b) => [b.kind, b.text]),
      [
        ["text", "## Code"],
        ["text", "Before."],
        ["code", code],
        ["text", "After."],
      ],
    );
  });

  it("strips MDX imports, exports, expressions and JSX tags but keeps the markdown inside", () => {
    const source = [
      "---",
      "title: Tabs",
      "---",
      "import Tabs from '@theme/Tabs';",
      "import TabItem from '@theme/TabItem';",
      "export const version = '1.0';",
      "",
      "Intro with <b>bold words</b> and {version}.",
      "",
      "## Install",
      "",
      "<Tabs>",
      "  <TabItem value=\"npm\" label=\"npm\">",
      "",
      "  Use **npm** here.",
      "",
      "  ```bash",
      "  npm install",
      "    --save-dev",
      "  ```",
      "",
      "  </TabItem>",
      "</Tabs>",
      "",
      "<Badge text=\"new\" />",
    ].join("\n");
    const doc = parseDoc(source, { mdx: true });
    const all = textOf(doc);
    assert.doesNotMatch(all, /import|export|<|>|\{version\}|TabItem/);
    assert.match(all, /Intro with bold words and/);
    const install = doc.sections.find((s) => s.headingPath[0] === "Install")!;
    assert.deepEqual(
      install.blocks.map((b) => [b.kind, b.text]),
      [
        ["text", "## Install"],
        ["text", "Use **npm** here."],
        ["code", "```bash\nnpm install\n  --save-dev\n```"],
      ],
    );
  });

  it("keeps admonitions as text with a plain label", () => {
    const doc = parseDoc(":::tip Pro tip\nIngest twice: nothing changes.\n:::\n\n:::warning\n\nMind the quota.\n\n:::", { mdx: false });
    assert.equal(textOf(doc), "Tip: Pro tip\nIngest twice: nothing changes.\n\nWarning:\n\nMind the quota.");
  });

  it("cuts lists into items, marking the items that hold code", () => {
    const doc = parseDoc("- first\n- second\n\n  ```sh\n  run\n  ```\n- third", { mdx: false });
    assert.deepEqual(
      doc.sections[0]!.blocks.map((b) => [b.kind, b.text, b.tight ?? false]),
      [
        ["text", "- first", false],
        ["code", "- second\n\n  ```sh\n  run\n  ```", true],
        ["text", "- third", true],
      ],
    );
  });

  it("parses .md leniently (HTML and braces are text) and reports invalid MDX with the file and line", () => {
    const md = parseDoc("Some {braces} and <span>html</span>.\n\n<!-- a comment -->\n\n<div>\nBlock html\n</div>", { mdx: false });
    assert.equal(textOf(md), "Some {braces} and html.\n\nBlock html");
    assert.throws(() => parseDoc("Line one.\n\nA {broken expression", { mdx: true, file: "docs/x.mdx" }), (err: Error & { code?: string }) => {
      assert.equal(err.code, "invalid_request");
      assert.match(err.message, /docs\/x\.mdx: not valid MDX at line 3/);
      return true;
    });
  });

  it("reports invalid front matter", () => {
    assert.throws(() => parseDoc("---\ntitle: [unclosed\n---\n\nText.", { mdx: false, file: "docs/y.md" }), /docs\/y\.md: invalid front matter/);
  });
});
