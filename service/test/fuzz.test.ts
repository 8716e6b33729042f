// The service's own OpenAPI description drives schemathesis, a property-based fuzzer,
// against the running service (Postgres, and Gemini and Qdrant through their emulators):
// no 5xx, no response that breaks its documented schema, status or content type, and
// every undeclared method a 405. .ci/run installs schemathesis (tools/fuzz/requirements.txt).
// Schemathesis percent-encodes what it sends, so malformed encodings in the path are fuzzed
// here too, from the same description, without it.
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

/** Percent-encodings that do not decode: truncated, not hex, bad UTF-8 (overlong, surrogate, cut). */
const MALFORMED = ["%", "%%", "%0", "%Z", "%ZZ", "%E0%A4%A", "%E0%A4", "%C3%28", "%C0%AF", "%ED%A0%80", "%F0%9F%98", "%FF", "a%", "%2", "%%41"];
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Every documented path with a malformed encoding in a parameter, glued to a segment, or as a new segment. */
function malformedPaths(templates: readonly string[], next: () => number, perTemplate: number): string[] {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const out: string[] = [];
  for (const template of templates) {
    for (let i = 0; i < perTemplate; i++) {
      const bad = pick(MALFORMED) + (next() < 0.5 ? pick(MALFORMED) : "");
      const withParams = template.replace(/\{[^}]+\}/g, () => (next() < 0.5 ? bad : `x${bad}y`));
      out.push(withParams === template ? (next() < 0.5 ? `${template}${bad}` : `${template}/${bad}`) : withParams);
    }
  }
  return out;
}

describe("fuzzing the API's paths with malformed percent-encoding", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ RATE_LIMIT_PER_MINUTE: "0" });
  });
  after(() => stack?.close());

  it("answers every documented path, with any method, under 500", async () => {
    const spec = (await (await fetch(`${stack.app.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    const seed = 20261202;
    const paths = malformedPaths([...Object.keys(spec.paths), "/", "/docs"], random(seed), 8);
    const failures: string[] = [];
    for (const path of paths) {
      for (const method of METHODS) {
        const hasBody = !["GET", "HEAD", "OPTIONS"].includes(method);
        const response = await fetch(`${stack.app.url}${path}`, {
          method,
          headers: { "content-type": "application/json", origin: "http://localhost:3000" },
          ...(hasBody ? { body: "{}" } : {}),
        });
        await response.arrayBuffer();
        if (response.status >= 500) failures.push(`${method} ${path}: ${response.status}`);
      }
    }
    assert.ok(paths.length >= 40, `${paths.length} paths generated`);
    assert.deepEqual(failures, [], `seed ${seed}`);
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
