import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { answerOf, chat, waitFor } from "./support/harness.ts";

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/server.ts");

describe("npm start with no configuration at all", () => {
  it("listens, ingests the sample book into embedded PGlite, answers over SSE, and stops cleanly on SIGTERM", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "docs-chat-embedded-"));
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: "0", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => /http:\/\/localhost:\d+\//.test(stdout), 30_000, "the banner");
      const url = /Docs chat backend on (http:\/\/localhost:\d+)/.exec(stdout)![1]!;
      assert.match(stdout, /embedded PGlite/);
      assert.match(stdout, /local-hash-v1/);
      assert.match(stdout, /extractive answerer \(no GEMINI_API_KEY\)/);

      await waitFor(async () => (await fetch(`${url}/api/health`)).status === 200, 60_000, "health 200");
      const { response, events } = await chat(url, { message: "How do I ingest my book?" });
      assert.equal(response.status, 200);
      assert.equal(events[0]!.type, "metadata");
      const answer = answerOf(events);
      assert.match(answer, /No LLM key is set/);
      assert.match(answer, /\[1\]/);
      const done = events.at(-1)!;
      assert.equal(done.type, "done");
      const sources = done.sources as Array<{ file: string }>;
      assert.ok(sources.some((s) => /ingest/i.test(s.file)), `sources: ${sources.map((s) => s.file).join(", ")}`);
    } finally {
      child.kill("SIGTERM");
      const code = await exited;
      await rm(dataDir, { recursive: true, force: true });
      assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    }
  });
});
