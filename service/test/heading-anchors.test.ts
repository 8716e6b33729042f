// Sources land on their section: each chunk's anchor is the id Docusaurus gives its heading.
// Checked against expectations, and, where the Docusaurus test site is installed (.ci/run),
// against Docusaurus' own headings plugin on the same pages.
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import remarkMdx from "remark-mdx";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { siteMissing, SITE_INSTALL } from "../../test/browser/docusaurus-site.ts";
import { escapeMarkdownHeadingIds, headingIds } from "../src/book/heading-ids.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import { chunkSections } from "../src/ingest/chunker.ts";
import { parseDoc } from "../src/ingest/markdown.ts";
import { chat, startTestApp, type TestApp } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

/** A page with what makes heading ids hard: repeats (H1 and H4 count), custom ids, JSX, markup. */
const TRICKY = [
  "---",
  "title: Setup guide",
  "---",
  "",
  "# Setup",
  "Intro.",
  "## Setup",
  "First setup section.",
  "### Install it",
  "Install text.",
  "#### Setup",
  "A deep heading counts too.",
  "## Setup",
  "Second setup section.",
  "## Configure the store {#custom-store}",
  "Custom id.",
  "## Configure the store",
  "Same words, no custom id.",
  "<details>",
  "",
  "## Inside a component",
  "",
  "Text inside.",
  "",
  "</details>",
  "",
  "## Use `npm` & *friends*!",
  "Markup.",
  "## Setup",
  "Third.",
].join("\n\n");

describe("section anchors", () => {
  it("follow Docusaurus' ids: one slugger per page, repeats numbered, custom ids as written", () => {
    const doc = parseDoc(TRICKY, { mdx: true });
    assert.equal(doc.title, "Setup guide");
    assert.deepEqual(
      doc.sections.map((s) => [s.headingPath.join(" > "), s.anchor]),
      [
        ["", undefined],
        ["Setup", "setup-1"],
        ["Setup > Install it", "install-it"],
        // `#### Setup` took setup-2.
        ["Setup", "setup-3"],
        ["Configure the store", "custom-store"],
        ["Configure the store", "configure-the-store"],
        ["Inside a component", "inside-a-component"],
        ["Use npm & friends!", "use-npm--friends"],
        ["Setup", "setup-4"],
      ],
    );
    assert.doesNotMatch(doc.sections.map((s) => s.blocks.map((b) => b.text).join("\n")).join("\n"), /\{#|custom-store/);
  });

  it("a heading's sections keep its anchor in every chunk; text above the first H2 has none", () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence ${i} about the vector store and its settings.`).join(" ");
    const chunks = chunkSections(parseDoc(`Intro.\n\n## Store {#store}\n\n${long}\n\n${long}`, { mdx: false }).sections, { maxTokens: 200 });
    assert.ok(chunks.length > 2);
    assert.deepEqual([...new Set(chunks.map((c) => c.anchor))], [undefined, "store"]);
    assert.equal(chunks[0]!.anchor, undefined);
  });

  it("a .md page reads `{#id}` as Docusaurus does", () => {
    const doc = parseDoc("## Hello {#hi}\n\nText.\n\n## Hello\n\nMore.", { mdx: false });
    assert.deepEqual(doc.sections.map((s) => s.anchor), ["hi", "hello"]);
  });
});

describe("sources through the chat API", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { DOCS_BASE_URL: "https://book.example.com" }, overrides: { db: await createPgliteDatabase(undefined) } });
    await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store, book: app.deps.config });
  });
  after(() => app.close());

  type Source = { file: string; heading: string; url: string; title: string; anchor?: string };

  it("each source names its page's title and links to its section; the conversation keeps them", async () => {
    const { events } = await chat(app.url, { message: "How do I switch between Qdrant and pgvector stores?" });
    const sources = events.at(-1)!.sources as Source[];
    const switching = sources.find((s) => s.heading === "Switching stores");
    assert.deepEqual(switching && { ...switching, similarity: 0 }, {
      file: "docs/02-configuration/02-vector-stores.mdx",
      heading: "Switching stores",
      similarity: 0,
      url: "https://book.example.com/docs/configuration/vector-stores#switching-stores",
      title: "Choosing a vector store",
      anchor: "switching-stores",
    });
    for (const source of sources) {
      assert.ok(source.title.length > 0);
      if (source.anchor) assert.ok(source.url.endsWith(`#${source.anchor}`), source.url);
    }
    const stored = (await (await fetch(`${app.url}/api/conversation/${events[0]!.conversation_id as string}`)).json()) as { messages: Array<{ sources: Source[] | null }> };
    assert.deepEqual(stored.messages[1]!.sources, sources);
  });

  it("a passage ingested before anchors links to its page, titled from its file name", async () => {
    const [vector] = await app.deps.embedder.embed(["Where are the lighthouse keeper's logbooks archived?"], "RETRIEVAL_DOCUMENT");
    await app.deps.store.upsert([
      {
        id: "1b0d7e7e-3c52-4a8e-8d7c-2f1f8f0e0a09",
        vector: vector!,
        payload: {
          file_path: "docs/05-archive/02-lighthouse-logbooks.md",
          heading_path: ["Where the logbooks are"],
          section_depth: 1,
          content: "The lighthouse keeper's logbooks are archived in the harbour office.",
          token_count: 12,
        },
      },
    ]);
    const { events } = await chat(app.url, { message: "Where are the lighthouse keeper's logbooks archived?" });
    const legacy = (events.at(-1)!.sources as Source[]).find((s) => s.file === "docs/05-archive/02-lighthouse-logbooks.md");
    assert.ok(legacy, JSON.stringify(events.at(-1)));
    assert.equal(legacy.url, "https://book.example.com/docs/archive/lighthouse-logbooks");
    assert.equal(legacy.title, "Lighthouse logbooks");
    assert.equal("anchor" in legacy, false);
  });
});

const site = siteMissing();

describe("section anchors against Docusaurus' own headings plugin", { skip: process.env.CI ? false : (site ?? false) }, () => {
  it("gives every heading of the sample book and of a tricky page the id Docusaurus gives it", async () => {
    assert.equal(site, undefined, `CI installs the Docusaurus test site: ${site}`);
    const docusaurus = await docusaurusHeadingIds();
    const pages: Array<[string, string]> = [["tricky.mdx", TRICKY]];
    for (const file of await readdir(path.join(SAMPLE_DOCS, "docs"), { recursive: true })) {
      if (/\.mdx?$/.test(file)) pages.push([file, await readFile(path.join(SAMPLE_DOCS, "docs", file), "utf8")]);
    }
    assert.ok(pages.length >= 10);
    for (const [file, source] of pages) {
      const body = source.replace(/^---\n[\s\S]*?\n---\n/, "");
      const ours = [...headingIds(unified().use(remarkParse).use(remarkMdx).parse(escapeMarkdownHeadingIds(body))).values()];
      const theirs = await docusaurus(body);
      assert.ok(theirs.length > 0, file);
      assert.deepEqual(ours, theirs, file);
    }
  });
});

/** Docusaurus 3's headings plugin (@docusaurus/mdx-loader) on a page, as its loader prepares it: the ids in order. */
async function docusaurusHeadingIds(): Promise<(body: string) => Promise<string[]>> {
  const modules = path.join(SITE_INSTALL, "node_modules");
  const require = createRequire(path.join(modules, "index.js"));
  const load = async (name: string) => (await import(pathToFileURL(require.resolve(name)).href)) as Record<string, unknown>;
  const { unified: siteUnified } = (await load("unified")) as { unified: typeof unified };
  const siteParse = (await load("remark-parse")).default;
  const siteMdx = (await load("remark-mdx")).default;
  const headings = (require("@docusaurus/mdx-loader/lib/remark/headings/index.js") as { default: unknown }).default;
  const utils = require("@docusaurus/utils") as { escapeMarkdownHeadingIds(content: string): string };
  return async (body) => {
    const processor = siteUnified()
      .use(siteParse as never)
      .use(siteMdx as never)
      .use(headings as never, { anchorsMaintainCase: false });
    const tree = (await processor.run(processor.parse(utils.escapeMarkdownHeadingIds(body)))) as unknown as Node;
    const ids: string[] = [];
    const visit = (node: Node) => {
      if (node.type === "heading") ids.push(String(node.data?.id));
      for (const child of node.children ?? []) visit(child);
    };
    visit(tree);
    return ids;
  };
}

interface Node {
  type: string;
  data?: { id?: unknown };
  children?: Node[];
}
