// Rehearses the Space from the bundle alone: the Dockerfile's own build steps and CMD,
// as UID 1000, with the environment the Space gives, against the Gemini and Qdrant
// emulators and a real Postgres. A bundle that lacks what the app needs must fail here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../emulators/gemini/gemini.ts";
import { freePort } from "../emulators/core/http.ts";
import { startQdrantEmulator } from "../emulators/qdrant/qdrant.ts";
import { startSpace, type RunningSpace } from "../emulators/space-runner/space-runner.ts";
import { buildBundle } from "../scripts/bundle.ts";
import { createDatabase, delay, ensureUser, postChat, postgresForSpace, readEvents, seedCollection, SPACE_UID, startWhereSpaceReaches, type ChatEvent } from "./support/space-fixtures.ts";

// docker stop (and so a Space restart) sends SIGKILL 10 s after SIGTERM.
const STOP_DEADLINE_MS = 10_000;
const testDatabaseUrl = process.env.TEST_DATABASE_URL;

describe(
  "the Space, rehearsed from the bundle",
  { skip: testDatabaseUrl ? false : "TEST_DATABASE_URL is unset: the container rehearsal needs a real Postgres", timeout: 900_000 },
  () => {
    const scratch = mkdtempSync(join(tmpdir(), "container-test-"));
    const bundleDir = join(scratch, "bundle");
    let gemini: Awaited<ReturnType<typeof startGeminiEmulator>>;
    let qdrant: Awaited<ReturnType<typeof startQdrantEmulator>>;
    let database: { url: string; drop: () => void };
    let databaseForSpace: { url: string; close: () => Promise<void> };
    let createdUser: string | undefined;
    let bundleHash = "";

    before(async () => {
      createdUser = ensureUser(SPACE_UID, scratch);
      bundleHash = (await buildBundle({ root: join(import.meta.dirname, ".."), outDir: bundleDir, env: process.env })).hash;
      // The Space reaches the outside only on ports 80, 443 and 8080: so do its upstreams here.
      gemini = await startWhereSpaceReaches((host, port) => startGeminiEmulator({ host, port }));
      qdrant = await startWhereSpaceReaches((host, port) => startQdrantEmulator({ apiKey: "test-qdrant-key", host, port }));
      await seedCollection(gemini, qdrant);
      database = createDatabase(testDatabaseUrl as string);
      databaseForSpace = await postgresForSpace(database.url);
    });

    after(async () => {
      await gemini?.close();
      await qdrant?.close();
      await databaseForSpace?.close();
      database?.drop();
      if (createdUser) spawnSync("userdel", [createdUser]);
      rmSync(scratch, { recursive: true, force: true });
    });

    const spaceEnv = (): Record<string, string> => ({
      NODE_ENV: "production",
      GEMINI_API_KEY: gemini.apiKey,
      GEMINI_BASE_URL: gemini.url,
      QDRANT_URL: qdrant.url,
      QDRANT_API_KEY: qdrant.apiKey,
      DATABASE_URL: databaseForSpace.url,
    });

    test("builds with the Dockerfile's steps, serves as UID 1000, writes only HOME and /tmp, stops on SIGTERM", async () => {
      // Every path UID 1000 may write outside /tmp, with its mtime and size: any write
      // it makes there shows as a new, changed or missing entry.
      const before = writablePaths(SPACE_UID);
      const result = await rehearse(copyOf(bundleDir, scratch), spaceEnv(), gemini);
      const after = writablePaths(SPACE_UID);
      assert.deepEqual(diff(before, after), [], "no write outside HOME and /tmp");

      assert.equal(result.uid, SPACE_UID, "the app runs as UID 1000");
      assert.equal(result.version, bundleHash, "/api/health reports the hash of the bundle it was built from");
      assert.deepEqual(result.chat.map((e) => e.type).filter((t, i, all) => t !== all[i - 1]), ["metadata", "token", "done"]);
      assert.ok(result.chat.filter((e) => e.type === "token").length >= 1);
      assert.equal(result.stop.code, 0, `exit code after SIGTERM (signal ${result.stop.signal})`);
      assert.ok(result.stop.ms < STOP_DEADLINE_MS, `exited ${result.stop.ms} ms after SIGTERM`);
      assert.ok(Array.isArray(result.heldStream), `the open stream was ended cleanly, not ${String(result.heldStream)}`);
      assert.equal(result.heldStream.at(0)?.type, "metadata");
      assert.equal(result.heldStream.at(-1)?.type, "error", "a stream cut by shutdown ends with an error event");
      assert.ok(result.build.some((line) => /npm ci --omit=dev/.test(line)), "the runtime stage's install ran");
    });

    test("a runtime dependency declared only as a devDependency fails the rehearsal", async () => {
      const repo = copyOf(bundleDir, scratch);
      moveToDevDependencies(repo, "helmet");
      await assert.rejects(rehearse(repo, spaceEnv(), gemini), /RUNTIME_ERROR|helmet/);
    });

    test("a bundle without public/index.html fails the rehearsal", async () => {
      const repo = copyOf(bundleDir, scratch);
      rmSync(join(repo, "public", "index.html"));
      await assert.rejects(rehearse(repo, spaceEnv(), gemini), /GET \/ /);
    });
  },
);

// ---------------------------------------------------------------- the rehearsal

type Rehearsal = {
  uid: number;
  /** `version` from /api/health: the bundle hash the image carries. */
  version: unknown;
  chat: ChatEvent[];
  /** What the stream left open at SIGTERM received; undefined when it never ended. */
  heldStream: ChatEvent[] | "reset" | undefined;
  stop: { code: number | null; signal: string | null; ms: number };
  build: string[];
};

class RehearsalFailed extends Error {}

/** Builds and runs the repo as the Space would, checks it serves, then stops it; throws on any failure. */
async function rehearse(repoDir: string, env: Record<string, string>, gemini: GeminiEmulator): Promise<Rehearsal> {
  const port = await freePort();
  const space = await startSpace({ repoDir, env, port, uid: SPACE_UID, gid: SPACE_UID });
  const fail = (what: string): never => {
    const tail = [...space.logs.build.slice(-15), ...space.logs.run.slice(-25)].join("\n");
    throw new RehearsalFailed(`${what} (stage ${space.stage})\n${tail}`);
  };
  try {
    if (space.stage !== "RUNNING") fail(`the Space did not start: ${space.stage}`);
    const { version } = await waitForHealthy(space, fail);
    const uid = uidOf(space.pid as number);

    const page = await fetch(`${space.url}/`);
    if (page.status !== 200) fail(`GET / answered ${page.status}, not the chat page`);
    if (!(page.headers.get("content-type") ?? "").includes("text/html")) fail("GET / is not HTML");
    const docs = await fetch(`${space.url}/docs/`);
    if (docs.status !== 200) fail(`GET /docs/ answered ${docs.status}`);
    const check = await space.healthcheck();
    if (!check.ok) fail(`the Dockerfile's HEALTHCHECK failed: ${check.output}`);

    const chat = await readEvents(await postChat(space.url, "How do I set up the workspace?"));
    if (chat.at(0)?.type !== "metadata" || chat.at(-1)?.type !== "done") fail(`chat events: ${JSON.stringify(chat)}`);

    // A stream still open at SIGTERM: Gemini sends one piece a second.
    gemini.setStreamProfile({ firstTokenDelayMs: 0, tokenDelayMs: 1_000, tokens: 60 });
    const held = await postChat(space.url, "A question that will still be streaming at shutdown");
    const heldEvents = readEvents(held);
    await delay(500);
    const stop = await space.stop("SIGTERM");
    const heldStream = await Promise.race([
      heldEvents.catch(() => "reset" as const),
      delay(2_000).then(() => undefined),
    ]);
    return { uid, version, chat, heldStream, stop, build: space.logs.build };
  } finally {
    gemini.reset();
    await space.stop("SIGKILL");
  }
}

async function waitForHealthy(space: RunningSpace, fail: (what: string) => never): Promise<{ version?: unknown }> {
  const deadline = Date.now() + 90_000;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (space.stage !== "RUNNING") fail("the app exited before it was healthy");
    const response = await fetch(`${space.url}/api/health`).catch(() => undefined);
    if (response?.status === 200) return (await response.json()) as { version?: unknown };
    if (response) last = `${response.status} ${await response.text()}`;
    await delay(500);
  }
  fail(`/api/health never answered 200; last: ${last}`);
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}

// ---------------------------------------------------------------- fixtures

/** The bundle copied into an empty folder, as the Space repo would hold it. */
function copyOf(bundleDir: string, scratch: string): string {
  const repo = mkdtempSync(join(scratch, "repo-"));
  cpSync(bundleDir, repo, { recursive: true });
  return repo;
}

/** The mistake that compiles but cannot run: a runtime package listed as a devDependency. */
function moveToDevDependencies(repo: string, name: string): void {
  type Manifest = { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const packagePath = join(repo, "package.json");
  const manifest = JSON.parse(readFileSync(packagePath, "utf8")) as Manifest;
  const version = manifest.dependencies[name];
  assert.ok(version, `${name} is a dependency`);
  delete manifest.dependencies[name];
  manifest.devDependencies[name] = version;
  writeFileSync(packagePath, JSON.stringify(manifest, null, 2) + "\n");

  const lockPath = join(repo, "package-lock.json");
  const lock = JSON.parse(readFileSync(lockPath, "utf8")) as { packages: Record<string, Manifest & { dev?: boolean }> };
  const root = lock.packages[""] as Manifest;
  delete root.dependencies[name];
  root.devDependencies[name] = version;
  (lock.packages[`node_modules/${name}`] as { dev?: boolean }).dev = true;
  writeFileSync(lockPath, JSON.stringify(lock, null, 2) + "\n");
}

// ---------------------------------------------------------------- helpers

/**
 * Every file and folder `uid` may write or owns, outside /tmp and the kernel's trees:
 * path → "f <mtime> <size>" for files, "d" for folders. A file it creates is its own,
 * so it shows up; a file it changes gets a new mtime. Folder mtimes are left out
 * because other users' processes (Postgres in /dev/shm) change shared folders too.
 */
function writablePaths(uid: number): Map<string, string> {
  const args = [
    "/",
    "/dev/shm",
    "(", "-path", "/proc", "-o", "-path", "/sys", "-o", "-path", "/dev", "-o", "-path", "/tmp", "-o", "-path", "/mnt", ")",
    "-prune", "-o", "(", "-type", "d", "-o", "-type", "f", ")", "(", "-writable", "-o", "-user", String(uid), ")",
    "-printf", "%p\t%y %T@ %s\n",
  ];
  const result = spawnSync("find", args, { uid, gid: uid, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const paths = new Map<string, string>();
  for (const line of result.stdout.split("\n")) {
    const [path, stamp] = line.split("\t");
    if (path && stamp) paths.set(path, stamp.startsWith("d") ? "d" : stamp);
  }
  assert.ok(paths.size > 0, "find listed the writable paths");
  return paths;
}

function diff(before: Map<string, string>, after: Map<string, string>): string[] {
  const changes: string[] = [];
  for (const [path, stamp] of after) {
    if (!before.has(path)) changes.push(`created ${path}`);
    else if (before.get(path) !== stamp) changes.push(`changed ${path}`);
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push(`deleted ${path}`);
  return changes;
}

