import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { manifestOf, parseManifest, runningBundleHash } from "../src/bundle-manifest.ts";

test("the manifest's hash is the one the service reports; no manifest or a foreign one reports none", () => {
  const dir = mkdtempSync(join(tmpdir(), "manifest-"));
  try {
    const manifest = manifestOf([
      { path: "src/b.ts", content: Buffer.from("b") },
      { path: "Dockerfile", content: Buffer.from("FROM node:24-slim\n") },
    ]);
    assert.deepEqual(manifest.files.map((file) => file.path), ["Dockerfile", "src/b.ts"], "sorted by path");
    const file = join(dir, "bundle-manifest.json");
    writeFileSync(file, JSON.stringify(manifest));
    assert.deepEqual(parseManifest(JSON.stringify(manifest), "here"), manifest);
    assert.equal(runningBundleHash(pathToFileURL(file)), manifest.hash);

    assert.equal(runningBundleHash(pathToFileURL(join(dir, "missing.json"))), undefined);
    writeFileSync(file, '{"hash":"not a hash","files":[]}');
    assert.equal(runningBundleHash(pathToFileURL(file)), undefined);
    assert.throws(() => parseManifest('{"hash":"' + "0".repeat(64) + '","files":[{"path":"../x","size":1,"sha256":"' + "0".repeat(64) + '"}]}', "there"), /there is not a bundle manifest/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
