// The author's report (npm run report), end to end: questions and votes seeded through the
// real HTTP API, the report run as its own process on the same database (embedded PGlite in
// DATA_DIR, and a real Postgres with Qdrant), its counts and groups checked, its page
// rendered in Chromium.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { ingestDocs } from "../src/ingest/ingest.ts";
import type { AuthorReport } from "../src/report/author-report.ts";
import { freshPostgres, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";
import { chat, startTestApp, type TestApp } from "./support/harness.ts";
import { SAMPLE_DOCS } from "./support/upstreams.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "service/src/report/cli.ts");
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOTS = path.join(ROOT, "test-artifacts/screenshots");
const DAY = 86_400_000;
const today = new Date().toISOString().slice(0, 10);
const yesterday = new Date(Date.now() - DAY).toISOString().slice(0, 10);

const COVERED = ["How do I ingest my book?", "How do I deploy the backend with pulumi up?", "Which events does POST /api/chat stream?"];
const UNCOVERED = ["What is the capital of France?", "what's the capital of France", "What is the capital city of France?", "How do I write a Flask app in Python?"];

function runReport(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Only what the server would see: no variable of the test's own environment leaks in.
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

interface Seeded {
  conversations: string[];
  /** The answers' ids by question. */
  answers: Map<string, string>;
}

/** Questions covered and not, a selection, votes (one changed), one conversation moved to yesterday, one out of the period. */
async function seed(app: TestApp): Promise<Seeded> {
  const seeded: Seeded = { conversations: [], answers: new Map() };
  const ask = async (body: Record<string, unknown>) => {
    const { response, events } = await chat(app.url, body);
    assert.equal(response.status, 200);
    const done = events.at(-1)!;
    assert.equal(done.type, "done", JSON.stringify(done));
    seeded.conversations.push(events[0]!.conversation_id as string);
    seeded.answers.set(body.message as string, events[0]!.answer_id as string);
    return done.sources as unknown[];
  };
  for (const message of COVERED) assert.ok((await ask({ message })).length > 0, `${message} is answered from the book`);
  for (const message of UNCOVERED) assert.deepEqual(await ask({ message }), [], `${message} is answered from no passage`);
  await ask({ message: "What does this mean?", mode: "selection", context: "The Space listens on port 7860." });

  const vote = async (question: string, body: Record<string, unknown>) => {
    const response = await fetch(`${app.url}/api/answers/${seeded.answers.get(question)}/feedback`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(response.status, 200);
  };
  await vote(COVERED[0]!, { vote: "up" });
  await vote(COVERED[1]!, { vote: "down", reason: "It skips the stack configuration." });
  await vote(COVERED[1]!, { vote: "down", reason: "It skips the stack configuration step." });
  await vote(COVERED[2]!, { vote: "up" });
  await vote(UNCOVERED[3]!, { vote: "down", reason: "The book should say it does not cover Flask." });

  // Asked yesterday, and asked long ago (outside the default 30 days).
  const yesterdays = await chat(app.url, { message: "How do I read a conversation back?" });
  const old = await chat(app.url, { message: "What does the health endpoint report?" });
  seeded.conversations.push(yesterdays.events[0]!.conversation_id as string, old.events[0]!.conversation_id as string);
  await app.deps.db.query(`update messages set created_at = created_at - interval '1 day' where conversation_id = $1`, [yesterdays.events[0]!.conversation_id]);
  await app.deps.db.query(`update messages set created_at = created_at - interval '40 days' where conversation_id = $1`, [old.events[0]!.conversation_id]);
  return seeded;
}

const engines = [
  { name: "embedded PGlite in DATA_DIR", postgres: false, skip: false as const },
  { name: "Postgres and Qdrant", postgres: true, skip: skipWithoutPostgres },
];

for (const engine of engines) {
  describe(`npm run report on ${engine.name}`, { skip: engine.skip, timeout: 300_000 }, () => {
    let work: string;
    let env: NodeJS.ProcessEnv;
    let seeded: Seeded;
    let database: TestDatabase | undefined;
    let qdrant: QdrantEmulator | undefined;
    let report: AuthorReport;
    let out: string;
    before(async () => {
      work = mkdtempSync(path.join(tmpdir(), "author-report-"));
      if (engine.postgres) {
        database = await freshPostgres();
        qdrant = await startQdrantEmulator({ apiKey: "report-qdrant-key" });
        env = { DATABASE_URL: database.url, QDRANT_URL: qdrant.url, QDRANT_API_KEY: qdrant.apiKey };
      } else {
        env = { DATA_DIR: path.join(work, "data"), SAMPLE_DOCS_DIR: SAMPLE_DOCS };
      }
      // Two passages per answer: some pages go uncited.
      env.RETRIEVAL_TOP_K = "2";
      const app = await startTestApp({ env });
      try {
        if (engine.postgres) await ingestDocs({ docsDir: SAMPLE_DOCS, embedder: app.deps.embedder, store: app.deps.store });
        seeded = await seed(app);
      } finally {
        // The embedded database is one process's at a time: the report opens it after.
        await app.close();
      }
      out = path.join(work, "report");
      const run = await runReport(env, ["--out", out]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Report \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: 9 asked, 4 answered from the book, 4 not covered \(2 questions\), 2 voted up, 2 voted down/);
      report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8")) as AuthorReport;
    });
    after(async () => {
      await Promise.all([database?.drop(), qdrant?.close()]);
      rmSync(work, { recursive: true, force: true });
    });

    it("counts per day: asked, answered from the book, not covered, votes; the last 30 days by default", () => {
      assert.equal(report.period.until, today);
      assert.equal(report.days.length, 30);
      const byDay = new Map(report.days.map((d) => [d.day, d]));
      // Today: 3 covered, 4 not, 1 selection (neither); votes: the one changed counts once.
      assert.deepEqual(byDay.get(today), { day: today, asked: 8, answeredFromBook: 3, notCovered: 4, votedUp: 2, votedDown: 2 });
      assert.deepEqual(byDay.get(yesterday), { day: yesterday, asked: 1, answeredFromBook: 1, notCovered: 0, votedUp: 0, votedDown: 0 });
      assert.deepEqual(report.totals, { asked: 9, answeredFromBook: 4, notCovered: 4, votedUp: 2, votedDown: 2 });
    });

    it("groups the questions not covered by wording, most asked first", () => {
      assert.deepEqual(
        report.notCovered.map((g) => [g.count, g.question, g.wordings.map((w) => w.text).sort()]),
        [
          [3, "What is the capital of France?", ["What is the capital city of France?", "What is the capital of France?", "what's the capital of France"]],
          [1, "How do I write a Flask app in Python?", ["How do I write a Flask app in Python?"]],
        ],
      );
      assert.equal(report.grouping.embedder, "local-hash-v1");
    });

    it("lists the answers voted down with their reason, question, answer and sources", () => {
      const votes = new Map(report.votedDown.map((v) => [v.question, v]));
      assert.equal(report.votedDown.length, 2);
      const deploy = votes.get(COVERED[1]!)!;
      assert.equal(deploy.reason, "It skips the stack configuration step.");
      assert.ok(deploy.answer.length > 0);
      assert.ok(deploy.sources.some((s) => /deploying/.test(s.file)));
      const flask = votes.get(UNCOVERED[3]!)!;
      assert.equal(flask.reason, "The book should say it does not cover Flask.");
      assert.deepEqual(flask.sources, []);
    });

    it("the lowest-similarity answers first, and the pages cited most and never", () => {
      const similarities = report.lowestSimilarity.map((a) => a.similarity);
      assert.equal(similarities.length, 4, "every answer from the book of the period");
      assert.deepEqual(similarities, [...similarities].sort((a, b) => a - b));
      assert.ok(report.lowestSimilarity.every((a) => a.sources.length > 0 && a.question.length > 0));
      const cited = report.mostCited.map((p) => p.file);
      assert.ok(cited.includes("docs/04-operations/01-ingesting-a-book.md"));
      assert.deepEqual(report.mostCited.map((p) => p.answers), [...report.mostCited.map((p) => p.answers)].sort((a, b) => b - a));
      const never = report.neverCited.map((p) => p.file);
      assert.ok(never.length > 0);
      const pages = readdirSync(path.join(SAMPLE_DOCS, "docs"), { recursive: true, encoding: "utf8" }).filter((f) => /\.mdx?$/.test(f));
      assert.equal(pages.length, 9);
      assert.deepEqual([...cited, ...never].sort(), pages.map((f) => `docs/${f}`).sort(), "every page of the book, cited or not");
      assert.ok(report.neverCited.every((p) => p.title.length > 0 && p.url.startsWith("/docs/")));
    });

    it("writes Markdown, HTML with the chart, the SVG; no reader's address, no conversation id", async () => {
      const markdown = await readFile(path.join(out, "report.md"), "utf8");
      const html = await readFile(path.join(out, "report.html"), "utf8");
      const svg = await readFile(path.join(out, "counts-per-day.svg"), "utf8");
      for (const heading of ["## Questions the book did not cover", "## Answers voted down", "## Lowest-similarity answers", "## Pages cited most", "## Pages never cited", "## Counts per day"]) {
        assert.ok(markdown.includes(heading), heading);
      }
      assert.match(markdown, /\| 3 \| What is the capital of France\? \|/);
      assert.match(markdown, /!\[Questions, answers and votes per day\]\(counts-per-day\.svg\)/);
      assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok(html.includes(svg), "the chart is inline");
      assert.doesNotMatch(html, /<script/i);
      const json = await readFile(path.join(out, "report.json"), "utf8");
      for (const text of [markdown, html, json]) {
        assert.doesNotMatch(text, /127\.0\.0\.1|::1|::ffff:/, "no client address");
        for (const id of seeded.conversations) assert.ok(!text.includes(id), "no conversation id");
        for (const id of seeded.answers.values()) assert.ok(!text.includes(id), "no answer id");
      }
    });

    it("takes --since and --until, and names a bad one", async () => {
      const older = path.join(work, "older");
      const since = new Date(Date.now() - 45 * DAY).toISOString().slice(0, 10);
      const run = await runReport(env, ["--since", since, "--until", today, "--out", older]);
      assert.equal(run.code, 0, run.stderr);
      const wide = JSON.parse(await readFile(path.join(older, "report.json"), "utf8")) as AuthorReport;
      assert.equal(wide.days.length, 46);
      assert.equal(wide.totals.asked, 10, "the question asked 40 days ago is in");
      const bad = await runReport(env, ["--since", "2026-13-01", "--out", older]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--since must be a date such as 2026-11-30, got "2026-13-01"/);
      const reversed = await runReport(env, ["--since", today, "--until", since, "--out", older]);
      assert.match(reversed.stderr, /is after --until/);
    });

    if (!engine.postgres) {
      it("renders in Chromium: the chart and the sections", { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing` }, async () => {
        mkdirSync(SCREENSHOTS, { recursive: true });
        const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
        try {
          const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
          const errors: string[] = [];
          page.on("pageerror", (err) => errors.push(err.message));
          await page.goto(`file://${path.join(out, "report.html")}`);
          const chart = page.locator("figure svg");
          assert.equal(await chart.count(), 1);
          const box = await chart.boundingBox();
          assert.ok(box && box.width > 600 && box.height > 200, JSON.stringify(box));
          assert.ok((await page.locator("figure svg path").count()) > 10, "bars and lines drawn");
          assert.deepEqual(await page.locator("h2").allTextContents(), [
            "Questions the book did not cover",
            "Answers voted down",
            "Lowest-similarity answers",
            "Pages cited most",
            "Pages never cited",
            "Counts per day",
          ]);
          await page.screenshot({ path: path.join(SCREENSHOTS, "author-report.png"), fullPage: true });
          assert.deepEqual(errors, []);
        } finally {
          await browser.close();
        }
      });
    }
  });
}
