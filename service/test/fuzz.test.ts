// The service's own OpenAPI description drives schemathesis, a property-based fuzzer,
// against the running service (Postgres, and Gemini and Qdrant through their emulators):
// no 5xx, no response that breaks its documented schema, status or content type, and
// every undeclared method a 405. .ci/run installs schemathesis (tools/fuzz/requirements.txt).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { startStack, type Stack } from "./support/upstreams.ts";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SCHEMATHESIS = process.env.SCHEMATHESIS ?? path.join(REPO, ".tools", "fuzz", "bin", "schemathesis");
const missing = existsSync(SCHEMATHESIS) ? false : `schemathesis is not installed (python3 -m venv .tools/fuzz && .tools/fuzz/bin/pip install -r tools/fuzz/requirements.txt)`;
// Checks that need data or auth this API does not have (it has no users and no create-then-read links).
const NOT_APPLICABLE = ["ensure_resource_availability", "ignored_auth", "object_level_authorization", "use_after_free"];

describe("fuzzing the API from its OpenAPI description", { skip: process.env.CI ? false : missing, timeout: 600_000 }, () => {
  let stack: Stack;
  before(async () => {
    assert.ok(!missing, `CI installs schemathesis: ${missing}`);
    stack = await startStack({ RATE_LIMIT_PER_MINUTE: "0" });
  });
  after(() => stack?.close());

  it("finds no server error and no response that breaks the description", async () => {
    const args = [
      "run", `${stack.app.url}/openapi.json`,
      "--checks", "all", "--exclude-checks", NOT_APPLICABLE.join(","),
      "--max-examples", "60", "--workers", "1", "--seed", "20261201", "--no-color",
    ];
    const { code, output } = await run(SCHEMATHESIS, args);
    const summary = output.split("\n").filter((line) => /\d+ generated|Seed:/.test(line)).join("\n");
    process.stdout.write(`schemathesis: ${summary}\n`);
    assert.equal(code, 0, output.slice(-6_000));
    assert.match(output, /\d+ generated, \d+ passed/);
  });
});

/**
 * Runs without blocking: the service under test lives in this process. In a scratch
 * folder, so schemathesis's cache and reports stay out of the checkout.
 */
function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const cwd = mkdtempSync(path.join(tmpdir(), "fuzz-"));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}
