// The reader's path, end to end: a real Docusaurus 3 build of the sample book with the chat
// theme (docusaurus-kit/, installed from `npm pack` with one `themes` entry), in English and
// French, served by `docusaurus serve`, driven in Debian's Chromium against the real service
// (embedded PGlite, Gemini emulator). Screenshots of each state go to
// test-artifacts/screenshots/docusaurus-kit-*.png.
//
// The build takes minutes on a busy 2-core machine: DOCS_CHAT_SITE_DIR=<folder> keeps the
// assembled and built site there, and a later run reuses its build (and its service port)
// while only the test changes; delete the folder after changing the theme.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { freePort } from "../../emulators/core/http.ts";
import { assembleSite, builtFor, markBuilt, ROOT, siteAt, siteMissing, type AssembledSite } from "./docusaurus-site.ts";

const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = join(ROOT, "test-artifacts/screenshots");
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

// An answer with the Markdown a model writes, and what it must never get through: raw HTML
// and a javascript: link.
const MARKDOWN_ANSWER = [
  "To ingest your book, run **one command** [1]:",
  "",
  "```js",
  "await fetch('/api/chat', {method: 'POST'});",
  "```",
  "",
  "- point it at the `docs` folder",
  "- start the server again",
  "",
  '<img src="x" onerror="window.__injected = 1"> and [a trap](javascript:window.__injected=2).',
].join("\n");

const skip = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing: apt-get install chromium` : siteMissing();

/** The browser globals the page functions below use (the test is type-checked without the DOM library). */
interface BrowserGlobals {
  document: { activeElement: unknown };
  innerHeight: number;
  getComputedStyle(element: unknown): { color: string };
}

interface StoredMessage {
  id: string;
  role: string;
  content: string;
  incomplete: boolean;
  error_code: string | null;
  feedback?: { vote: string; reason: string | null } | null;
}

describe("the chat theme in a real Docusaurus build", { skip: skip ?? false, timeout: 1_200_000 }, () => {
  let gemini: GeminiEmulator;
  let site: AssembledSite;
  let keptSite = false;
  let served: { url: string; close(): Promise<void> };
  let service: ChildProcess | undefined;
  let serviceOutput = "";
  let servicePort: number;
  let dataDir: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const chatBodies: Array<Record<string, unknown>> = [];
  const chatStatuses: number[] = [];
  const answerCalls: Array<{ method: string; path: string; status: number }> = [];
  const problems: string[] = [];

  const api = (path: string) => `http://127.0.0.1:${servicePort}${path}`;
  const conversation = async (id: string) => ((await (await fetch(api(`/api/conversation/${id}`))).json()) as { messages: StoredMessage[] }).messages;

  function startService(): Promise<void> {
    serviceOutput = "";
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
    return until(() => serviceOutput.includes("Docs chat backend on"), "the service to listen", 60_000);
  }

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    gemini = await startGeminiEmulator();
    const sitePort = await freePort();
    dataDir = mkdtempSync(join(tmpdir(), "docusaurus-kit-data-"));

    const keep = process.env.DOCS_CHAT_SITE_DIR;
    const reused = keep ? builtFor(keep) : undefined;
    if (keep && reused) {
      // A kept build: its pages call the backend at the port it was built for.
      site = siteAt(keep);
      servicePort = Number(new URL(reused).port);
    } else {
      servicePort = await freePort();
      site = assembleSite(keep);
      const types = await site.run("tsc", ["-p", "tsconfig.json"]);
      assert.equal(types.code, 0, `the book's config and page do not type-check against the theme's types:\n${types.output}`);
      // A malformed option stops Docusaurus with a message naming it, as its own plugins' do.
      const invalid = await site.run("docusaurus", ["write-translations", "--locale", "en"], { CHAT_API_URL: "localhost:7860" });
      assert.notEqual(invalid.code, 0);
      assert.match(invalid.output, /"apiUrl" must be the chat backend's URL, with http:\/\/ or https:\/\/.*got "localhost:7860"/);
      // The components a book may swizzle.
      const swizzle = await site.run("docusaurus", ["swizzle", "docusaurus-theme-docs-chat", "--list", "--typescript"]);
      assert.equal(swizzle.code, 0, swizzle.output);
      for (const component of ["DocsChat/Answer", "DocsChat/Markdown", "DocsChat/Sources", "NavbarItem/DocsChatNavbarItem", "Layout/Provider"]) assert.ok(swizzle.output.includes(component), `swizzle lists ${component}:\n${swizzle.output}`);
      // What an author runs to translate the book: the theme's strings are extracted, with
      // the theme's own French as their defaults.
      const extracted = await site.run("docusaurus", ["write-translations", "--locale", "fr"]);
      assert.equal(extracted.code, 0, extracted.output);
      const codeJson = JSON.parse(readFileSync(join(site.dir, "i18n/fr/code.json"), "utf8")) as Record<string, { message: string }>;
      assert.equal(codeJson["theme.docsChat.button.label"]?.message, "Demander au livre");
      assert.equal(codeJson["theme.docsChat.error.cut"]?.message, "La réponse a été interrompue avant la fin. Veuillez reposer la question.");
      // One build, both locales.
      const apiUrl = `http://127.0.0.1:${servicePort}`;
      const build = await site.run("docusaurus", ["build"], { CHAT_API_URL: apiUrl });
      assert.equal(build.code, 0, `docusaurus build failed:\n${build.output}`);
      markBuilt(site.dir, apiUrl);
    }
    keptSite = keep !== undefined;
    served = await site.serve(sitePort);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: served.url });
    page = await context.newPage();
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    // Chromium logs every 4xx/5xx response and refused connection as a console error; those here are expected.
    page.on("console", (message) => {
      if (message.type() === "error" && !/^Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
    });
    page.on("request", (request) => {
      if (request.url().endsWith("/api/chat") && request.method() === "POST") chatBodies.push(request.postDataJSON() as Record<string, unknown>);
    });
    page.on("response", (response) => {
      const url = new URL(response.url());
      if (url.pathname === "/api/chat" && response.request().method() === "POST") chatStatuses.push(response.status());
      if (url.pathname.startsWith("/api/answers/")) answerCalls.push({ method: response.request().method(), path: url.pathname, status: response.status() });
    });
  });

  after(async () => {
    await browser?.close();
    if (service && service.exitCode === null && service.signalCode === null) {
      service.kill("SIGTERM");
      await new Promise((resolve) => service!.once("exit", resolve));
    }
    await served?.close();
    if (!keptSite) site?.remove();
    await gemini?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    assert.deepEqual(problems, [], "no script error in the book");
  });

  const panel = () => page.getByRole("dialog", { name: "Ask the book" });
  const launcher = () => page.locator("[data-docs-chat-launcher]");
  const answers = () => panel().locator("li[aria-busy]");
  const lastAnswer = () => answers().last();
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `docusaurus-kit-${name}.png`) });
  let answersBefore = 0;
  const ask = async (question: string) => {
    answersBefore = await answers().count();
    await panel().getByRole("textbox", { name: "Your question" }).fill(question);
    await panel().getByRole("button", { name: "Send" }).click();
  };
  /** Waits until the answer to the last question asked has ended (done, stopped or error). */
  const answered = async () => {
    try {
      await until(async () => (await answers().count()) > answersBefore && (await lastAnswer().getAttribute("aria-busy")) === "false", "the answer to end", 60_000);
    } catch (err) {
      await shot("answer-never-ended");
      throw new Error(`${(err as Error).message}; the last answer reads ${JSON.stringify(await lastAnswer().innerText().catch(() => ""))}; the service said:\n${serviceOutput.slice(-3000)}`);
    }
  };
  /** Docusaurus marks the page once React has hydrated it: the chat's listeners are attached. */
  const hydrated = () => page.locator('html[data-has-hydrated="true"]').waitFor();
  const lastConversationId = () => String(chatBodies.at(-1)?.conversation_id ?? "");
  const currentConversation = async () =>
    String(await page.evaluate(() => {
      const key = Object.keys(localStorage).find((k) => k.startsWith("docs-chat:conversations:"));
      return key ? (JSON.parse(localStorage.getItem(key)!) as { current: string | null }).current : null;
    }));

  it("a 503 while the service starts shows “waking up”, then the answer", async () => {
    // Start-up seeds the sample book into the empty store; a slow first embed call keeps
    // the service in its starting phase (503 service_starting) for a few seconds.
    gemini.setFault({ kind: "slow", delayMs: 6_000, route: "embed", times: 1 });
    await page.goto(served.url);
    await hydrated();
    await launcher().click();
    await startService();

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

  it("an answer's Markdown renders, its code highlighted by the book's CodeBlock; the code and the whole answer copy", async () => {
    await panel().getByRole("button", { name: "New chat" }).click();
    gemini.setAnswer(MARKDOWN_ANSWER);
    gemini.setStreamProfile({ tokenDelayMs: 60, tokens: 24 });
    await ask("How do I ingest my book?");
    // Streaming: text is on the page while the answer is still arriving, in a polite live region.
    await until(async () => (await lastAnswer().getAttribute("aria-busy")) === "true" && (await lastAnswer().innerText()).includes("ingest"), "part of the answer", 30_000);
    assert.equal(await panel().locator('[aria-live="polite"] > li[aria-busy="true"]').count(), 1, "the answer streams into a polite live region");
    await shot("streaming");
    await answered();
    const answer = lastAnswer();
    assert.equal(await answer.locator("strong", { hasText: "one command" }).count(), 1);
    assert.equal(await answer.locator("code", { hasText: /^docs$/ }).count(), 1);
    assert.equal(await answer.locator("ul:not([aria-label]) > li").count(), 2);
    assert.equal(await panel().locator("img").count(), 0, "raw HTML is not rendered");
    assert.equal(await panel().locator('a[href^="javascript:"]').count(), 0);
    assert.equal(await page.evaluate("window.__injected"), undefined);

    // The theme's CodeBlock: Prism tokens in the book's colours, and its own copy button.
    const block = answer.locator(".theme-code-block");
    assert.equal(await block.count(), 1);
    assert.ok((await block.locator(".token").count()) > 1, "the code is highlighted");
    assert.notEqual(await block.locator(".token").first().evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).color), "", "tokens carry the Prism theme's colours");
    await block.hover();
    await block.getByRole("button", { name: "Copy code to clipboard" }).click();
    assert.equal(await clipboard(page), "await fetch('/api/chat', {method: 'POST'});");
    await shot("code-block");

    // The whole answer, as the Markdown it was written in (the text the backend stored).
    await answer.getByRole("button", { name: "Copy answer as Markdown" }).click();
    const stored = (await conversation(await currentConversation())).filter((m) => m.role === "assistant").at(-1)!;
    assert.equal(await clipboard(page), stored.content);
    assert.match(stored.content, /```js\nawait fetch/);

    // The theme's dark mode, through Infima's variables and the book's dark Prism theme.
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
    const stored = await conversation(String(followUp.conversation_id));
    assert.deepEqual(
      stored.filter((m) => m.role === "user").map((m) => m.content),
      ["How do I ingest my book?", "And how do I deploy it?"],
    );
    await shot("follow-up");
  });

  it("a vote is stored, then changed with a reason", async () => {
    const answer = lastAnswer();
    const id = lastConversationId();
    const storedFeedback = async () => (await conversation(id)).filter((m) => m.role === "assistant").at(-1)!.feedback ?? null;

    await answer.getByRole("button", { name: "Helpful", exact: true }).click();
    await until(async () => (await storedFeedback())?.vote === "up", "the up vote to be stored", 15_000);
    assert.equal(await answer.getByRole("button", { name: "Helpful", exact: true }).getAttribute("aria-pressed"), "true");

    await answer.getByRole("button", { name: "Not helpful" }).click();
    await until(async () => (await storedFeedback())?.vote === "down", "the vote to change", 15_000);
    await answer.getByRole("textbox", { name: "Tell us why (optional)" }).fill("It does not say which flags the ingest takes.");
    await answer.getByRole("button", { name: "Send" }).click();
    await until(async () => (await storedFeedback())?.reason === "It does not say which flags the ingest takes.", "the reason to be stored", 15_000);
    assert.deepEqual(await storedFeedback(), { vote: "down", reason: "It does not say which flags the ingest takes." });
    await answer.getByText("Thank you for your feedback.").waitFor();
    await shot("voted");
    const puts = answerCalls.filter((c) => c.method === "PUT" && c.path.endsWith("/feedback"));
    assert.deepEqual(puts.map((c) => c.status), [200, 200, 200]);
    // One row per answer: the same answer's id each time.
    assert.equal(new Set(puts.map((c) => c.path)).size, 1);
  });

  it("each source opens its section: the anchor exists on the built page, and a click lands on the heading", async () => {
    const links = lastAnswer().getByRole("list", { name: "Sources" }).getByRole("link");
    const cited = await links.evaluateAll((anchors) => anchors.map((a) => ({ href: (a as unknown as { href: string }).href, label: String((a as unknown as { textContent: string }).textContent) })));
    const withSection = cited.filter(({ href }) => new URL(href).hash !== "");
    assert.ok(withSection.length > 0, `some source names its section: ${JSON.stringify(cited)}`);
    for (const { href, label } of cited) {
      const url = new URL(href);
      const response = await fetch(href);
      assert.equal(response.status, 200, href);
      const html = await response.text();
      assert.doesNotMatch(html, /Page Not Found/, href);
      if (url.hash === "") {
        // A passage above the page's first section: the page itself, labelled by its title.
        assert.doesNotMatch(label, / › /, `"${label}" has no section`);
        continue;
      }
      assert.match(url.hash, /^#[\w-]+$/, href);
      assert.match(label, /^.+ › .+$/, `"${label}" reads "<title> › <section>"`);
      assert.ok(html.includes(`id="${decodeURIComponent(url.hash.slice(1))}"`), `the built page ${url.pathname} has the anchor ${url.hash}`);
    }
    // As a reader does it: a click moves the book to that section (client-side routing), and
    // the chat stays open with its conversation.
    const target = withSection[0]!;
    await links.filter({ hasText: target.label }).first().click();
    await page.waitForURL(target.href);
    const heading = page.locator(`[id="${decodeURIComponent(new URL(target.href).hash.slice(1))}"]`);
    await heading.waitFor();
    await until(async () => heading.evaluate((el) => {
      const { top } = (el as unknown as { getBoundingClientRect(): { top: number } }).getBoundingClientRect();
      return top >= 0 && top < (globalThis as unknown as BrowserGlobals).innerHeight;
    }), "the heading to be in view", 10_000);
    assert.equal(await panel().count(), 1, "the chat stays open across the navigation");
    assert.equal(await panel().getByText("And how do I deploy it?", { exact: true }).count(), 1);
    await shot("source-section");
  });

  it("an answer stopped while it streams keeps its text and is stored as stopped", async () => {
    gemini.setStreamProfile({ tokenDelayMs: 150, tokens: 80 });
    await ask("What does the health endpoint report?");
    await until(async () => (await lastAnswer().getAttribute("aria-busy")) === "true" && (await lastAnswer().innerText()).length > 20, "part of the answer", 30_000);
    const stopped = Date.now();
    await panel().getByRole("button", { name: "Stop" }).click();
    await answered();
    // 80 pieces at 150 ms would take 12 s: the stream ended soon after the click.
    assert.ok(Date.now() - stopped < 6_000, `the answer ended ${Date.now() - stopped} ms after Stop`);
    await lastAnswer().getByText("You stopped this answer.").waitFor();
    const stop = answerCalls.find((c) => c.method === "POST" && c.path.endsWith("/stop"));
    assert.equal(stop?.status, 202, JSON.stringify(answerCalls));
    const stored = (await conversation(lastConversationId())).filter((m) => m.role === "assistant").at(-1)!;
    assert.equal(stored.incomplete, true);
    assert.equal(stored.error_code, "stopped_by_reader");
    assert.ok(stored.content.length > 0, "the text so far is kept");
    // The stop's id is the stored answer's.
    assert.ok(stop!.path.includes(stored.id));
    await shot("stopped");
    gemini.setStreamProfile({ tokenDelayMs: 0 });
  });

  it("the conversation survives a reload; New chat and the recent chats list", async () => {
    const id = lastConversationId();
    assert.equal(await currentConversation(), id);
    await page.reload();
    await hydrated();
    // Ctrl/Cmd+I opens it; the stored conversation comes back, stopped answer and vote included.
    await page.keyboard.press("Control+i");
    await panel().waitFor();
    assert.equal(await page.evaluate("document.activeElement?.getAttribute('aria-label')"), "Your question", "focus moves into the panel");
    await panel().getByText("And how do I deploy it?", { exact: true }).waitFor({ timeout: 15_000 });
    assert.equal(await panel().getByText("How do I ingest my book?", { exact: true }).count(), 1);
    await panel().getByText("You stopped this answer.").waitFor();
    assert.equal(await answers().nth(1).getByRole("button", { name: "Not helpful" }).getAttribute("aria-pressed"), "true", "the vote comes back");
    await shot("restored");

    await panel().getByRole("button", { name: "New chat" }).click();
    assert.equal(await answers().count(), 0);
    assert.equal(await currentConversation(), "null");
    // The empty chat offers the theme's suggested questions; one click asks it.
    await panel().getByRole("button", { name: "Which environment variables does the server read?" }).click();
    answersBefore = 0;
    await answered();
    const second = await currentConversation();
    assert.notEqual(second, id);

    await panel().getByRole("button", { name: "Recent chats" }).click();
    // Newest first: this chat, the one before (reloaded above), the first of all.
    const recent = panel().getByRole("navigation", { name: "Recent chats" }).getByRole("button");
    assert.equal(await recent.count(), 3);
    assert.match(await recent.first().innerText(), /Which environment variables/);
    await shot("recent");
    await recent.nth(1).click();
    await panel().getByText("And how do I deploy it?", { exact: true }).waitFor({ timeout: 15_000 });
    assert.equal(await currentConversation(), id);
  });

  it("Escape closes the chat and gives focus back; Ctrl/Cmd+I opens it from anywhere; the navbar item too", async () => {
    await page.keyboard.press("Escape");
    assert.equal(await panel().count(), 0, "Escape closes the chat");
    assert.equal(await page.evaluate("document.activeElement?.hasAttribute('data-docs-chat-launcher')"), true, "focus returns to the button that opened it, not the page's body");
    await page.keyboard.press("Meta+i");
    await panel().waitFor();
    await page.keyboard.press("Escape");
    const navbarItem = page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Ask the book" });
    await navbarItem.click();
    await panel().waitFor();
    await page.keyboard.press("Escape");
    assert.equal(await navbarItem.evaluate((el) => el === (globalThis as unknown as BrowserGlobals).document.activeElement), true, "focus returns to the navbar item");
  });

  it("a page of the book asks through useDocsChat().ask", async () => {
    await page.goto(`${served.url}/ask`);
    await hydrated();
    const before = chatBodies.length;
    await page.getByRole("button", { name: "Ask how to deploy" }).click();
    await panel().waitFor();
    await until(() => chatBodies.length > before, "the question to be sent", 15_000);
    assert.equal(chatBodies.at(-1)!.message, "How do I deploy it?");
    await shot("asked-from-a-page");
    // The stored conversation comes back around the new question: it is the last one asked,
    // and its answer ends.
    const turns = panel().locator("ol[aria-live] > li");
    await until(
      async () => (await turns.nth((await turns.count()) - 2).innerText()) === "How do I deploy it?" && (await turns.last().getAttribute("aria-busy")) === "false",
      "the answer to the page's question",
      60_000,
    );
    assert.equal(await turns.last().getByRole("alert").count(), 0);
  });

  it("axe-core finds no serious or critical violation in the chat, light and dark", async () => {
    // A conversation with everything the panel shows: code, sources, a vote, a stopped answer.
    await page.goto(served.url);
    await hydrated();
    await launcher().click();
    await panel().getByText("And how do I deploy it?", { exact: true }).waitFor({ timeout: 15_000 });
    await page.addScriptTag({ path: AXE });
    // Colours are measured as they are, not halfway through Infima's transition to the other theme.
    await page.addStyleTag({ content: "*, *::before, *::after { transition: none !important; }" });
    const serious: Record<string, unknown[]> = {};
    for (const theme of ["light", "dark"]) {
      await page.evaluate(`document.documentElement.setAttribute("data-theme", "${theme}")`);
      await page.locator(`html[data-theme="${theme}"]`).waitFor();
      // The chat (its button, its panel) and its navbar item.
      const found = await page.evaluate<Array<{ id: string; impact: string; targets: string[] }>>(`
        axe.run({ include: [["[data-docs-chat]"], ['nav.navbar button[aria-haspopup="dialog"]']] }, { resultTypes: ["violations"] })
          .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(" ")) })))`);
      serious[theme] = found.filter((v) => v.impact === "serious" || v.impact === "critical");
      await shot(`axe-${theme}`);
    }
    assert.deepEqual(serious, { light: [], dark: [] }, "serious or critical violations, by theme");
    await page.evaluate(`document.documentElement.setAttribute("data-theme", "light")`);
  });

  it("an answer cut mid-stream by the model says so", async () => {
    await panel().getByRole("button", { name: "New chat" }).click();
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
    const stored = await conversation(String(chatBodies[before]!.conversation_id));
    assert.deepEqual(
      stored.filter((m) => m.role === "user").map((m) => m.content),
      ["Why is the sky blue?", "Why is the sea blue?"],
    );
  });

  it("selection mode asks about the selected text", async () => {
    await page.goto(`${served.url}/operations/ingesting-a-book`);
    await hydrated();
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
  });

  it("the French book speaks French", async () => {
    await page.goto(`${served.url}/fr/`);
    await hydrated();
    const frenchLauncher = launcher();
    assert.equal((await frenchLauncher.innerText()).trim(), "Demander au livre");
    await frenchLauncher.click();
    const french = page.getByRole("dialog", { name: "Demander au livre" });
    await french.waitFor();
    assert.equal(await french.getByRole("button", { name: "Nouvelle discussion" }).count(), 1);
    assert.equal(await french.getByRole("button", { name: "Fermer la discussion" }).count(), 1);
    await french.getByRole("textbox", { name: "Votre question" }).fill("Comment déployer le livre ?");
    await french.getByRole("button", { name: "Envoyer" }).click();
    // Whatever conversation comes back meanwhile, the last turns are this question and its answer.
    const turns = french.locator("ol[aria-live] > li");
    await until(
      async () => (await turns.nth((await turns.count()) - 2).innerText()) === "Comment déployer le livre ?" && (await turns.last().getAttribute("aria-busy")) === "false",
      "the French answer",
      60_000,
    );
    const answer = french.locator("li[aria-busy]").last();
    assert.equal(await answer.getByRole("button", { name: "Copier la réponse en Markdown" }).count(), 1);
    assert.equal(await answer.getByRole("button", { name: "Utile", exact: true }).count(), 1);
    // The backend's page paths open the French pages (Docusaurus' Link adds the locale's base URL).
    const hrefs = await answer.getByRole("list", { name: "Sources" }).getByRole("link").evaluateAll((links) => links.map((a) => (a as unknown as { href: string }).href));
    assert.ok(hrefs.length > 0 && hrefs.every((href) => href.startsWith(`${served.url}/fr/`)), hrefs.join(", "));
    await shot("french");
    await page.keyboard.press("Escape");
  });

  it("a backend killed mid-answer leaves “cut off”, and a backend that is down is said to be down, not waking up", async () => {
    await page.goto(served.url);
    await hydrated();
    await launcher().click();
    await panel().getByRole("button", { name: "New chat" }).click();
    gemini.setStreamProfile({ tokenDelayMs: 200, tokens: 60 });
    await ask("How do I configure the vector store?");
    await until(async () => (await lastAnswer().innerText()).length > 20, "part of the answer", 30_000);
    service!.kill("SIGKILL");
    await new Promise((resolve) => service!.once("exit", resolve));
    const cut = lastAnswer().getByRole("alert");
    await cut.waitFor({ timeout: 30_000 });
    assert.equal(await cut.innerText(), "The answer was cut off before it finished. Please ask again.");
    await shot("backend-killed");

    // Nothing listens now: a few quick retries, then the reader is told, with the URL.
    const started = Date.now();
    await ask("Is anyone there?");
    const down = lastAnswer().getByRole("alert");
    await down.waitFor({ timeout: 30_000 });
    assert.equal(await down.innerText(), `Nothing answers at http://127.0.0.1:${servicePort}. Is the chat backend running? Start it (npm start) and ask again.`);
    assert.equal(await lastAnswer().getByText("waking up").count(), 0);
    assert.ok(Date.now() - started < 20_000, "it gives up within seconds");
    await shot("backend-down");
  });

  it("reports the chat's weight: what every page loads, and what opening the chat adds", async () => {
    const fresh = await context.newPage();
    const loaded: string[] = [];
    fresh.on("response", (response) => {
      const url = new URL(response.url());
      if (url.origin === served.url && /\.(js|css)$/.test(url.pathname)) loaded.push(url.pathname);
    });
    await fresh.goto(served.url);
    await fresh.waitForLoadState("networkidle");
    const onLoad = new Set(loaded);
    await fresh.locator("[data-docs-chat-launcher]").click();
    await fresh.getByRole("dialog", { name: "Ask the book" }).waitFor();
    await fresh.waitForLoadState("networkidle");
    const onOpen = loaded.filter((path) => !onLoad.has(path));
    await fresh.close();
    const size = (paths: Iterable<string>, ext: string) =>
      [...paths].filter((p) => p.endsWith(ext)).reduce((sum, p) => sum + gzipSync(readFileSync(join(site.dir, "build", p))).length, 0);
    assert.ok(onOpen.some((p) => p.endsWith(".js")), "the panel loads as its own chunk when the chat opens");
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(
      `chat weight (gzipped): a page loads ${kb(size(onLoad, ".js"))} of JS in all; opening the chat loads ${kb(size(onOpen, ".js"))} of JS and ${kb(size(onOpen, ".css"))} of CSS more (${onOpen.join(", ")})`,
    );
    // Every page's own share is measured against a build without the theme (see the theme's
    // README); here, that the Markdown renderer and the panel wait for the chat to open.
    assert.ok(size(onOpen, ".js") > 10_000, "react-markdown and the panel are in the lazy chunk");
  });
});

/** The clipboard's text, as the page sees it (the context may read it). */
async function clipboard(page: Page): Promise<string> {
  return page.evaluate<string>("navigator.clipboard.readText()");
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

