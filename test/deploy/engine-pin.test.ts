// The engine scripts/pulumi-engine builds and the SDK the program runs on are one release.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");

test("the Pulumi engine's Go pin and the @pulumi/pulumi npm pin name the same release", () => {
  const goMod = readFileSync(join(ROOT, "tools", "pulumi-engine", "go.mod"), "utf8");
  const engine = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 v(\S+)/m.exec(goMod)?.[1];
  const sdk = /^\s*github\.com\/pulumi\/pulumi\/sdk\/v3 v(\S+)/m.exec(goMod)?.[1];
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const npm = lock.packages["node_modules/@pulumi/pulumi"]?.version;
  assert.ok(engine && sdk && npm, "all three pins are found");
  assert.equal(engine, npm, "engine (pkg/v3) and @pulumi/pulumi");
  assert.equal(sdk, npm, "the Go SDK the language host is built with");
});
