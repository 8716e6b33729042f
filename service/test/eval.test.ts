import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { scoreTurn, totals } from "../src/eval/metrics.ts";
import { parseQuestionSet, QuestionSetError } from "../src/eval/question-set.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = path.join(ROOT, "service/src/eval/cli.ts");

function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("question sets", () => {
  it("reads single questions, follow-ups, lists of pages and `none`", () => {
    const set = parseQuestionSet(`
questions:
  - ask: How do I ingest?
    expect: docs/04-operations/01-ingesting-a-book.md
  - id: deploy
    ask: How do I deploy?
    expect: [a.md, b.mdx]
    then:
      ask: And undo it?
      expect: c.md
  - ask: Capital of France?
    expect: none
`);
    assert.deepEqual(set, [
      { id: "q1", turns: [{ ask: "How do I ingest?", expected: ["04-operations/01-ingesting-a-book.md"] }] },
      { id: "deploy", turns: [{ ask: "How do I deploy?", expected: ["a.md", "b.mdx"] }, { ask: "And undo it?", expected: ["c.md"] }] },
      { id: "q3", turns: [{ ask: "Capital of France?", expected: null }] },
    ]);
  });

  it("names the question and field that are wrong", () => {
    assert.throws(() => parseQuestionSet("questions:\n  - ask: x\n  - ask: y\n    expect: a.md\n    then: {ask: ''}\n"), (err: Error) => {
      assert.ok(err instanceof QuestionSetError);
      assert.match(err.message, /questions\[1\]\.expect/);
      assert.match(err.message, /questions\[2\]\.then\.ask/);
      return true;
    });
    assert.throws(() => parseQuestionSet("questions:\n  - ask: x\n    expect: a.md\n    typo: 1\n"), /typo/);
    assert.throws(() => parseQuestionSet("questions: [\n"), /not valid YAML/);
    assert.throws(() => parseQuestionSet("questions:\n  - {id: a, ask: x, expect: a.md}\n  - {id: a, ask: y, expect: a.md}\n"), /id a is used twice/);
  });
});

describe("eval metrics", () => {
  it("ranks distinct pages: a page's second passage does not push the next page down", () => {
    const turn = { ask: "q", expected: ["b.md"] };
    const score = scoreTurn(turn, ["docs/a.md", "docs/a.md", "docs/b.md"], 5);
    assert.deepEqual(score, { rank: 2, hitAt1: false, hitAtK: true, reciprocalRank: 0.5, silent: false });
    assert.equal(scoreTurn(turn, ["a.md", "c.md", "b.md"], 2).hitAtK, false);
    assert.equal(scoreTurn(turn, [], 5).rank, null);
    assert.equal(scoreTurn({ ask: "q", expected: null }, [], 5).silent, true);
    assert.equal(scoreTurn({ ask: "q", expected: null }, ["a.md"], 5).silent, false);
  });

  it("totals answerable turns, follow-ups and out-of-scope questions apart", () => {
    const hit = scoreTurn({ ask: "q", expected: ["a.md"] }, ["a.md"], 5);
    const second = scoreTurn({ ask: "q", expected: ["a.md"] }, ["b.md", "a.md"], 5);
    const miss = scoreTurn({ ask: "q", expected: ["a.md"] }, ["b.md"], 5);
    const silent = scoreTurn({ ask: "q", expected: null }, [], 5);
    const t = totals([
      { followUp: false, expected: ["a.md"], score: hit },
      { followUp: true, expected: ["a.md"], score: second },
      { followUp: true, expected: ["a.md"], score: miss },
      { followUp: false, expected: null, score: silent },
    ]);
    assert.deepEqual(t, { answerable: 3, hitAt1: 0.333, hitAtK: 0.667, mrr: 0.5, followUps: 2, followUpHitRate: 0.5, followUpHitAt1: 0, outOfScope: 1, silenceRate: 1 });
  });
});

describe("npm run eval", () => {
  it("runs a set through the embedded pipeline on a docs folder, prints JSON, and fails below a floor", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "docs-chat-eval-"));
    try {
      await mkdir(path.join(dir, "docs"));
      await writeFile(path.join(dir, "docs/llamas.md"), "# Llamas\n\n## Feeding\n\nLlamas eat hay and grass. Give them fresh water every day.\n");
      await writeFile(path.join(dir, "docs/boats.md"), "# Boats\n\n## Sails\n\nA sloop has one mast and two sails; reef the mainsail in strong wind.\n");
      await writeFile(
        path.join(dir, "questions.yaml"),
        "questions:\n  - ask: What do llamas eat?\n    expect: llamas.md\n    then:\n      ask: How often do they need water?\n      expect: llamas.md\n  - ask: How many masts has a sloop?\n    expect: boats.md\n",
      );
      const json = await runCli([path.join(dir, "questions.yaml"), "--docs", path.join(dir, "docs"), "--json"]);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout);
      assert.equal(report.setup.ingest.files, 2);
      assert.deepEqual(
        report.turns.map((t: { id: string; rank: number; followUp: boolean }) => [t.id, t.rank, t.followUp]),
        [["q1", 1, false], ["q1.2", 1, true], ["q2", 1, false]],
      );
      assert.equal(report.totals.mrr, 1);

      const floor = await runCli([path.join(dir, "questions.yaml"), "--docs", path.join(dir, "docs"), "--min-mrr", "1.1"]);
      assert.equal(floor.code, 1);
      assert.match(floor.stderr, /--min-mrr must be a number from 0 to 1/);

      await writeFile(path.join(dir, "miss.yaml"), "questions:\n  - ask: What do llamas eat?\n    expect: boats.md\n");
      const below = await runCli([path.join(dir, "miss.yaml"), "--docs", path.join(dir, "docs"), "--min-mrr", "0.9"]);
      assert.equal(below.code, 1);
      assert.match(below.stderr, /Below the floor: mrr 0 < --min-mrr 0\.9/);

      await writeFile(path.join(dir, "bad.yaml"), "questions:\n  - ask: What do llamas eat?\n    expect: lama.md\n");
      const typo = await runCli([path.join(dir, "bad.yaml"), "--docs", path.join(dir, "docs")]);
      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /not in the collection: lama\.md/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("scores the sample book's question set, as a table", async () => {
    const { code, stdout, stderr } = await runCli([path.join(ROOT, "service/sample-docs/questions.yaml"), "--min-hit-at-k", "0.5", "--min-silence", "0.3"]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /answerable turns: hit@1 [\d.]+, hit@5 [\d.]+, MRR [\d.]+/);
    assert.match(stdout, /follow-ups: hit@1/);
  });
});
