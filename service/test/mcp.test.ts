// The book over the Model Context Protocol, through the SDK's own client against the app:
// the same retrieval as the chat, pages read whole, nothing stored, its own rate limit, CORS.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createPgliteDatabase } from "../src/db/pglite.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import type { BookPage as Page, FoundPassage as Passage } from "../src/mcp/book-tools.ts";
import { chat, startTestApp, type TestApp } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "docs-chat-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return client;
}

describe("MCP: the book's tools", () => {
  let app: TestApp;
  let client: Client;
  before(async () => {
    app = await startTestApp({ env: { DOCS_BASE_URL: "https://book.example.com" }, overrides: { db: await createPgliteDatabase(undefined) } });
    await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store, book: app.deps.config });
    client = await connect(app.url);
  });
  after(async () => {
    await client?.close();
    await app.close();
  });

  const rows = async () => {
    const { rows } = await app.deps.db.query<{ n: string }>(`select (select count(*) from conversations) + (select count(*) from messages) as n`);
    return Number(rows[0]!.n);
  };
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: Record<string, unknown>; content: Array<{ type: string; text: string }> };

  it("lists two read-only tools with their input schemas", async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ["read_page", "search_book"]);
    for (const tool of tools) {
      assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
      assert.ok(tool.outputSchema, tool.name);
    }
    const search = tools.find((t) => t.name === "search_book")!;
    assert.deepEqual(search.inputSchema.required, ["query"]);
    assert.ok(search.inputSchema.properties && "k" in search.inputSchema.properties);
  });

  it("search_book finds what the chat finds, with titles, headings, links to the section and text; nothing is stored", async () => {
    const question = "How do I switch between Qdrant and pgvector stores?";
    const before = await rows();
    const result = await call("search_book", { query: question });
    assert.equal(result.isError, undefined);
    const passages = result.structuredContent!.passages as Passage[];
    assert.deepEqual(JSON.parse(result.content[0]!.text), result.structuredContent, "the same as JSON text");
    assert.equal(await rows(), before, "no conversation stored");

    const { events } = await chat(app.url, { message: question });
    const sources = events.at(-1)!.sources as Array<{ file: string; heading: string; url: string; title: string; similarity: number }>;
    assert.ok(sources.length > 0);
    assert.deepEqual(
      passages.map((p) => [p.file, p.heading, p.url, p.title, p.similarity]),
      sources.map((s) => [s.file, s.heading, s.url, s.title, s.similarity]),
      "the chat's retrieval and threshold",
    );
    const switching = passages.find((p) => p.heading === "Switching stores")!;
    assert.equal(switching.url, "https://book.example.com/docs/configuration/vector-stores#switching-stores");
    assert.equal(switching.title, "Choosing a vector store");
    assert.match(switching.text, /npm run ingest/);
  });

  it("search_book takes k, and finds nothing for what the book does not cover", async () => {
    const one = await call("search_book", { query: "How do I ingest my book?", k: 1 });
    assert.equal((one.structuredContent!.passages as Passage[]).length, 1);
    const none = await call("search_book", { query: "What is the capital of France?" });
    assert.deepEqual(none.structuredContent, { passages: [] });
  });

  it("read_page gives a page's chunks in order, by url (anchor ignored) or by file path", async () => {
    const [found] = (await call("search_book", { query: "How do I ingest my book?", k: 1 })).structuredContent!.passages as Passage[];
    assert.equal(found!.file, "docs/04-operations/01-ingesting-a-book.md");
    const byUrl = (await call("read_page", { page: found!.url })).structuredContent as unknown as Page;
    assert.equal(byUrl.file, found!.file);
    assert.equal(byUrl.title, "Ingesting a book");
    assert.equal(byUrl.url, "https://book.example.com/docs/operations/ingesting-a-book");
    const stored = await app.deps.store.pageChunks(found!.file);
    assert.deepEqual(byUrl.chunks.map((c) => c.text), stored.map((c) => c.content));
    assert.ok(byUrl.chunks.length >= 3);
    assert.match(byUrl.chunks[0]!.text, /^Before the chat can answer/, "the page's first chunk first");
    assert.ok(byUrl.chunks.some((c) => c.url.endsWith("#run-the-ingest") && c.heading === "Run the ingest"));
    for (const page of ["docs/04-operations/01-ingesting-a-book.md", "04-operations/01-ingesting-a-book.md", "/docs/operations/ingesting-a-book/"]) {
      assert.deepEqual((await call("read_page", { page })).structuredContent, byUrl, page);
    }
  });

  it("an unknown page or a bad argument is the tool's error, said in a sentence", async () => {
    const unknown = await call("read_page", { page: "docs/no-such-page.md" });
    assert.equal(unknown.isError, true);
    assert.match(unknown.content[0]!.text, /The book has no page "docs\/no-such-page\.md"/);
    const empty = await call("search_book", { query: "  " });
    assert.equal(empty.isError, true);
    assert.match(empty.content[0]!.text, /Invalid arguments for tool search_book/);
    const tooMany = await call("search_book", { query: "ingest", k: 500 });
    assert.equal(tooMany.isError, true);
  });

  it("answers only POST: GET and DELETE (sessions) are 405", async () => {
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(`${app.url}/mcp`, { method, headers: { accept: "text/event-stream" } });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get("allow"), "POST");
      await response.arrayBuffer();
    }
  });
});

describe("MCP: CORS and its own rate limit budget", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { MCP_RATE_LIMIT_PER_MINUTE: "3", RATE_LIMIT_PER_MINUTE: "5" }, overrides: { db: await createPgliteDatabase(undefined) } });
  });
  after(() => app.close());

  it("lets an allowed origin send MCP's headers, and no other origin", async () => {
    const preflight = (origin: string) =>
      fetch(`${app.url}/mcp`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,mcp-protocol-version" },
      });
    const allowed = await preflight("http://localhost:3000");
    assert.equal(allowed.headers.get("access-control-allow-origin"), "http://localhost:3000");
    assert.match(allowed.headers.get("access-control-allow-headers")!, /Mcp-Protocol-Version/i);
    assert.equal((await preflight("https://elsewhere.example")).headers.get("access-control-allow-origin"), null);
  });

  it("past the budget a call is a 429 with Retry-After; questions keep theirs", async () => {
    const ping = () =>
      fetch(`${app.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await ping();
      statuses.push(response.status);
      if (response.status === 429) assert.equal(response.headers.get("retry-after"), "60");
      await response.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal((await chat(app.url, { message: "What is the embedded default?" })).response.status, 200);
  });
});
