// Drives the chat page (service/public/) in Debian's Chromium against a test server that
// fakes the API to the contract and sends the app's CSP. Screenshots of every state go to
// test-artifacts/screenshots/.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { chromium, type BrowserContext, type Frame, type Page } from "playwright-core";
import { DEFAULT_SOURCES, DEFAULT_TOKENS, startFakeChatServer, type FakeChatServer } from "./fake-chat-server.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PUBLIC_DIR = join(ROOT, "service/public");
const SCREENSHOTS = join(ROOT, "test-artifacts/screenshots");
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const FRAME_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Space</title></head>
<body style="margin:0;background:#ddd"><p style="margin:8px;font:14px sans-serif">The Space page frames the chat:</p>
<iframe src="/" title="Chat" style="width:420px;height:640px;border:1px solid #999;background:#fff"></iframe></body></html>`;

const STORAGE_KEY = "docs-chat.conversation_id";
const ANSWER = DEFAULT_TOKENS.join("");

/** Lets a test release the fake's tokens one at a time. */
function tokenGate() {
  const waiting: Array<() => void> = [];
  const released: boolean[] = [];
  return {
    beforeToken(index: number): Promise<void> {
      if (released[index]) return Promise.resolve();
      return new Promise<void>((resolve) => (waiting[index] = resolve));
    },
    release(index: number) {
      released[index] = true;
      waiting[index]?.();
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("the chat page", { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install chromium`, timeout: 180_000 }, () => {
  let context: BrowserContext;
  let profile: string;
  let fake: FakeChatServer;
  let page: Page;
  let problems: string[];

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), "chat-page-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1024, height: 720 },
    });
  });
  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  beforeEach(async () => {
    fake = await startFakeChatServer(PUBLIC_DIR, { "/space.html": FRAME_PAGE });
    page = await context.newPage();
    problems = watch(page);
  });
  afterEach(async () => {
    await page.close();
    await fake.close();
    // No script error and no CSP violation, whatever the test did.
    assert.deepEqual(problems, []);
  });

  /** Page errors and console errors, except the browser's note about a non-2xx fetch. */
  function watch(p: Page): string[] {
    const seen: string[] = [];
    p.on("pageerror", (err) => seen.push(`pageerror: ${err.message}`));
    p.on("console", (message) => {
      if (message.type() === "error" && !/Failed to load resource/.test(message.text())) seen.push(`console: ${message.text()}`);
    });
    return seen;
  }

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const answers = (scope: Page | Frame = page) => scope.locator("article.message.assistant");
  const lastAnswer = (scope: Page | Frame = page) => answers(scope).last();

  async function ask(question: string, scope: Page | Frame = page) {
    const box = scope.getByLabel("Your question");
    await box.fill(question);
    await box.press("Enter");
  }

  async function waitForAnswerSettled(scope: Page | Frame = page) {
    await scope.locator('article.message.assistant[aria-busy="false"]').last().waitFor();
    await until(async () => !(await scope.locator("#send").isDisabled()), "the Send button to be enabled again");
  }

  it("streams the answer token by token, then lists its sources as links", async () => {
    const gate = tokenGate();
    fake.script.push({ kind: "stream", tokens: DEFAULT_TOKENS, beforeToken: (i) => gate.beforeToken(i) });
    await page.goto(fake.url);
    await ask("How do I build the workspace?");

    const answer = lastAnswer();
    await answer.locator(".typing").waitFor();
    assert.equal(await page.locator("#send").isDisabled(), true, "Send is disabled while streaming");
    assert.equal(await page.locator("#new-conversation").isDisabled(), true);
    assert.equal(await page.locator("#stop").isEnabled(), true, "Stop is enabled while streaming");

    let expected = "";
    for (const [i, token] of DEFAULT_TOKENS.entries()) {
      gate.release(i);
      expected += token;
      const visible = expected.replace(/`/g, "").replace(/\s+/g, " ").trim();
      await until(async () => (await answer.locator(".message-body").innerText()).replace(/\s+/g, " ").trim() === visible, `token ${i}`);
      assert.equal(await answer.locator(".sources").count(), 0, "no sources before done");
      if (i === 2) await shot("01-streaming");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await answer.locator(".sources").count(), 0, "no sources before done");
    assert.equal(await answer.getAttribute("aria-busy"), "true");
    gate.release(DEFAULT_TOKENS.length);
    await waitForAnswerSettled();

    assert.equal(await answer.locator(".message-body code").first().innerText(), "colcon build", "inline code is rendered as code");
    assert.equal(await answer.locator(".message-body p").count(), 2, "blank lines separate paragraphs");
    const link = answer.locator(".sources a");
    assert.equal(await link.count(), 1, "the source with a url is a link");
    assert.equal(await link.getAttribute("href"), DEFAULT_SOURCES[0]!.url);
    assert.equal(await link.innerText(), "Workspaces > Building");
    assert.equal(await link.getAttribute("target"), "_blank");
    const items = await answer.locator(".sources li").allInnerTexts();
    assert.match(items[0]!, /Workspaces > Building\s*83%/);
    assert.match(items[1]!, /docs\/module-01\/chapter-03\.md — Overlays\s*70%/, "without a url: the file path and the heading");
    assert.equal(await page.getByRole("log").getAttribute("aria-live"), "polite");
    const conversationId = [...fake.conversations.keys()][0];
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY), conversationId);
    await shot("02-answer-with-sources");
  });

  it("asks a follow-up in the same conversation, restores it after a reload, and starts a new one", async () => {
    await page.goto(fake.url);
    await ask("How do I build the workspace?");
    await waitForAnswerSettled();
    await ask("And how do I source it?");
    await waitForAnswerSettled();

    assert.equal(fake.chatBodies.length, 2);
    assert.equal(fake.chatBodies[0]!.conversation_id, undefined, "the first question starts a conversation");
    const conversationId = [...fake.conversations.keys()][0]!;
    assert.equal(fake.chatBodies[1]!.conversation_id, conversationId, "the follow-up carries the conversation_id of metadata");
    assert.equal(fake.conversations.size, 1);
    assert.equal(await answers().count(), 2);
    await shot("03-follow-up");

    await page.reload();
    await until(async () => (await page.locator("article.message").count()) === 4, "the restored conversation");
    assert.deepEqual(fake.conversationReads, [conversationId]);
    assert.deepEqual(await page.locator("article.message.user .message-body").allInnerTexts(), ["How do I build the workspace?", "And how do I source it?"]);
    assert.equal(await answers().nth(1).locator(".sources a").count(), 1, "restored answers keep their sources");
    assert.equal((await answers().nth(0).locator(".message-body").innerText()).replace(/\s+/g, " ").trim(), ANSWER.replace(/`/g, "").replace(/\s+/g, " ").trim());
    await shot("04-restored-after-reload");

    await page.getByRole("button", { name: "New conversation" }).click();
    assert.equal(await page.locator("article.message").count(), 0);
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY), null);
    await ask("A fresh question");
    await waitForAnswerSettled();
    assert.equal(fake.chatBodies[2]!.conversation_id, undefined, "a new conversation sends no conversation_id");
    assert.equal(fake.conversations.size, 2);
  });

  it("forgets a conversation the service no longer knows, on reload and on asking", async () => {
    await page.goto(fake.url);
    const unknown = "0b7c1a52-3f4e-4d6a-9b8c-7d6e5f4a3b2c";
    await page.evaluate(([key, id]) => sessionStorage.setItem(key!, id!), [STORAGE_KEY, unknown]);
    await page.reload();
    await until(async () => (await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY)) === null, "the unknown id to be dropped");
    assert.deepEqual(fake.conversationReads, [unknown]);
    assert.equal(await page.locator("#send").isEnabled(), true);

    await ask("First");
    await waitForAnswerSettled();
    fake.conversations.clear(); // as if the database had been replaced
    await ask("Second");
    await waitForAnswerSettled();
    assert.equal(fake.chatBodies.length, 3);
    assert.equal(typeof fake.chatBodies[1]!.conversation_id, "string", "asked in the old conversation first");
    assert.equal(fake.chatBodies[2]!.conversation_id, undefined, "then again in a new one");
    assert.equal(await lastAnswer().locator(".note").count(), 0);
    assert.equal(await page.evaluate((key) => sessionStorage.getItem(key), STORAGE_KEY), [...fake.conversations.keys()][0]);
  });

  it("says to wait when the API answers 429 before the stream, and keeps the question", async () => {
    fake.script.push({
      kind: "json",
      status: 429,
      body: { error: { code: "rate_limited", message: "Too many questions from this address. Please wait a minute." } },
      headers: { "Retry-After": "60" },
    });
    await page.goto(fake.url);
    await ask("Why is the sky blue?");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /Too many questions from this address/);
    assert.match(text, /ask again in about 60 seconds/);
    assert.equal(await page.getByLabel("Your question").inputValue(), "Why is the sky blue?", "the question is kept to send again");
    assert.equal(await page.locator("#send").isEnabled(), true);
    assert.equal(await page.locator("#stop").isDisabled(), true);
    await shot("05-error-429");

    fake.script.push({
      kind: "json",
      status: 429,
      body: { error: { code: "quota_exceeded", message: "The AI service's usage quota is exhausted for now." } },
    });
    await page.getByLabel("Your question").press("Enter");
    await until(async () => (await page.getByRole("alert").count()) === 2, "the second error");
    assert.match(await page.getByRole("alert").last().innerText(), /quota is exhausted[\s\S]*Wait a minute, then ask again/);
  });

  it("keeps the partial answer and marks it incomplete on an error event or a dropped stream", async () => {
    fake.script.push({
      kind: "stream",
      tokens: ["The simulator ", "needs "],
      end: { type: "error", code: "upstream_error", message: "The answer was interrupted by an upstream failure." },
    });
    await page.goto(fake.url);
    await ask("What does the simulator need?");
    await waitForAnswerSettled();
    const answer = lastAnswer();
    assert.equal(await answer.locator(".message-body").innerText(), "The simulator needs");
    assert.match(await answer.getAttribute("class") ?? "", /\bincomplete\b/);
    assert.match(await answer.locator(".note").innerText(), /Incomplete answer\.\s+The answer was interrupted by an upstream failure\./);
    await shot("06-error-mid-stream");

    fake.script.push({ kind: "stream", tokens: ["Half of "], end: { type: "drop" } });
    await ask("Another one");
    await waitForAnswerSettled();
    assert.equal(await lastAnswer().locator(".message-body").innerText(), "Half of");
    assert.match(await lastAnswer().locator(".note").innerText(), /connection was lost/);
    assert.equal(fake.chatBodies[1]!.conversation_id, [...fake.conversations.keys()][0], "the conversation continues after an error");
  });

  it("shows that the service is waking up, polls health every 2 s, then sends the question", async () => {
    fake.health = "starting";
    await page.goto(fake.url);
    await ask("Are you awake?");
    const status = page.getByRole("status");
    await status.waitFor();
    assert.match(await status.innerText(), /waking up/i);
    await until(() => fake.healthPolls.length >= 2, "two health polls", 8_000);
    const gap = fake.healthPolls[1]! - fake.healthPolls[0]!;
    assert.ok(gap >= 1_800 && gap < 4_000, `polls 2 s apart (saw ${gap} ms)`);
    assert.equal(fake.chatBodies.length, 1, "no question is sent while the service starts");
    assert.equal(await page.locator("#send").isDisabled(), true);
    await shot("07-waking-up");

    fake.health = "healthy";
    await waitForAnswerSettled();
    assert.equal(fake.chatBodies.length, 2, "the question is sent once the service is up");
    assert.equal(fake.chatBodies[1]!.message, "Are you awake?");
    assert.equal(await status.isHidden(), true);
    assert.equal(await lastAnswer().locator(".sources a").count(), 1);
    await shot("08-awake-answered");
  });

  it("waits for the service when the request fails on the network, then answers", async () => {
    fake.script.push({ kind: "drop" });
    await page.goto(fake.url);
    await ask("Hello?");
    await page.getByRole("status").waitFor();
    assert.match(await page.getByRole("status").innerText(), /waking up/i);
    await waitForAnswerSettled();
    assert.equal(fake.chatBodies.length, 2);
    assert.ok(fake.healthPolls.length >= 1, "health was polled before sending again");
    assert.equal(await lastAnswer().locator(".note").count(), 0, "a complete answer");
  });

  it("stops the stream with the Stop button", async () => {
    const gate = tokenGate();
    fake.script.push({ kind: "stream", tokens: ["First words ", "never sent"], beforeToken: (i) => gate.beforeToken(i) });
    await page.goto(fake.url);
    await ask("Tell me everything");
    gate.release(0);
    await until(async () => (await lastAnswer().locator(".message-body").innerText()).includes("First words"), "the first token");
    await page.getByRole("button", { name: "Stop" }).click();
    await until(() => fake.abortedStreams === 1, "the server to see the request aborted");
    await waitForAnswerSettled();
    assert.equal(await lastAnswer().locator(".message-body").innerText(), "First words");
    assert.match(await lastAnswer().locator(".note").innerText(), /stopped/);
    gate.release(1);
    gate.release(2);
    await shot("09-stopped");
  });

  it("renders model output as text, never as markup", async () => {
    fake.script.push({
      kind: "stream",
      tokens: ['<img src=x onerror="window.__pwned=1">', " and <script>window.__pwned=2</script>\n\n```html\n<b>bold</b>\n```"],
      sources: [{ file: "docs/x.md", heading: "<i>H</i>", similarity: 0.5, url: "javascript:window.__pwned=3" }],
    });
    await page.goto(fake.url);
    await ask("Inject?");
    await waitForAnswerSettled();
    const answer = lastAnswer();
    assert.equal(await answer.locator("img, script, b, i").count(), 0);
    assert.match(await answer.locator(".message-body").innerText(), /<img src=x onerror="window.__pwned=1"> and <script>/);
    assert.equal(await answer.locator("pre code").innerText(), "<b>bold</b>");
    assert.equal(await answer.locator(".sources a").count(), 0, "a javascript: url is not a link");
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  });

  it("fits a phone-sized screen without horizontal scrolling", async () => {
    await page.setViewportSize({ width: 360, height: 640 });
    const long = `${"x".repeat(300)}`;
    fake.script.push({
      kind: "stream",
      tokens: [`A long word: ${long}\n\n`, "```\n", `echo ${"very-long-argument-".repeat(12)}\n`, "```\n\nA list:\n- one\n- two"],
      sources: [{ file: `docs/${"deep/".repeat(20)}page.md`, heading: "A very long heading > with a path", similarity: 0.77 }],
    });
    await page.goto(fake.url);
    await ask(`A question with a long word ${long}`);
    await waitForAnswerSettled();
    // A string: this file is type-checked without the DOM library.
    const widths = await page.evaluate<{ scroll: number; client: number; body: number }>(
      "({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth, body: document.body.scrollWidth })",
    );
    assert.ok(widths.scroll <= widths.client && widths.body <= widths.client, `no horizontal scroll: ${JSON.stringify(widths)}`);
    for (const selector of ["#question", "#send", "#stop", "#new-conversation"]) {
      const box = (await page.locator(selector).boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 360 && box.y >= 0 && box.y + box.height <= 640, `${selector} is on screen: ${JSON.stringify(box)}`);
    }
    await shot("10-phone");
  });

  it("works inside a frame, as the Space page shows it; Enter sends and Shift+Enter adds a line", async () => {
    await page.goto(`${fake.url}/space.html`);
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    await frame.waitForLoadState();
    const box = frame.getByLabel("Your question");
    await box.click();
    await box.pressSequentially("First line");
    await box.press("Shift+Enter");
    await box.pressSequentially("second line");
    assert.equal(await box.inputValue(), "First line\nsecond line");
    assert.equal(fake.chatBodies.length, 0, "Shift+Enter does not send");
    await box.press("Enter");
    await waitForAnswerSettled(frame);
    assert.equal(fake.chatBodies[0]!.message, "First line\nsecond line");
    assert.deepEqual(await frame.locator("article.message.user .message-body p").evaluate((p) => p.innerHTML), "First line<br>second line");
    assert.equal(await lastAnswer(frame).locator(".sources a").count(), 1);
    await shot("11-in-a-frame");
  });
});
