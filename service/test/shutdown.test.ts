// SIGTERM while 50 answers stream: the process, as `npm start` runs it, ends every stream
// with an error event, stores every partial answer, and exits 0 within its deadline.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { freePort } from "../../emulators/core/http.ts";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { freshPostgres, skipWithoutPostgres, type TestDatabase } from "./support/databases.ts";
import { postChat, readEvents, waitFor, type ChatEvent } from "./support/harness.ts";

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/server.ts");
const STREAMS = 50;
const SHUTDOWN_TIMEOUT_MS = 3_000;

describe("SIGTERM with 50 open streams", { skip: skipWithoutPostgres, timeout: 120_000 }, () => {
  let database: TestDatabase;
  let gemini: GeminiEmulator;
  before(async () => {
    database = await freshPostgres();
    // Long answers: every stream is still open when the signal comes.
    gemini = await startGeminiEmulator({ streamProfile: { firstTokenDelayMs: 0, tokenDelayMs: 200, tokens: 200 } });
  });
  after(async () => {
    await gemini.close();
    await database.drop();
  });

  it("ends each stream with an error event, stores each question and partial answer, and exits 0 in time", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [SERVER], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: database.url,
        GEMINI_API_KEY: gemini.apiKey,
        GEMINI_BASE_URL: gemini.url,
        RATE_LIMIT_PER_MINUTE: "0",
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await waitFor(async () => {
        const response = await fetch(`${url}/api/health`).catch(() => undefined);
        return response !== undefined && ((await response.json()) as { status: string }).status !== "starting";
      }, 30_000, `start-up finished:\n${output}`);

      const streams = await Promise.all(
        Array.from({ length: STREAMS }, async (_, i) => {
          const response = await postChat(url, { message: `Question ${i} at shutdown`, mode: "selection", context: "A passage about shutting down." });
          assert.equal(response.status, 200);
          const events: ChatEvent[] = [];
          const reader = readEvents(response);
          const first = await reader.next();
          events.push(first.value as ChatEvent);
          return { events, rest: (async () => { for await (const event of reader) events.push(event); })() };
        }),
      );
      await waitFor(() => gemini.activeStreams() === STREAMS, 10_000, "every upstream stream open");

      const signalled = performance.now();
      child.kill("SIGTERM");
      const [code] = await exited;
      const ms = performance.now() - signalled;
      await Promise.all(streams.map((stream) => stream.rest.catch(() => undefined)));

      assert.equal(code, 0, `exit code; output:\n${output}`);
      assert.ok(ms < SHUTDOWN_TIMEOUT_MS + 2_000, `exited ${Math.round(ms)} ms after SIGTERM`);
      for (const { events } of streams) {
        assert.equal(events.at(0)?.type, "metadata");
        assert.deepEqual([events.at(-1)?.type, events.at(-1)?.code], ["error", "shutting_down"], "each stream ends with the error event");
      }
      const { rows } = await database.db.query<{ role: string; incomplete: boolean; n: string }>(
        "select role, incomplete, count(*) as n from messages group by role, incomplete order by role",
      );
      assert.deepEqual(
        rows.map((row) => [row.role, row.incomplete, Number(row.n)]),
        [["assistant", true, STREAMS], ["user", false, STREAMS]],
        "every question, and every partial answer marked incomplete",
      );
      assert.equal(gemini.activeStreams(), 0, "no upstream stream left open");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
