// The README's commands, run as written, so the README cannot drift from the project.
// Each command of its bash blocks is run here, by the deploy rehearsal, or by .ci/run;
// a command nobody runs fails this test.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { freePort } from "../emulators/core/http.ts";
import { readmeBlocks } from "./support/readme.ts";

const ROOT = join(import.meta.dirname, "..");

/** Commands run elsewhere, and where. */
const RUN_ELSEWHERE: Array<[RegExp, string]> = [
  [/^npm install$/, ".ci/run installs with npm ci, from the same lockfiles"],
  [/^npm test$/, ".ci/run"],
  [/^npm run bench -- --quick$/, ".ci/run, after the tests"],
  [/^npm run eval -- service\/sample-docs\/questions\.yaml$/, ".ci/run, with floors (service/test/eval.test.ts runs it too)"],
  [/^npm run eval -- service\/eval-sets\/\w+\.yaml --docs service\/node_modules\/[\w/]+$/, ".ci/run, with floors"],
  [/^npm run report( -- .*)?$/, "service/test/report.test.ts runs the report's command line on a seeded database"],
  [/^pulumi /, "the deploy rehearsals run them: test/deploy/rehearsal.test.ts the deploy block, test/deploy/environments.test.ts the staging block"],
  [/^npm run emulators -- --hub --vercel --hub-plan free$/, "emulators/test/cli.test.ts"],
  [/^curl .*\$\(pulumi stack output /, "the deploy rehearsal runs the verify block against the deployed Space"],
  [/^npm ci --prefix docusaurus-kit$/, ".ci/run installs and builds the theme so"],
  [/^npm pack \.\/docusaurus-kit( |$)/, "test/browser/docusaurus-site.ts packs the theme with this command and installs the file in its book"],
];
/** Commands this file runs. */
const RUN_HERE = [/^npm start$/, /^curl -N http:\/\/localhost:7860\/api\/chat /, /^npm run ingest -- path\/to\/book\/docs$/];

const commands = readmeBlocks().flat();
const scratch = mkdtempSync(join(tmpdir(), "readme-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("every command in the README is run by a test or by .ci/run", () => {
  const orphans = commands.filter((line) => !RUN_HERE.some((pattern) => pattern.test(line)) && !RUN_ELSEWHERE.some(([pattern]) => pattern.test(line)));
  assert.deepEqual(orphans, [], "commands nothing runs");
  for (const pattern of RUN_HERE) assert.ok(commands.some((line) => pattern.test(line)), `the README still has ${pattern}`);
});

describe("the quickstart, as written", { timeout: 180_000 }, () => {
  test("npm start serves the sample book, and the README's curl streams an answer", async () => {
    // The README's port is the default; here a free one, so a running backend does not collide.
    const port = await freePort();
    const server = run("npm start", { PORT: String(port), DATA_DIR: join(scratch, "start-data") });
    try {
      await until(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined))?.status === 200, 90_000, () => `npm start never became healthy:\n${server.output()}`);
      assert.match(server.output(), /Docs chat backend on http:\/\/localhost:\d+/);
      const curl = commands.find((line) => line.startsWith("curl -N http://localhost:7860/api/chat"))!;
      const answer = await run(curl.replace("localhost:7860", `localhost:${port}`)).done;
      assert.equal(answer.code, 0, answer.output);
      const events = answer.stdout.split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)) as { type: string });
      assert.equal(events.at(0)?.type, "metadata");
      assert.ok(events.some((event) => event.type === "token"));
      assert.equal(events.at(-1)?.type, "done");
    } finally {
      server.stop();
      await server.done;
    }
  });

  test("npm run ingest reads a docs folder and says what it wrote", async () => {
    const line = commands.find((command) => command.startsWith("npm run ingest -- "))!;
    const ingest = await run(line.replace("path/to/book/docs", "service/sample-docs"), { DATA_DIR: join(scratch, "ingest-data") }).done;
    assert.equal(ingest.code, 0, ingest.output);
    assert.match(ingest.output, /Ingested \d+ files into .*: \d+ chunks/, "one summary line counts files and chunks");
  });
});

describe("Connect your book: ingest, then start, as written", { timeout: 180_000 }, () => {
  test("the started backend serves the ingested book, not the sample book", async () => {
    const block = readmeBlocks().find((lines) => lines.includes("npm start") && lines.some((line) => line.startsWith("npm run ingest -- ")));
    assert.deepEqual(block, ["npm run ingest -- path/to/book/docs", "npm start"], "the README shows ingest, then start, in one block");
    const book = join(scratch, "my-book");
    mkdirSync(join(book, "docs"), { recursive: true });
    writeFileSync(join(book, "docs", "lighthouse.md"), "# The lighthouse\n\n## Keeping the lamp\n\nThe keeper trims the lamp's wick at dusk and winds the clockwork that turns the lens.\n");
    const env = { DATA_DIR: join(scratch, "connect-data") };

    const ingest = await run(block![0]!.replace("path/to/book", book), env).done;
    assert.equal(ingest.code, 0, ingest.output);
    const port = await freePort();
    const server = run(block![1]!, { ...env, PORT: String(port) });
    try {
      await until(async () => /\n {2}book {8}.*\n/.test(server.output()), 90_000, () => `npm start never said which book it serves:\n${server.output()}`);
      assert.match(server.output(), /book {8}1 files, \d+ chunks, embedded with local-hash-v1, as ingested before this start/);
      const response = await fetch(`http://127.0.0.1:${port}/api/chat`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ message: "Who trims the lamp?" }) });
      const done = (await response.text()).split("\n").filter((line) => line.startsWith("data: ")).map((line) => JSON.parse(line.slice(6)) as { type: string; sources?: Array<{ file: string }> }).at(-1);
      assert.deepEqual(done?.sources?.map((source) => source.file), ["docs/lighthouse.md"]);
    } finally {
      server.stop();
      await server.done;
    }
  });
});

type Running = { output(): string; stop(): void; done: Promise<{ code: number | null; stdout: string; output: string }> };

/** Runs a README line with bash in the repository, in its own process group. */
function run(line: string, env: Record<string, string> = {}): Running {
  const child = spawn("bash", ["-c", line], { cwd: ROOT, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const done = new Promise<{ code: number | null; stdout: string; output: string }>((resolve) =>
    child.once("close", (code) => resolve({ code, stdout, output: `${stdout}\n${stderr}` })),
  );
  return {
    output: () => `${stdout}\n${stderr}`,
    stop: () => {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, "SIGTERM");
    },
    done,
  };
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, explain: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(explain());
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
