// npm run bundle: what goes to the Space, byte for byte, and what must never go.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix, relative, sep } from "node:path";
import { after, before, describe, test } from "node:test";
import { DockerfileParser, type JSONInstruction } from "dockerfile-ast";
import ts from "typescript";
import { BundleError, buildBundle, type BuiltBundle } from "../scripts/bundle.ts";

const repoRoot = join(import.meta.dirname, "..");
const bundleScript = join(repoRoot, "scripts", "bundle.ts");
const scratch = mkdtempSync(join(tmpdir(), "bundle-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Every file under dir, as sorted posix paths relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

const sha256 = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex");

/** A copy of the parts of the repository the bundle reads, to plant things in. */
function copyOfTree(name: string): string {
  const root = join(scratch, name);
  mkdirSync(root, { recursive: true });
  cpSync(join(repoRoot, "tsconfig.json"), join(root, "tsconfig.json"));
  cpSync(join(repoRoot, "huggingface-spaces"), join(root, "huggingface-spaces"), { recursive: true });
  cpSync(join(repoRoot, "service"), join(root, "service"), {
    recursive: true,
    filter: (source) => !source.split(sep).includes("node_modules"),
  });
  return root;
}

function runCli(root: string, outDir: string, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [bundleScript, "--root", root, "--out", outDir], {
    encoding: "utf8",
    env: { ...process.env, ...env },
  });
  return { code: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe("bundle of the repository", () => {
  let first: BuiltBundle;
  let second: BuiltBundle;
  const outA = join(scratch, "a");
  const outB = join(scratch, "b");

  before(async () => {
    first = await buildBundle({ root: repoRoot, outDir: outA, env: {} });
    second = await buildBundle({ root: repoRoot, outDir: outB, env: {} });
  });

  test("is deterministic: two builds give the same hash and the same bytes", () => {
    assert.equal(first.hash, second.hash);
    assert.deepEqual(listFiles(outA), listFiles(outB));
    for (const file of listFiles(outA)) {
      assert.ok(readFileSync(join(outA, file)).equals(readFileSync(join(outB, file))), `${file} differs`);
    }
  });

  test("the manifest lists every other file with its size and sha256, sorted, and hashes that list", () => {
    const manifest = JSON.parse(readFileSync(join(outA, "bundle-manifest.json"), "utf8")) as {
      hash: string;
      files: Array<{ path: string; size: number; sha256: string }>;
    };
    assert.deepEqual(Object.keys(manifest), ["hash", "files"]);
    const onDisk = listFiles(outA).filter((file) => file !== "bundle-manifest.json");
    assert.deepEqual(manifest.files.map((file) => file.path), onDisk, "sorted, complete, nothing extra");
    for (const entry of manifest.files) {
      const bytes = readFileSync(join(outA, entry.path));
      assert.deepEqual(Object.keys(entry), ["path", "size", "sha256"]);
      assert.equal(entry.size, bytes.length, entry.path);
      assert.equal(entry.sha256, sha256(bytes), entry.path);
    }
    // The hash is the sha256sum listing of the files, hashed: checkable with shell tools.
    const listing = onDisk.map((file) => `${sha256(readFileSync(join(outA, file)))}  ${file}\n`).join("");
    assert.equal(manifest.hash, sha256(listing));
    assert.equal(first.hash, manifest.hash);
    assert.equal(first.files.length, onDisk.length);
    assert.equal(first.bytes, manifest.files.reduce((sum, file) => sum + file.size, 0));
  });

  test("holds the allow-list: Space files, the service's manifest, lockfile, tsconfig, src and public", () => {
    const files = listFiles(outA);
    for (const required of [
      "Dockerfile",
      "README.md",
      ".dockerignore",
      "package.json",
      "package-lock.json",
      "tsconfig.build.json",
      "src/server.ts",
      "public/index.html",
    ]) {
      assert.ok(files.includes(required), `${required} is in the bundle`);
    }
    const topLevel = new Set(["Dockerfile", "README.md", ".dockerignore", "package.json", "package-lock.json", "tsconfig.build.json", "bundle-manifest.json"]);
    for (const file of files) {
      assert.ok(topLevel.has(file) || file.startsWith("src/") || file.startsWith("public/"), `${file} is not on the allow-list`);
      assert.doesNotMatch(file, /(^|\/)(node_modules|test|tests|emulators|infra|scripts|\.git|dist|sample-docs)(\/|$)/, file);
      assert.doesNotMatch(file, /\.test\.ts$|(^|\/)\.env/, file);
    }
    assert.ok(readFileSync(join(outA, "package.json")).equals(readFileSync(join(repoRoot, "service/package.json"))));
    assert.ok(readFileSync(join(outA, "package-lock.json")).equals(readFileSync(join(repoRoot, "service/package-lock.json"))));
    assert.ok(readFileSync(join(outA, "Dockerfile")).equals(readFileSync(join(repoRoot, "huggingface-spaces/Dockerfile"))));
  });

  test("the shipped tsconfig stands alone and compiles like service/tsconfig.build.json", () => {
    const shipped = readConfig(join(outA, "tsconfig.build.json"));
    const original = readConfig(join(repoRoot, "service/tsconfig.build.json"));
    assert.equal(shipped.raw.extends, undefined, "no extends: the Space repo has no parent tsconfig");
    assert.deepEqual(shipped.errors, []);
    assert.deepEqual(showConfig(join(outA, "tsconfig.build.json")), showConfig(join(repoRoot, "service/tsconfig.build.json")));
    assert.deepEqual(
      shipped.fileNames.map((file) => posix.relative(outA.split(sep).join("/"), file)),
      original.fileNames
        .map((file) => posix.relative(join(repoRoot, "service").split(sep).join("/"), file))
        .filter((file) => !/\.(test|spec)\.ts$/.test(file)),
      "the same sources",
    );
  });

  test("every file the Dockerfile copies from the build context is in the bundle", () => {
    const files = listFiles(outA);
    const dockerfile = DockerfileParser.parse(readFileSync(join(outA, "Dockerfile"), "utf8"));
    for (const copy of dockerfile.getCOPYs() as JSONInstruction[]) {
      if (copy.getFlags().some((flag) => flag.getName() === "from")) continue;
      const sources = copy.getArguments().map((arg) => arg.getValue()).slice(0, -1);
      for (const source of sources) {
        const path = posix.normalize(source).replace(/\/$/, "");
        assert.ok(files.some((file) => file === path || file.startsWith(`${path}/`)), `COPY ${source}: missing from the bundle`);
      }
    }
  });

  test("the README links the app's /docs", async () => {
    const withHost = await buildBundle({ root: repoRoot, outDir: join(scratch, "readme"), env: {}, spaceHost: "owner-docs-chat.hf.space" });
    const readme = readFileSync(join(withHost.outDir, "README.md"), "utf8");
    assert.match(readme, /\(https:\/\/owner-docs-chat\.hf\.space\/docs\)/);
    assert.doesNotMatch(readFileSync(join(outA, "README.md"), "utf8"), /\{\{/, "no placeholder left without a host");
    // The Hub's `host` field is an origin; an emulated Space's has a port.
    const withOrigin = await buildBundle({ root: repoRoot, outDir: join(scratch, "readme-origin"), env: {}, spaceHost: "http://127.0.0.1:41234" });
    assert.match(readFileSync(join(withOrigin.outDir, "README.md"), "utf8"), /\(http:\/\/127\.0\.0\.1:41234\/docs\)/);
    await assert.rejects(buildBundle({ root: repoRoot, outDir: join(scratch, "readme-bad"), env: {}, spaceHost: "https://host/with/path" }), /SPACE_HOST must be/);
  });
});

function readConfig(path: string) {
  const raw = ts.readConfigFile(path, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(raw.config, ts.sys, join(path, ".."), undefined, path);
  return { raw: raw.config as Record<string, unknown>, options: parsed.options, errors: parsed.errors, fileNames: parsed.fileNames };
}

/** What tsc makes of a config, less the file list and the machine-specific excludes. */
function showConfig(path: string): Record<string, unknown> {
  const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", path, "--showConfig"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout);
  const config = JSON.parse(result.stdout) as Record<string, unknown>;
  delete config.files;
  delete config.exclude;
  return config;
}

describe("bundle refuses secrets", () => {
  const canary = `canary-${randomBytes(12).toString("hex")}`;

  test("files outside the allow-list never reach the bundle, a planted .env included", async () => {
    const root = copyOfTree("outside");
    writeFileSync(join(root, "service/.env"), `GEMINI_API_KEY=${canary}\n`);
    mkdirSync(join(root, "service/src/node_modules/left-over"), { recursive: true });
    writeFileSync(join(root, "service/src/node_modules/left-over/index.js"), "export {};\n");
    writeFileSync(join(root, "service/src/planted.test.ts"), "export {};\n");
    mkdirSync(join(root, "emulators"), { recursive: true });
    writeFileSync(join(root, "emulators/x.ts"), "export {};\n");
    const bundle = await buildBundle({ root, outDir: join(root, ".bundle"), env: {} });
    const files = listFiles(bundle.outDir);
    for (const file of files) {
      assert.doesNotMatch(file, /\.env|node_modules|planted|emulators/, file);
      assert.ok(!readFileSync(join(bundle.outDir, file)).includes(canary), `${file} carries the canary`);
    }
  });

  test("a .env inside an allowed folder stops the command, naming the file and not its value", () => {
    const root = copyOfTree("dotenv");
    const outDir = join(root, ".bundle");
    writeFileSync(join(root, "service/src/.env"), `GEMINI_API_KEY=${canary}\n`);
    const { code, output } = runCli(root, outDir, {});
    assert.equal(code, 1, output);
    assert.match(output, /service\/src\/\.env: is an \.env file/);
    assert.ok(!output.includes(canary), "the value is never printed");
    assert.equal(existsSync(outDir), false, "no bundle is written");
  });

  test("the value of a secret in the environment stops the command, naming the file and the variable", () => {
    const root = copyOfTree("canary");
    const outDir = join(root, ".bundle");
    assert.equal(runCli(root, outDir, { GEMINI_API_KEY: canary }).code, 0, "a clean tree bundles with the secret set");
    assert.ok(existsSync(join(outDir, "bundle-manifest.json")));
    writeFileSync(join(root, "service/public/planted.txt"), `the key is ${canary}\n`);
    const { code, output } = runCli(root, outDir, { GEMINI_API_KEY: canary });
    assert.equal(code, 1, output);
    assert.match(output, /service\/public\/planted\.txt: contains the value of GEMINI_API_KEY/);
    assert.ok(!output.includes(canary), "the value is never printed");
    assert.equal(existsSync(outDir), false, "the earlier bundle is gone too, so it cannot be uploaded instead");
  });

  test("each kind of secret is named", async () => {
    const root = copyOfTree("kinds");
    const planted: Record<string, string> = {
      "service/src/deploy.pem": "not even a key\n",
      "service/public/id_rsa": "nothing\n",
      "service/public/key.txt": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
      "service/src/hf.ts": `export const token = "hf_${"a".repeat(34)}";\n`,
      "service/src/google.ts": `export const key = "AIza${"B".repeat(35)}";\n`,
      "service/src/db-url.ts": 'export const url = "postgresql://neondb_owner:npg_abcdefgh1234@ep-cool.neon.tech/neondb";\n',
      "service/src/password.ts": `export const p = "${canary}-pw";\n`,
    };
    for (const [path, text] of Object.entries(planted)) writeFileSync(join(root, path), text);
    const env = { DATABASE_URL: `postgresql://user:${canary}-pw@db.example.com/app`, HF_TOKEN: "short" };
    const error = await buildBundle({ root, outDir: join(root, ".bundle"), env }).then(
      () => assert.fail("the bundle was built"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof BundleError);
    assert.equal(error.code, "BUNDLE_SECRET");
    const reasons = new Map(error.findings.map((f) => [f.file, f.reason]));
    assert.match(reasons.get("service/src/deploy.pem") ?? "", /key or certificate/);
    assert.match(reasons.get("service/public/id_rsa") ?? "", /SSH key/);
    assert.match(reasons.get("service/public/key.txt") ?? "", /private key block/);
    assert.match(reasons.get("service/src/hf.ts") ?? "", /Hugging Face token/);
    assert.match(reasons.get("service/src/google.ts") ?? "", /Google API key/);
    assert.match(reasons.get("service/src/db-url.ts") ?? "", /connection string/);
    assert.match(reasons.get("service/src/password.ts") ?? "", /password in DATABASE_URL/);
    assert.ok(!JSON.stringify(error.findings).includes(canary));
    assert.ok(!error.message.includes(canary));
  });

  test("the output folder is replaced only when it is a bundle", async () => {
    const root = copyOfTree("outdir");
    await assert.rejects(buildBundle({ root, outDir: root, env: {} }), { code: "BUNDLE_OUT_DIR" });
    await assert.rejects(buildBundle({ root, outDir: join(root, "service"), env: {} }), { code: "BUNDLE_OUT_DIR" });
    const notABundle = join(root, "precious");
    mkdirSync(notABundle);
    writeFileSync(join(notABundle, "keep.txt"), "keep\n");
    await assert.rejects(buildBundle({ root, outDir: notABundle, env: {} }), { code: "BUNDLE_OUT_DIR" });
    assert.ok(existsSync(join(notABundle, "keep.txt")));
  });
});
