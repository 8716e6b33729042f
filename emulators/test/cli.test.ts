// `npm run emulators` as the README runs it: all four emulators up, and the `pulumi config
// set` lines it prints point at a Hub on the plan asked for and at a Vercel project.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { readmeCommands, shellWords } from "../../test/support/readme.ts";
import { SLOW_MACHINE_MS, until } from "./support.ts";

const ROOT = join(import.meta.dirname, "..", "..");

test("npm run emulators -- --hub --vercel --hub-plan free prints pulumi config lines that work", { timeout: 3 * SLOW_MACHINE_MS }, async () => {
  const line = readmeCommands("npm run emulators").find((command) => command.startsWith("npm run emulators"))!;
  assert.match(line, /--hub --vercel --hub-plan free/);
  const child = spawn("bash", ["-c", line], { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  // The whole process group gets the signal: npm and bash end by it, the emulators by closing.
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? String(code))));
  try {
    await until("the emulators", async () => (output.includes("Ctrl-C to stop.") ? true : undefined));
    const config = new Map(
      output
        .split("\n")
        .filter((l) => l.startsWith("pulumi config set "))
        .map((l) => {
          const words = shellWords(l).filter((word) => word !== "--secret" && word !== "--path");
          return [words[3]!.replace(/^docs-chat:/, ""), words[4]!] as const;
        }),
    );
    for (const key of ["hubUrl", "hfOwner", "hfToken", "vercelApiUrl", "vercelProject", "vercelToken", "geminiApiKey", "qdrantUrl", "qdrantApiKey", "spaceVariables.GEMINI_BASE_URL"]) {
      assert.ok(config.has(key), `a line sets ${key}:\n${output}`);
    }
    const hub = (path: string, init: RequestInit = {}) =>
      fetch(`${config.get("hubUrl")}${path}`, { ...init, headers: { authorization: `Bearer ${config.get("hfToken")}`, "content-type": "application/json" } });
    const me = (await (await hub("/api/whoami-v2")).json()) as { name: string; isPro: boolean };
    assert.deepEqual([me.name, me.isPro], [config.get("hfOwner"), false]);
    const create = await hub("/api/repos/create", { method: "POST", body: JSON.stringify({ type: "space", name: "docs-chat", sdk: "docker" }) });
    assert.equal(create.status, 402, "the free plan cannot create a Docker Space");
    const project = await fetch(`${config.get("vercelApiUrl")}/v9/projects/${config.get("vercelProject")}`, { headers: { authorization: `Bearer ${config.get("vercelToken")}` } });
    assert.equal(project.status, 200);
  } finally {
    process.kill(-child.pid!, "SIGTERM");
  }
  assert.match(await exited, /^(0|SIGTERM)$/, output);
  await until("the emulators to close", async () => (output.includes("SIGTERM: closing the emulators") ? true : undefined));
});
