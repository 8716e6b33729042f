// The embedded data folder across restarts and beside other processes, with real processes:
// an ingested book is served after any number of restarts, the sample book only seeds an
// empty store, and one process at a time holds the folder.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { LOCK_FILE } from "../src/db/data-dir-lock.ts";
import { chat, waitFor } from "./support/harness.ts";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src");
const SERVER = path.join(SRC, "server.ts");
const CLI = path.join(SRC, "ingest/cli.ts");

interface Server {
  url: string;
  output(): string;
  /** SIGTERM by default; SIGKILL leaves what a crash leaves. Resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `npm start` as a user runs it: the banner's book line printed means start-up has finished. */
async function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", LOG_LEVEL: "warn", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    if (child.exitCode === null) child.kill(signal);
    return exited;
  };
  try {
    await waitFor(() => /\n {2}book {8}.*\n/.test(output) || child.exitCode !== null, 90_000, "the banner's book line");
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output}`);
  return { url: /Docs chat backend on (http:\/\/localhost:\d+)/.exec(output)![1]!, output: () => output, stop };
}

/** Runs a process to its end with only the given variables (plus PATH). */
function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env }, timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, output: `${stdout}${stderr}`, ms: Date.now() - started });
    });
  });
}

async function sourcesOf(url: string, message: string): Promise<string[]> {
  const { events } = await chat(url, { message });
  const done = events.at(-1)!;
  assert.equal(done.type, "done", JSON.stringify(events.at(-1)));
  return (done.sources as Array<{ file: string }>).map((s) => s.file);
}

describe("the embedded data folder", { timeout: 300_000 }, () => {
  let scratch: string;
  let book: string;
  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), "embedded-data-"));
    // A book of its own, unlike the sample book, so its chunks can be told apart.
    book = path.join(scratch, "book", "docs");
    await mkdir(path.join(book, "01-harbour"), { recursive: true });
    await writeFile(path.join(book, "01-harbour", "01-tides.md"), "# Tides\n\n## Reading a tide table\n\nThe harbour master posts the tide table at the lighthouse every Monday. Spring tides follow the full moon.\n");
    await writeFile(path.join(book, "02-knots.md"), "# Knots\n\n## The bowline\n\nA bowline makes a fixed loop at the end of a rope. Sailors tie it around a mooring post.\n");
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it("serves an ingested book after restarts; the sample book only seeds an empty store", async () => {
    const dataDir = path.join(scratch, "ingested");
    // README order: ingest first, then start.
    const ingest = await run(CLI, [path.dirname(book)], { DATA_DIR: dataDir });
    assert.equal(ingest.code, 0, ingest.output);
    assert.match(ingest.output, /Ingested 2 files/);

    for (let start = 1; start <= 3; start++) {
      const server = await startServer({ DATA_DIR: dataDir });
      try {
        assert.match(server.output(), /book {8}2 files, \d+ chunks, embedded with local-hash-v1, as ingested before this start/, `start ${start}`);
        const sources = await sourcesOf(server.url, "When is the tide table posted at the lighthouse?");
        assert.ok(sources.length > 0 && sources.every((file) => file === "docs/01-harbour/01-tides.md" || file === "docs/02-knots.md"), `start ${start}: ${sources.join(", ")}`);
      } finally {
        assert.equal(await server.stop(), 0);
      }
    }
  });

  it("seeds the sample book into an empty store, keeps it on the next start, and SAMPLE_DOCS_DIR=off seeds nothing", async () => {
    const seeded = path.join(scratch, "seeded");
    let server = await startServer({ DATA_DIR: seeded });
    try {
      assert.match(server.output(), /book {8}9 files, \d+ chunks, embedded with local-hash-v1: the sample book in \S*sample-docs, ingested into the empty store/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    server = await startServer({ DATA_DIR: seeded });
    try {
      assert.match(server.output(), /book {8}9 files, \d+ chunks, embedded with local-hash-v1, as ingested before this start/);
    } finally {
      await server.stop();
    }

    server = await startServer({ DATA_DIR: path.join(scratch, "off"), SAMPLE_DOCS_DIR: "off" });
    try {
      assert.match(server.output(), /book {8}empty: npm run ingest -- path\/to\/book\/docs fills it/);
      assert.deepEqual(await sourcesOf(server.url, "How do I ingest my book?"), []);
    } finally {
      await server.stop();
    }
  });

  it("is held by one process: a second server and an ingest are refused at once, naming the folder and the holder", async () => {
    const dataDir = path.join(scratch, "held");
    const server = await startServer({ DATA_DIR: dataDir });
    try {
      const holder = JSON.parse(await readFile(path.join(dataDir, LOCK_FILE), "utf8")) as { pid: number };
      const second = await run(SERVER, [], { DATA_DIR: dataDir, PORT: "0" });
      assert.equal(second.code, 1);
      assert.ok(second.ms < 60_000, `refused after ${second.ms} ms, not after waiting for the folder`); // a busy machine takes seconds to start Node
      assert.match(second.output, new RegExp(`The embedded data folder ${dataDir} is in use by the server \\(npm start\\) \\(pid ${holder.pid}, since [^)]+\\)\\.`));

      const ingest = await run(CLI, [path.dirname(book)], { DATA_DIR: dataDir });
      assert.equal(ingest.code, 1);
      assert.match(ingest.output, new RegExp(`Ingest failed: The embedded data folder ${dataDir} is in use by the server \\(npm start\\) \\(pid ${holder.pid}.*Stop the server \\(Ctrl\\+C\\), run the ingest, then start the server again`));
      // The refused processes changed nothing: the server still serves the sample book.
      assert.ok((await sourcesOf(server.url, "How do I ingest my book?")).some((file) => file.includes("ingesting-a-book")));
    } finally {
      assert.equal(await server.stop(), 0);
    }
    // Released on a clean stop: the ingest now goes through.
    await assert.rejects(readFile(path.join(dataDir, LOCK_FILE)));
    const ingest = await run(CLI, [path.dirname(book)], { DATA_DIR: dataDir });
    assert.equal(ingest.code, 0, ingest.output);
  });

  it("takes over the lock of a process that died without releasing it", async () => {
    const dataDir = path.join(scratch, "stale");
    const server = await startServer({ DATA_DIR: dataDir });
    const pid = /"pid":(\d+)/.exec(await readFile(path.join(dataDir, LOCK_FILE), "utf8"))![1]!;
    await server.stop("SIGKILL");
    assert.match(await readFile(path.join(dataDir, LOCK_FILE), "utf8"), new RegExp(`"pid":${pid}`), "SIGKILL left the lock behind");

    const ingest = await run(CLI, [path.dirname(book)], { DATA_DIR: dataDir });
    assert.equal(ingest.code, 0, ingest.output);
    const next = await startServer({ DATA_DIR: dataDir });
    try {
      assert.match(next.output(), /book {8}\d+ files/);
    } finally {
      assert.equal(await next.stop(), 0);
    }
  });
});
