// The environments rehearsal: two stacks of the one program, prod and staging (Pulumi.staging.yaml),
// with the real Pulumi engine against the same Hub and Vercel emulators, each deploying its own
// Space and writing only its own targets' record of the Vercel variable; then changes made by
// hand on the Hub (drift) on prod, found by `pulumi refresh` and put back by `pulumi up`. Both
// stacks are configured with the README's own commands.
//
//   npm run test:deploy     (also part of npm test; skipped in one line without an engine)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { commit } from "@huggingface/hub";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startHubEmulator, type HubEmulator } from "../../emulators/hub/hub.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { startVercelEmulator, type VercelEmulator } from "../../emulators/vercel/vercel.ts";
import { createDatabase, ensureUser, postgresForSpace, seedCollection, SPACE_UID, startWhereSpaceReaches, type OwnDatabase } from "../support/space-fixtures.ts";
import { configureForEmulators, isWrite, measureStep, printTable, type StepRecord } from "../support/deploy-steps.ts";
import { readmeCommands, shellWords } from "../support/readme.ts";
import { changed, findEngine, parseEvents, PulumiCli, type EngineEvents, type PulumiRun } from "./pulumi-cli.ts";
import { copyProject } from "./project-copy.ts";

const ROOT = join(import.meta.dirname, "..", "..");
// The README's deploy blocks name these; the emulators are set up to match them.
const OWNER = "my-user";
const PROD = `${OWNER}/docs-chat`;
const STAGING = `${OWNER}/docs-chat-staging`;
const VERCEL_PROJECT = "my-book";
const ENV_NAME = "CHAT_API_URL";

const engine = findEngine(ROOT);
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const skip =
  "missing" in engine ? (process.env.CI ? false : `no Pulumi engine (${engine.missing})`) : testDatabaseUrl ? false : "TEST_DATABASE_URL is unset: the Spaces need a real Postgres";

const canary = (label: string) => `${label}-canary-${randomBytes(9).toString("hex")}`;

describe("environments rehearsal: prod and staging side by side, and drift on prod put back", { skip, timeout: 2_400_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "deploy-environments-"));
  const project = join(scratch, "project");
  const stateDir = join(scratch, "state");
  const shared = { hfToken: `hf_${canary("hub")}`, vercelToken: canary("vercel"), geminiApiKey: `AIza-${canary("gemini")}`, qdrantApiKey: canary("qdrant"), qdrantUrl: "" };
  /** Each stack's secrets: the shared ones and a database of its own. */
  const secrets = { prod: { ...shared, databaseUrl: "" }, staging: { ...shared, databaseUrl: "" } };
  const records: StepRecord[] = [];
  let hub: HubEmulator;
  let vercel: VercelEmulator;
  let gemini: GeminiEmulator;
  let qdrant: QdrantEmulator;
  const databases: OwnDatabase[] = [];
  const forwarders: Array<{ close: () => Promise<void> }> = [];
  let createdUser: string | undefined;
  let pulumi: PulumiCli;
  const urls = { prod: "", staging: "" };

  before(async () => {
    assert.ok("bin" in engine, `CI needs the Pulumi engine: .ci/run builds it with scripts/pulumi-engine (${"missing" in engine ? engine.missing : ""})`);
    createdUser = ensureUser(SPACE_UID, scratch);
    copyProject(ROOT, project);
    gemini = await startWhereSpaceReaches((host, port) => startGeminiEmulator({ apiKey: shared.geminiApiKey, host, port }));
    qdrant = await startWhereSpaceReaches((host, port) => startQdrantEmulator({ apiKey: shared.qdrantApiKey, host, port }));
    await seedCollection(gemini, qdrant);
    shared.qdrantUrl = qdrant.url;
    for (const stack of ["prod", "staging"] as const) {
      const database = createDatabase(testDatabaseUrl!, { ownRole: true });
      databases.push(database);
      const forwarder = await postgresForSpace(database.url);
      forwarders.push(forwarder);
      secrets[stack] = { ...shared, databaseUrl: forwarder.url };
    }
    hub = await startHubEmulator({ token: shared.hfToken, user: OWNER, uid: SPACE_UID, gid: SPACE_UID });
    vercel = await startVercelEmulator({ token: shared.vercelToken, projects: [{ name: VERCEL_PROJECT, withDeployment: true }] });
    pulumi = new PulumiCli({ bin: "bin" in engine ? engine.bin : "", cwd: project, stateDir, home: join(scratch, "pulumi-home"), passphrase: canary("passphrase") });
    await pulumi.ok(["login", `file://${stateDir}`]);
  });

  after(async () => {
    printTable(records, "environments rehearsal, per step:");
    await hub?.close();
    await vercel?.close();
    await gemini?.close();
    await qdrant?.close();
    for (const forwarder of forwarders) await forwarder.close();
    for (const database of databases) database.drop();
    if (createdUser) spawnSync("userdel", [createdUser]);
    rmSync(scratch, { recursive: true, force: true });
  }, { timeout: 10 * 60_000 }); // a Space build still under way is waited for, never forever

  const measured = <T>(step: string, body: () => Promise<T>) => measureStep(records, { hub, vercel }, step, body, "environments");
  const space = (repoId: string) => {
    const found = hub.space(repoId);
    assert.ok(found, `the Space ${repoId} exists`);
    return found;
  };
  const envRecords = () => (vercel.project(VERCEL_PROJECT)?.envs ?? []).filter((env) => env.key === ENV_NAME);
  const recordFor = (target: string) => envRecords().find((env) => env.target.includes(target));
  /** `pulumi up` (or destroy) without a preview, its engine events read; fails with the whole output unless it exits 0. */
  async function upJson(args: string[]): Promise<{ run: PulumiRun; events: EngineEvents }> {
    const run = await pulumi.run([...args, "--yes", "--skip-preview", "--json"]);
    const events = parseEvents(run.stdout);
    assert.equal(run.code, 0, `pulumi ${args.join(" ")} failed:\n${events.diagnostics.join("") || run.stderr}`);
    return { run, events };
  }
  const stepWrites = () => records.at(-1)!.writes;
  const vercelWrites = () => stepWrites().filter((write) => /^[A-Z]+ \/v\d+\//.test(write));
  const hubWritesTo = (repoId: string, from: number) => hub.requests.slice(from).filter((r) => isWrite(r) && r.path.includes(`/spaces/${repoId}/`));

  /** Runs a README block line by line as a user would: secrets typed at the prompt, `up` confirmed. */
  async function runReadmeBlock(lines: string[], stack: keyof typeof secrets, onUp: (args: string[]) => Promise<void>): Promise<void> {
    for (const line of lines) {
      const [program, ...args] = shellWords(line);
      assert.equal(program, "pulumi", `the block runs pulumi only: ${line}`);
      if (args[0] === "up") await onUp(args);
      else if (args[0] === "stack" && args[1] === "output") urls[stack] = (await pulumi.ok(args)).stdout.trim();
      else if (args[2] === "--secret") await pulumi.ok(args, { input: secrets[stack][args[3] as keyof (typeof secrets)["prod"]] });
      else await pulumi.ok(args);
    }
  }

  test("1. prod, from the README's deploy block: its Space, and the variable on its targets", async () => {
    await measured("1. prod `pulumi up` from nothing", () =>
      runReadmeBlock(readmeCommands("pulumi stack init prod"), "prod", async (args) => {
        await configureForEmulators(pulumi, { hub, vercel, gemini });
        await upJson(args);
      }),
    );
    assert.equal(urls.prod, `http://127.0.0.1:${space(PROD).port}`);
    assert.equal((await fetch(`${urls.prod}/api/health`)).status, 200);
    assert.deepEqual(envRecords().map((env) => [env.value, [...env.target].sort()]), [[urls.prod, ["preview", "production"]]]);
  });

  test("2. staging, from the README's staging block: prod gives preview up, staging gets its own Space and the preview record, neither writes the other's", async () => {
    const block = readmeCommands("pulumi stack init staging");
    const narrowAt = block.findIndex((line) => line.startsWith("pulumi up --stack prod"));
    assert.ok(narrowAt > 0, "the block narrows prod's targets and updates prod before staging exists");
    const prodRecord = recordFor("production")!;

    await measured("2a. prod gives preview up (`pulumi up --stack prod`)", () =>
      runReadmeBlock(block.slice(0, narrowAt + 1), "prod", async (args) => {
        const up = await upJson(args);
        assert.deepEqual(changed(up.events), ["vercel-env:update"], "only the variable's targets change");
      }),
    );
    assert.deepEqual(stepWrites(), [`PATCH /v9/projects/${VERCEL_PROJECT}/env/${prodRecord.id}`], "one edit: prod's own record narrowed");
    assert.deepEqual(envRecords().map((env) => [env.id, env.value, env.target]), [[prodRecord.id, urls.prod, ["production"]]]);

    const hubMark = hub.requests.length;
    const prodUpdatedAt = recordFor("production")!.updatedAt;
    await measured("2b. staging `pulumi up` from nothing", () =>
      runReadmeBlock(block.slice(narrowAt + 1), "staging", async (args) => {
        await configureForEmulators(pulumi, { hub, vercel, gemini });
        const up = await upJson(args);
        assert.ok(!up.events.ops.has("vercel-redeploy"), "staging never redeploys production");
      }),
    );
    assert.notEqual(urls.staging, urls.prod);
    assert.equal(urls.staging, `http://127.0.0.1:${space(STAGING).port}`, "staging's own Space");
    assert.equal((await fetch(`${urls.staging}/api/health`)).status, 200);
    assert.equal((await fetch(`${urls.prod}/api/health`)).status, 200);
    assert.deepEqual(vercelWrites(), [`POST /v10/projects/${VERCEL_PROJECT}/env ${ENV_NAME}`], "one Vercel write: staging's preview record created");
    assert.deepEqual(
      envRecords().map((env) => [env.value, env.target]).sort(),
      [[urls.prod, ["production"]], [urls.staging, ["preview"]]].sort(),
      "production's record from prod, preview's from staging",
    );
    assert.equal(recordFor("production")!.updatedAt, prodUpdatedAt, "prod's record untouched");
    assert.deepEqual(hubWritesTo(PROD, hubMark), [], "no Hub write to prod's Space");
    assert.equal(vercel.project(VERCEL_PROJECT)!.deployments.filter((d) => d.redeployOf).length, 1, "only prod's first up redeployed production");
  });

  test("3. each stack's `pulumi up` again writes nothing: neither takes the variable back from the other", async () => {
    for (const stack of ["prod", "staging"] as const) {
      const up = await measured(`3. ${stack} \`pulumi up\` again`, () => upJson(["up", "--stack", stack]));
      assert.deepEqual(changed(up.events), [], `${stack}: every resource is unchanged`);
      assert.deepEqual(stepWrites(), [], `${stack}: no write call`);
    }
  });

  test("4. drift on prod made by hand on the Hub is found by `pulumi refresh` and put back by `pulumi up`; health answers 200 after", async () => {
    const manifest = JSON.parse(readFileSync(join(project, ".bundle", "bundle-manifest.json"), "utf8")) as { hash: string; files: Array<{ path: string }> };
    const edited = manifest.files.map((file) => file.path).find((path) => path.endsWith("src/server.ts"));
    assert.ok(edited, "the bundle holds the service's server.ts");
    const original = space(PROD).files.get(edited)!;
    const allowedOrigins = space(PROD).variables.get("ALLOWED_ORIGINS")!.value;
    const stagingSecretsBefore = [...space(STAGING).secrets].map(([key, entry]) => [key, entry.updatedAt]);

    // As someone does in the Space's settings and its file editor: each through the Hub's API.
    const hubCall = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${hub.url}/api/spaces/${PROD}/${path}`, {
        method,
        headers: { Authorization: `Bearer ${shared.hfToken}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      assert.equal(response.status, 200, await response.text());
    };
    await measured("4a. by hand on the Hub: a secret deleted, a variable changed, hardware changed, a file edited", async () => {
      await hubCall("DELETE", "secrets", { key: "QDRANT_API_KEY" });
      await hubCall("POST", "variables", { key: "ALLOWED_ORIGINS", value: "https://someone-else.example" });
      await hubCall("POST", "hardware", { flavor: "cpu-upgrade" });
      await commit({
        repo: { type: "space", name: PROD },
        title: `Update ${edited}`,
        operations: [{ operation: "addOrUpdate", path: edited, content: new Blob([Buffer.concat([original, Buffer.from("\n// edited on the Hub by hand\n")])]) }],
        hubUrl: hub.url,
        accessToken: shared.hfToken,
        useWebWorkers: false,
      });
    });
    assert.equal(space(PROD).hardware.requested, "cpu-upgrade");

    const refresh = await measured("4b. prod `pulumi refresh`", () => upJson(["refresh", "--stack", "prod"]));
    assert.deepEqual(stepWrites(), [], "a refresh only reads");
    assert.ok(
      refresh.events.diagnostics.some((line) => line.includes(`1 file(s) of bundle ${manifest.hash.slice(0, 12)} changed on the Hub: ${edited}`)),
      `the refresh names the edited file:\n${refresh.events.diagnostics.join("")}`,
    );

    const hubMark = hub.requests.length;
    const up = await measured("4c. prod `pulumi up` puts it back", () => upJson(["up", "--stack", "prod"]));
    assert.deepEqual(changed(up.events), ["space-bundle:update", "space-rollout:update", "space-secrets:update", "space-variables:update", "space:update"]);
    const writes = stepWrites();
    assert.ok(writes.includes(`POST /api/spaces/${PROD}/secrets QDRANT_API_KEY`), `the deleted secret set again: ${writes.join(", ")}`);
    assert.equal(writes.filter((write) => write.includes("/secrets")).length, 1, "no other secret written");
    assert.ok(writes.includes(`POST /api/spaces/${PROD}/variables ALLOWED_ORIGINS`), "the changed variable set again");
    assert.equal(writes.filter((write) => write.includes("/variables")).length, 1, "no other variable written");
    assert.ok(writes.includes(`POST /api/spaces/${PROD}/hardware`), "the hardware requested again");
    const commitRequest = hub.requests.slice(hubMark).filter((r) => r.path.endsWith("/commit/main")).at(-1);
    assert.ok(commitRequest, "a commit puts the file back");
    const operations = (commitRequest.body as { operations: Array<{ key: string; path: string }> }).operations;
    assert.deepEqual(operations.filter((op) => op.key === "file").map((op) => op.path).sort(), [edited, "bundle-manifest.json"].sort(), "only the edited file (and the manifest) sent");
    assert.deepEqual(vercelWrites(), [], "no Vercel write");
    assert.deepEqual(hubWritesTo(STAGING, hubMark), [], "staging untouched");

    assert.deepEqual([...space(PROD).secrets.keys()].sort(), ["DATABASE_URL", "GEMINI_API_KEY", "QDRANT_API_KEY", "QDRANT_URL"]);
    assert.equal(space(PROD).secrets.get("QDRANT_API_KEY")!.value, shared.qdrantApiKey);
    assert.equal(space(PROD).variables.get("ALLOWED_ORIGINS")!.value, allowedOrigins);
    assert.equal(space(PROD).hardware.requested, "cpu-basic");
    assert.ok(space(PROD).files.get(edited)!.equals(original), "the file is the bundle's again");
    assert.deepEqual([...space(STAGING).secrets].map(([key, entry]) => [key, entry.updatedAt]), stagingSecretsBefore);

    await hub.settled(PROD); // the Hub's own restarts after the settings went back
    const health = await fetch(`${urls.prod}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { version?: string }).version, manifest.hash, "prod runs its bundle");
    assert.equal((await fetch(`${urls.staging}/api/health`)).status, 200, "staging still answers");
  });

  test("5. `pulumi up --refresh` with nothing changed by hand writes nothing", async () => {
    const up = await measured("5. prod `pulumi up --refresh`, no drift", () => upJson(["up", "--refresh", "--stack", "prod"]));
    assert.deepEqual(changed(up.events).filter((step) => !step.endsWith(":refresh")), [], "no resource changes after a refresh that found nothing");
    assert.deepEqual(stepWrites(), []);
  });

  test("6. `pulumi destroy --stack staging` deletes staging's Space and preview record; production's record stays", async () => {
    const prodRecord = recordFor("production")!;
    const stagingRecord = recordFor("preview")!;
    await measured("6. `pulumi destroy --stack staging`", () => upJson(["destroy", "--stack", "staging"]));
    assert.equal(hub.space(STAGING), undefined, "staging's Space deleted (hfDeleteOnDestroy in Pulumi.staging.yaml)");
    assert.ok(hub.space(PROD), "prod's Space stays");
    assert.deepEqual(vercelWrites(), [`DELETE /v9/projects/${VERCEL_PROJECT}/env/${stagingRecord.id}`], "only staging's record removed");
    assert.deepEqual(envRecords().map((env) => [env.id, env.value, env.target]), [[prodRecord.id, urls.prod, ["production"]]]);
    assert.equal(recordFor("production")!.updatedAt, prodRecord.updatedAt);
    assert.equal((await fetch(`${urls.prod}/api/health`)).status, 200);
  });
});
