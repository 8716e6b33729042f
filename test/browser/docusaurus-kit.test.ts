// The reader's path, end to end: a real Docusaurus 3 build of the sample book with the chat
// kit (docusaurus-kit/), served by `docusaurus serve`, driven in Debian's Chromium against
// the real service (embedded PGlite, Gemini emulator). Screenshots of each state go to
// test-artifacts/screenshots/docusaurus-kit-*.png.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { freePort } from "../../emulators/core/http.ts";
import { assembleSite, ROOT, siteMissing, type BuiltSite } from "./docusaurus-site.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(ROOT, "test-artifacts/screenshots");
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

// An answer with the Markdown a model writes, and what it must never get through: raw HTML
// and a javascript: link.
const MARKDOWN_ANSWER = [
  "To ingest your book, run **one command** [1]:",
  "",
  "- point it at the `docs` folder",
  "- start the server again",
  "",
  '<img src="x" onerror="window.__injected = 1"> and [a trap](javascript:window.__injected=2).',
].join("\n");

const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing: apt-get install chromium` : siteMissing();

describe("the chat kit in a real Docusaurus build", { skip: skip ?? false, timeout: 600_000 }, () => {
  let gemini: GeminiEmulator;
  let site: BuiltSite;
  let served: { url: string; close(): Promise<void> };
  let service: ChildProcess | undefined;
  let serviceOutput = "";
  let servicePort: number;
  let dataDir: string;
  let browser: Browser;
  let page: Page;
  const chatBodies: Array<Record<string, unknown>> = [];
  const chatStatuses: number[] = [];
  const problems: string[] = [];

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gemini = await startGeminiEmulator();
    servicePort = await freePort();
    const sitePort = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), "docusaurus-kit-data-"));

    site = assembleSite();
    const types = await site.run("tsc", ["-p", "tsconfig.json"]);
    assert.equal(types.code, 0, `the kit does not type-check against Docusaurus' own types:\n${types.output}`);
    const build = await site.run("docusaurus", ["build"], { CHAT_API_URL: `http://127.0.0.1:${servicePort}` });
    assert.equal(build.code, 0, `docusaurus build failed:\n${build.output}`);
    served = await site.serve(sitePort);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    // Chromium logs every 4xx/5xx response as a console error; the 503s here are expected.
    page.on("console", (message) => {
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) problems.push(`console: ${message.text()}`);
    });
    page.on("request", (request) => {
      if (request.url().endsWith("/api/chat") && request.method() === "POST") chatBodies.push(request.postDataJSON() as Record<string, unknown>);
    });
    page.on("response", (response) => {
      if (response.url().endsWith("/api/chat") && response.request().method() === "POST") chatStatuses.push(response.status());
    });
  });

  after(async () => {
    await browser?.close();
    if (service?.exitCode === null) {
      service.kill("SIGTERM");
      await new Promise((resolve) => service!.once("exit", resolve));
    }
    await served?.close();
    site?.remove();
    await gemini?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    assert.deepEqual(problems, [], "no script error in the book");
  });

  const panel = () => page.getByRole("region", { name: "Ask the book" });
  const lastAnswer = () => panel().locator("li[aria-busy]").last();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `docusaurus-kit-${name}.png`) });
  let answersBefore = 0;
  const ask = async (question: string) => {
    answersBefore = await panel().locator("li[aria-busy]").count();
    await panel().getByRole("textbox").fill(question);
    await panel().getByRole("button", { name: "Send" }).click();
  };
  /** Waits until the answer to the last question asked has ended (done or error). */
  const answered = async () => {
    const answers = panel().locator("li[aria-busy]");
    await until(async () => (await answers.count()) > answersBefore && (await answers.last().getAttribute("aria-busy")) === "false", "the answer to end", 60_000);
  };

  it("a 503 while the service starts shows “waking up”, then the answer", async () => {
    // Start-up seeds the sample book into the empty store; a slow first embed call keeps
    // the service in its starting phase (503 service_starting) for a few seconds.
    gemini.setFault({ kind: "slow", delayMs: 6_000, route: "embed", times: 1 });
    await page.goto(served.url);
    await page.getByRole("button", { name: "Ask the book" }).click();

    service = spawn(process.execPath, [join(ROOT, "service/src/server.ts")], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(servicePort),
        DATA_DIR: dataDir,
        GEMINI_API_KEY: gemini.apiKey,
        GEMINI_BASE_URL: gemini.url,
        ALLOWED_ORIGINS: served.url,
        // The site serves its docs at "/" (routeBasePath: '/'): sources link to paths on it.
        DOCS_ROUTE_BASE_PATH: "/",
        // The Gemini emulator's hashed bag-of-words vectors score far below
        // gemini-embedding-001's scale: its default threshold would leave every passage out.
        RELEVANCE_THRESHOLD: "0",
        RATE_LIMIT_PER_MINUTE: "0",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    service.stdout!.on("data", (d: Buffer) => (serviceOutput += d.toString()));
    service.stderr!.on("data", (d: Buffer) => (serviceOutput += d.toString()));
    await until(() => serviceOutput.includes("Docs chat backend on"), "the service to listen", 30_000);

    await ask("How do I ingest my book?");
    await panel().getByText("waking up").waitFor({ timeout: 15_000 });
    await shot("waking-up");
    await answered();
    assert.equal(chatStatuses[0], 503, `statuses: ${chatStatuses.join(", ")}`);
    assert.equal(chatStatuses.at(-1), 200);
    assert.equal(await lastAnswer().getByText("waking up").count(), 0, "the notice goes once the answer comes");
    assert.ok((await lastAnswer().getByRole("list", { name: "Sources" }).getByRole("link").count()) > 0);
    await shot("answered-after-waking");
  });

  it("a question streams and renders its Markdown, never raw HTML or a javascript: link", async () => {
    await panel().getByRole("button", { name: "New chat" }).click();
    gemini.setAnswer(MARKDOWN_ANSWER);
    gemini.setStreamProfile({ tokenDelayMs: 60, tokens: 24 });
    await ask("How do I ingest my book?");
    // Streaming: text is on the page while the answer is still arriving.
    await until(async () => (await lastAnswer().getAttribute("aria-busy")) === "true" && (await lastAnswer().innerText()).includes("ingest"), "part of the answer", 30_000);
    await shot("streaming");
    await answered();
    const answer = lastAnswer();
    assert.equal(await answer.locator("strong", { hasText: "one command" }).count(), 1);
    assert.equal(await answer.locator("code", { hasText: "docs" }).count(), 1);
    assert.equal(await answer.locator("ul:not([aria-label]) > li").count(), 2);
    assert.equal(await panel().locator("img").count(), 0, "raw HTML is not rendered");
    assert.equal(await panel().locator('a[href^="javascript:"]').count(), 0);
    assert.equal(await page.evaluate("window.__injected"), undefined);
    await shot("markdown");
    // The theme's dark mode, through Infima's variables.
    const toggle = page.getByRole("button", { name: /Switch between dark and light mode/ });
    await toggle.click();
    await page.locator('html[data-theme="dark"]').waitFor();
    await shot("markdown-dark");
    await toggle.click();
    await page.locator('html[data-theme="light"]').waitFor();
  });

  it("a follow-up continues the same conversation", async () => {
    gemini.setAnswer(null);
    gemini.setStreamProfile({ tokenDelayMs: 0 });
    const before = chatBodies.length;
    await ask("And how do I deploy it?");
    await answered();
    const [first, followUp] = [chatBodies[before - 1]!, chatBodies[before]!];
    assert.equal(first.conversation_id, undefined, "the first question starts a conversation");
    assert.match(String(followUp.conversation_id), /^[0-9a-f-]{36}$/);
    const stored = (await (await fetch(`http://127.0.0.1:${servicePort}/api/conversation/${followUp.conversation_id}`)).json()) as { messages: Array<{ role: string; content: string }> };
    assert.deepEqual(
      stored.messages.filter((m) => m.role === "user").map((m) => m.content),
      ["How do I ingest my book?", "And how do I deploy it?"],
    );
    await shot("follow-up");
  });

  it("every source link opens an existing page of the book", async () => {
    const links = lastAnswer().getByRole("list", { name: "Sources" }).getByRole("link");
    const hrefs = await links.evaluateAll((anchors) => anchors.map((a) => (a as unknown as { href: string }).href));
    assert.ok(hrefs.length > 0);
    for (const href of new Set(hrefs)) {
      const response = await fetch(href);
      assert.equal(response.status, 200, href);
      assert.doesNotMatch(await response.text(), /Page Not Found/, href);
    }
    // And as a reader does it: a click moves the book to that page (client-side routing).
    await links.first().click();
    await page.waitForURL(hrefs[0]!);
    await page.locator("article h1").waitFor();
    assert.equal(await page.getByText("Page Not Found").count(), 0);
    await shot("source-page");
  });

  it("an answer cut mid-stream says so", async () => {
    await page.goto(served.url);
    await page.getByRole("button", { name: "Ask the book" }).click();
    gemini.setStreamProfile({ tokenDelayMs: 20, tokens: 20 });
    gemini.setFault({ kind: "cut", afterTokens: 4, route: "generate", times: 1 });
    await ask("What does the health endpoint report?");
    const alert = lastAnswer().getByRole("alert");
    await alert.waitFor({ timeout: 30_000 });
    assert.match(await alert.innerText(), /\S/);
    assert.ok((await lastAnswer().innerText()).length > (await alert.innerText()).length, "the part that arrived stays");
    assert.doesNotMatch(await lastAnswer().innerText(), /cut off here/, "the notice token for older widgets is not shown twice");
    await shot("cut");
  });

  it("an error before the stream shows its JSON body's message, and the next question continues its conversation", async () => {
    await panel().getByRole("button", { name: "New chat" }).click();
    gemini.setFault({ kind: "status", status: 429, retryAfter: 30, route: "generate", times: 1 });
    await ask("Why is the sky blue?");
    const alert = lastAnswer().getByRole("alert");
    await alert.waitFor({ timeout: 30_000 });
    assert.equal(chatStatuses.at(-1), 429);
    // The body's message, not the status text ("Too Many Requests").
    assert.equal(await alert.innerText(), "The AI service's usage quota is exhausted for now. Please try again in a minute.");
    await shot("quota");

    // The failed question was stored in a new conversation, which the error body names.
    const before = chatBodies.length;
    await ask("Why is the sea blue?");
    await answered();
    assert.equal(chatBodies[before - 1]!.conversation_id, undefined);
    const id = String(chatBodies[before]!.conversation_id);
    const stored = (await (await fetch(`http://127.0.0.1:${servicePort}/api/conversation/${id}`)).json()) as { messages: Array<{ role: string; content: string }> };
    assert.deepEqual(
      stored.messages.filter((m) => m.role === "user").map((m) => m.content),
      ["Why is the sky blue?", "Why is the sea blue?"],
    );
  });

  it("selection mode asks about the selected text", async () => {
    await page.goto(`${served.url}/operations/ingesting-a-book`);
    const paragraph = page.locator("article p").first();
    // A triple click selects the paragraph, as a reader would.
    await paragraph.click({ clickCount: 3 });
    const selected = String(await page.evaluate("window.getSelection().toString()")).trim();
    assert.ok(selected.length > 20, `selected: ${selected}`);
    await page.getByRole("button", { name: "Ask about this" }).click();
    await panel().getByText("About the selection").waitFor();
    assert.equal(await page.getByRole("button", { name: "Ask about this" }).count(), 0, "the page's button goes once the selection is taken");
    await shot("selection");
    const before = chatBodies.length;
    await ask("What does this mean?");
    await answered();
    const body = chatBodies[before]!;
    assert.equal(body.mode, "selection");
    assert.equal(body.context, selected);
    assert.match(await lastAnswer().innerText(), /From the selected text/);
    await shot("selection-answer");
    await page.keyboard.press("Escape");
    assert.equal(await panel().count(), 0, "Escape closes the chat");
  });
});

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
