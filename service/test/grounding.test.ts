import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pageTitle } from "../src/book/page-title.ts";
import { sourceHeading } from "../src/chat/source-heading.ts";
import { defaultRelevanceThreshold, loadConfig } from "../src/config.ts";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import type { GenerationRequest } from "../src/answer/answer-generator.ts";
import { answerOf, chat, recordingGenerator, startTestApp, type TestApp } from "./support/harness.ts";

describe("source headings", () => {
  it("a generic or one-letter heading, or none, carries its page's title", () => {
    assert.equal(sourceHeading("docs/04-operations/02-deploying.md", ["Run pulumi up"]), "Run pulumi up");
    assert.equal(sourceHeading("docs/04-operations/02-deploying.md", ["Overview"]), "Deploying > Overview");
    assert.equal(sourceHeading("docs/glossary.md", ["B", "Backoff"]), "Glossary > B > Backoff");
    assert.equal(sourceHeading("docs/03-using-the-api/01-chat-api.md", []), "Chat api");
    assert.equal(pageTitle("docs/02-configuration/index.mdx"), "Configuration");
  });

  it("the relevance threshold has a default per embedding model, and RELEVANCE_THRESHOLD overrides it", () => {
    assert.equal(loadConfig({}).relevanceThreshold, defaultRelevanceThreshold("local-hash-v1"));
    assert.equal(loadConfig({ RELEVANCE_THRESHOLD: "0.3" }).relevanceThreshold, 0.3);
    assert.throws(() => loadConfig({ RELEVANCE_THRESHOLD: "2" }), /RELEVANCE_THRESHOLD must be from -1 to 1/);
  });
});

describe("grounded or silent, through the chat API", () => {
  let app: TestApp;
  let dir: string;
  let recorded: GenerationRequest[] = [];
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "docs-chat-grounding-"));
    await mkdir(path.join(dir, "docs"));
    // One long section: the chunker cuts it in several chunks under one heading.
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} on sourdough: feed the starter with flour and water, let the dough rise overnight, and bake it hot in a covered pot until the crust is dark.`);
    await writeFile(path.join(dir, "docs/bread.md"), `# Bread\n\n## Overview\n\n${paragraphs.join("\n\n")}\n`);
    await writeFile(path.join(dir, "docs/boats.md"), "# Boats\n\n## Sails\n\nA sloop has one mast and two sails; reef the mainsail in strong wind.\n");
    const { generator, asked: requests } = recordingGenerator();
    recorded = requests;
    app = await startTestApp({ env: { SAMPLE_DOCS_DIR: dir }, overrides: { db: await createPgliteDatabase(undefined), generator } });
  });
  after(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("one section is one passage and one source, numbered alike, and a generic heading names its page", async () => {
    const { events } = await chat(app.url, { message: "How do I bake sourdough bread with a starter?" });
    const sources = events.at(-1)!.sources as Array<{ file: string; heading: string }>;
    assert.deepEqual(sources[0], { ...sources[0], file: "docs/bread.md", heading: "Bread > Overview" });
    assert.equal(new Set(sources.map((s) => `${s.file} ${s.heading}`)).size, sources.length, JSON.stringify(sources));
    // The answer cites passage [n] and the reader's list shows source n: the same section.
    const { passages } = recorded.at(-1)!;
    assert.deepEqual(passages.map((p) => p.payload.file_path), sources.map((s) => s.file));
    // The section's chunks found apart are one passage, in the page's order.
    const bread = passages[0]!.payload.content;
    assert.ok(bread.indexOf("Paragraph 0 ") < bread.indexOf("Paragraph 11 "), "the whole section, first paragraph first");
  });

  it("a question the book does not cover gets a plain answer saying so, and done with no sources", async () => {
    const { events } = await chat(app.url, { message: "What is the capital of France?" });
    assert.match(answerOf(events), /does not seem to cover this/);
    const done = events.at(-1)!;
    assert.equal(done.type, "done");
    assert.deepEqual(done.sources, []);
  });
});

describe("silent on a real book: plainly unrelated questions find nothing", () => {
  let app: TestApp;
  before(async () => {
    // undici's docs (42 pages, from the service's lockfile): hashed, "the capital of France"
    // met a passage at 0.26 by bucket collisions alone, above any answerable question's floor.
    app = await startTestApp({ env: { SAMPLE_DOCS_DIR: path.resolve(import.meta.dirname, "../node_modules/undici/docs/docs") }, overrides: { db: await createPgliteDatabase(undefined) } });
  });
  after(() => app.close());

  it("answers from the book what it covers, and from no passage what it does not", async () => {
    const covered = await chat(app.url, { message: "How do I connect through a SOCKS5 proxy?" });
    assert.ok((covered.events.at(-1)!.sources as Array<{ file: string }>).some((s) => s.file === "docs/api/Socks5ProxyAgent.md"));
    for (const message of ["What is the capital of France?", "How do I bake sourdough bread?", "Who wrote Pride and Prejudice?", "How many players are on a football team?"]) {
      const { events } = await chat(app.url, { message });
      assert.deepEqual(events.at(-1)!.sources, [], message);
    }
  });
});

