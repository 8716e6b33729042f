// The deploy rehearsal: `pulumi up` as a user runs it, with the real Pulumi engine (built
// from Go modules by scripts/pulumi-engine), against the Hub emulator, which really installs
// and runs the committed bundle, and the Vercel emulator. The stack is configured with the
// README's own commands. Every secret is a canary that must never show in clear.
//
//   npm run test:deploy     (also part of npm test; skipped in one line without an engine)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { startHubEmulator, type HubEmulator, type HubLoggedRequest } from "../../emulators/hub/hub.ts";
import { startQdrantEmulator, type QdrantEmulator } from "../../emulators/qdrant/qdrant.ts";
import { startVercelEmulator, type VercelEmulator } from "../../emulators/vercel/vercel.ts";
import { createDatabase, ensureUser, postChat, postgresForSpace, readEvents, seedCollection, SPACE_UID, startWhereSpaceReaches, type OwnDatabase } from "../support/space-fixtures.ts";
import { changed, findEngine, PulumiCli, type EngineEvents } from "./pulumi-cli.ts";
import { readmeCommands, shellWords } from "../support/readme.ts";
import { configureForEmulators, measureStep, printTable, type StepRecord } from "../support/deploy-steps.ts";
import { copyProject } from "./project-copy.ts";

const ROOT = join(import.meta.dirname, "..", "..");
// The README's deploy block names these; the emulators are set up to match them.
const OWNER = "my-user";
const SPACE = "docs-chat";
const REPO_ID = `${OWNER}/${SPACE}`;
const VERCEL_PROJECT = "my-book";
const ENV_NAME = "CHAT_API_URL";
const SERVICE_FILE = join("service", "src", "server.ts");

const engine = findEngine(ROOT);
const testDatabaseUrl = process.env.TEST_DATABASE_URL;
const skip =
  "missing" in engine ? (process.env.CI ? false : `no Pulumi engine (${engine.missing})`) : testDatabaseUrl ? false : "TEST_DATABASE_URL is unset: the Space needs a real Postgres";

const canary = (label: string) => `${label}-canary-${randomBytes(9).toString("hex")}`;

describe("deploy rehearsal: pulumi up against the Hub and Vercel emulators", { skip, timeout: 2_400_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), "deploy-rehearsal-"));
  const project = join(scratch, "project");
  const stateDir = join(scratch, "state");
  const secrets = {
    hfToken: `hf_${canary("hub")}`,
    vercelToken: canary("vercel"),
    geminiApiKey: `AIza-${canary("gemini")}`,
    qdrantApiKey: canary("qdrant"),
    qdrantUrl: "",
    databaseUrl: "",
  };
  const rotatedGeminiKey = `AIza-${canary("rotated")}`;
  const passphrase = canary("passphrase");
  const records: StepRecord[] = [];
  let hub: HubEmulator;
  let vercel: VercelEmulator;
  let gemini: GeminiEmulator;
  let qdrant: QdrantEmulator;
  let database: OwnDatabase | undefined;
  let databaseForSpace: { url: string; close: () => Promise<void> } | undefined;
  let createdUser: string | undefined;
  let pulumi: PulumiCli;
  /** Every CLI the rehearsal drove (one per checkout), for the canary search. */
  const clis: PulumiCli[] = [];
  let productionUrl = "";
  /** The checkout `pulumi` runs in: moved to another path by step 8. */
  let checkout = project;

  before(async () => {
    assert.ok("bin" in engine, `CI needs the Pulumi engine: .ci/run builds it with scripts/pulumi-engine (${"missing" in engine ? engine.missing : ""})`);
    createdUser = ensureUser(SPACE_UID, scratch);
    copyProject(ROOT, project);
    // The Space reaches the outside only on ports 80, 443 and 8080, and its emulated network too:
    // its upstreams listen there, as a real deploy's do (Postgres behind a forwarder).
    gemini = await startWhereSpaceReaches((host, port) => startGeminiEmulator({ apiKey: secrets.geminiApiKey, extraApiKeys: [rotatedGeminiKey], host, port }));
    qdrant = await startWhereSpaceReaches((host, port) => startQdrantEmulator({ apiKey: secrets.qdrantApiKey, host, port }));
    await seedCollection(gemini, qdrant);
    database = createDatabase(testDatabaseUrl!, { ownRole: true });
    databaseForSpace = await postgresForSpace(database.url);
    secrets.qdrantUrl = qdrant.url;
    secrets.databaseUrl = databaseForSpace.url;
    hub = await startHubEmulator({ token: secrets.hfToken, user: OWNER, uid: SPACE_UID, gid: SPACE_UID });
    vercel = await startVercelEmulator({ token: secrets.vercelToken, projects: [{ name: VERCEL_PROJECT, withDeployment: true }] });
    pulumi = cliIn(project);
    await pulumi.ok(["login", `file://${stateDir}`]);
  });

  after(async () => {
    printTable(records);
    await hub?.close();
    await vercel?.close();
    await gemini?.close();
    await qdrant?.close();
    await databaseForSpace?.close();
    database?.drop();
    if (createdUser) spawnSync("userdel", [createdUser]);
    rmSync(scratch, { recursive: true, force: true });
  }, { timeout: 10 * 60_000 }); // a Space build still under way is waited for, never forever

  /** The CLI for a checkout: the same backend, home and passphrase, as a teammate's clone would have. */
  function cliIn(cwd: string): PulumiCli {
    if (!("bin" in engine)) throw new Error("no engine");
    const cli = new PulumiCli({ bin: engine.bin, cwd, stateDir, home: join(scratch, "pulumi-home"), passphrase });
    clis.push(cli);
    return cli;
  }

  /** Runs one step, recording its wall time and the API calls it made. */
  function measured<T>(step: string, body: () => Promise<T>): Promise<T> {
    return measureStep(records, { hub, vercel }, step, body);
  }

  const space = () => {
    const found = hub.space(REPO_ID);
    assert.ok(found, `the Space ${REPO_ID} exists`);
    return found;
  };
  const vercelValue = () => vercel.project(VERCEL_PROJECT)?.envs.filter((env) => env.key === ENV_NAME);
  const succeeded = (up: { run: { code: number | null; stdout: string; stderr: string }; events: EngineEvents }) =>
    assert.equal(up.run.code, 0, `pulumi up failed:\n${up.events.diagnostics.join("") || up.run.stderr}`);

  test("1. pulumi up from nothing, configured with the README's commands", async () => {
    const commands = readmeCommands("pulumi stack init prod");
    const secretKeys = commands.filter((line) => line.startsWith("pulumi config set --secret ")).map((line) => shellWords(line)[4]!);
    assert.deepEqual(secretKeys.sort(), Object.keys(secrets).sort(), "the README sets every secret with --secret");

    await measured("1. `pulumi up` from nothing", async () => {
      for (const line of commands) {
        const [program, ...args] = shellWords(line);
        assert.equal(program, "pulumi", `the deploy block runs pulumi only: ${line}`);
        if (args[0] === "up") {
          await configureForEmulators(pulumi, { hub, vercel, gemini });
          // No terminal answers the confirmation prompt here.
          await pulumi.ok([...args, "--yes"]);
        } else if (args[0] === "stack" && args[1] === "output") {
          productionUrl = (await pulumi.ok(args)).stdout.trim();
        } else if (args[2] === "--secret") {
          // The value goes on stdin, as a user types it at the prompt: never on a command line.
          await pulumi.ok(args, { input: secrets[args[3] as keyof typeof secrets] });
        } else {
          await pulumi.ok(args);
        }
      }
    });

    const created = space();
    assert.equal(created.sdk, "docker");
    assert.equal(productionUrl, `http://127.0.0.1:${created.port}`, "productionUrl is the Space's host");
    assert.deepEqual([...created.secrets.keys()].sort(), ["DATABASE_URL", "GEMINI_API_KEY", "QDRANT_API_KEY", "QDRANT_URL"]);
    assert.equal(created.secrets.get("GEMINI_API_KEY")?.value, secrets.geminiApiKey);
    const variables = Object.fromEntries([...created.variables].map(([key, entry]) => [key, entry.value]));
    // Pulumi.prod.yaml leaves them unset: the Space runs with the service's own defaults.
    assert.ok(!("QDRANT_COLLECTION" in variables) && !("GEMINI_MODEL" in variables), `only what the stack sets: ${Object.keys(variables).join(", ")}`);
    assert.equal(variables.ALLOWED_ORIGINS, `https://my-book.vercel.app,${productionUrl}`, "the book's origin and the Space's own");
    assert.equal(hub.requests.filter((r) => r.path.endsWith("/commit/main")).length, 1, "one commit holds the bundle");
    const hash = readManifest(checkout).hash;
    assert.ok(created.commits.at(-1)!.description.includes(hash), "the commit message carries the bundle hash");
    assert.equal(created.stage, "RUNNING");

    assert.equal((await fetch(`${productionUrl}/api/health`)).status, 200);
    const values = vercelValue();
    assert.deepEqual(values?.map((env) => [env.value, [...env.target].sort()]), [[productionUrl, ["preview", "production"]]], "the Vercel variable is productionUrl");
    assert.equal(vercel.project(VERCEL_PROJECT)!.deployments.filter((d) => d.redeployOf).length, 1, "the production deployment was redeployed");
    const events = await readEvents(await postChat(productionUrl, "How do I set up the workspace?"));
    assert.equal(events.at(0)?.type, "metadata");
    assert.ok(events.filter((e) => e.type === "token").length > 1, "tokens stream through productionUrl");
    assert.equal(events.at(-1)?.type, "done");

    // The README's "verify" commands, as a user runs them after the deploy.
    const [healthLine, chatLine] = readmeCommands("stack output healthUrl");
    assert.match(JSON.parse((await pulumi.shell(healthLine!)).stdout).status, /^healthy$/);
    const streamed = (await pulumi.shell(chatLine!)).stdout;
    assert.match(streamed, /^data: \{"type":"token"/m, "the README's curl streams tokens");

    const outputs = JSON.parse((await pulumi.ok(["stack", "output", "--json"])).stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(outputs).sort(), ["bundleHash", "healthUrl", "logsUrl", "productionUrl", "spaceUrl"]);
    assert.equal(outputs.healthUrl, `${productionUrl}/api/health`);
    assert.equal(outputs.bundleHash, hash);
  });

  test("2. pulumi up again changes nothing and writes nothing", async () => {
    const up = await measured("2. `pulumi up` again, nothing changed", () => pulumi.up());
    succeeded(up);
    assert.deepEqual(changed(up.events), [], "every resource is unchanged");
    assert.equal(records.at(-1)!.hubWrites + records.at(-1)!.vercelWrites, 0, `no write call: ${records.at(-1)!.writes.join(", ")}`);
  });

  test("3. an edited service file, through a Hub 429 with RateLimit: only the bundle updates, its commit holds only what changed", async () => {
    const before = readManifest(checkout);
    const commits = space().commits.length;
    const builds = space().builds;
    appendFileSync(join(checkout, SERVICE_FILE), "\n// An edit the rehearsal makes: one changed file in the bundle.\n");
    // The Hub's rate limit answers 429 with `RateLimit: "api";r=0;t=N`: the program waits N+1 s and says so.
    await rateLimitOnce(hub, `/api/spaces/${REPO_ID}/preupload/main`, 1);

    const up = await measured("3. one service file edited, through a 429 with RateLimit", () => pulumi.up());
    succeeded(up);
    assert.deepEqual(changed(up.events), ["space-bundle:update", "space-rollout:update"], "the bundle, and the rollout that waits for it");
    assert.ok(up.events.diagnostics.some((line) => /Hub answered 429 \(rate limited\) to POST .*preupload.*: waiting 2\.0 s as its RateLimit header says/.test(line)), "the wait is announced");
    const after = readManifest(checkout);
    const changedPaths = after.files.filter((file) => before.files.find((old) => old.path === file.path)?.sha256 !== file.sha256).map((file) => file.path);
    assert.equal(changedPaths.length, 1, `one file of the bundle changed: ${changedPaths.join(", ")}`);
    assert.equal(space().commits.length, commits + 1, "one commit");
    const commit = lastCommit(hub.requests);
    assert.deepEqual(commit.files, [...changedPaths, "bundle-manifest.json"].sort(), "the commit holds exactly the changed files");
    assert.deepEqual(commit.deleted, []);
    assert.equal(space().builds, builds + 1, "the commit rebuilt the Space once");
    assert.ok(up.events.diagnostics.some((line) => line.includes(`healthy with bundle ${after.hash.slice(0, 12)}`)), "the rollout waited for the new build's health");
    const health = await fetch(`${productionUrl}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { version?: string }).version, after.hash, "the Space runs the new bundle");
  });

  test("4. rotating GEMINI_API_KEY updates that one secret and restarts once", async () => {
    const [restarts, builds] = [space().restarts, space().builds];
    const up = await measured("4. GEMINI_API_KEY rotated", async () => {
      await pulumi.ok(["config", "set", "--secret", "geminiApiKey"], { input: rotatedGeminiKey });
      return pulumi.up();
    });
    succeeded(up);
    assert.deepEqual(changed(up.events), ["space-rollout:update", "space-secrets:update"]);
    assert.deepEqual(
      records.at(-1)!.writes,
      [`POST /api/spaces/${REPO_ID}/secrets GEMINI_API_KEY`],
      "one secret update, nothing else: the Hub restarts the Space by itself",
    );
    assert.equal(space().secrets.get("GEMINI_API_KEY")?.value, rotatedGeminiKey);
    assert.equal(space().builds, builds + 1, "one restart, the Hub's");
    assert.equal(space().restarts, restarts, "the rollout did not restart it again");
    const events = await readEvents(await postChat(productionUrl, "Which simulator does the book use?"));
    assert.equal(events.at(-1)?.type, "done", "chat works with the new key");
  });

  test("5. a bundle that crashes at start fails the update with the run log, once production answers on the previous bundle again; the next good up recovers", async () => {
    const good = readFileSync(join(checkout, SERVICE_FILE), "utf8");
    const previousHash = readManifest(checkout).hash;
    const crash = "rehearsal: this build fails at start-up";
    writeFileSync(join(checkout, SERVICE_FILE), `${good}\nthrow new Error(${JSON.stringify(crash)});\n`);
    const failed = await measured("5a. a bundle that crashes at start, rolled back", () => pulumi.run(["up", "--yes", "--skip-preview"]));
    assert.notEqual(failed.code, 0, "pulumi up never reports success on an unhealthy Space");
    const output = failed.stdout + failed.stderr;
    assert.match(output, /RUNTIME_ERROR/);
    assert.ok(output.includes(crash), `the run log's tail is in Pulumi's output:\n${output.slice(-3000)}`);
    assert.ok(output.includes(`Production was restored to bundle ${previousHash.slice(0, 12)} (${previousHash})`), `the output names the bundle production runs:\n${output.slice(-3000)}`);
    // When pulumi up returns its error, production already answers on the previous bundle.
    const health = await fetch(`${productionUrl}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { version?: string }).version, previousHash, "production runs the previous bundle");
    assert.equal(space().commits.at(-1)!.summary, `Roll back to bundle ${previousHash.slice(0, 12)}`);
    const { deployment } = await pulumi.exportStack();
    assert.deepEqual(deployment.pending_operations ?? [], [], "no operation was left pending");
    assert.equal(vercelValue()?.[0]?.value, productionUrl, "the frontend still points at the Space's URL");

    writeFileSync(join(checkout, SERVICE_FILE), good);
    const recovered = await measured("5b. the fix deployed", () => pulumi.up());
    succeeded(recovered);
    assert.ok(changed(recovered.events).includes("space-bundle:update"));
    assert.equal(space().stage, "RUNNING");
    assert.equal((await fetch(`${productionUrl}/api/health`)).status, 200);
  });

  test("6. an app that listens on another port than app_port fails fast with the run log and a port hint; the fix recovers", async () => {
    const readmePath = join(checkout, "huggingface-spaces", "README.md");
    const good = readFileSync(readmePath, "utf8");
    writeFileSync(readmePath, good.replace(/^app_port: 7860$/m, "app_port: 7861"));
    await pulumi.ok(["config", "set", "rolloutHealthTimeoutSeconds", "15"]);
    const failed = await measured("6a. a bundle whose app_port the app does not listen on", () => pulumi.run(["up", "--yes", "--skip-preview"]));
    assert.notEqual(failed.code, 0);
    const output = failed.stdout + failed.stderr;
    assert.match(output, /stayed in (RUNNING_)?APP_STARTING for 15s: the new app never answered on its port/);
    assert.match(output, /listens on 0\.0\.0\.0 \(not 127\.0\.0\.1 or localhost\) at that port/);
    assert.match(output, /Container log, last [1-9]\d* lines:/, "the run log's tail is shown");
    // The bound is the contrast with the Hub's 30 minutes; a cold, busy machine's build may itself take minutes.
    assert.ok(records.at(-1)!.ms < 10 * 60_000, "it fails in minutes, not the Hub's 30");

    writeFileSync(readmePath, good);
    await pulumi.ok(["config", "set", "rolloutHealthTimeoutSeconds", "120"]);
    const recovered = await measured("6b. app_port fixed", () => pulumi.up());
    succeeded(recovered);
    assert.equal((await fetch(`${productionUrl}/api/health`)).status, 200);
  });

  test("7. a build stuck in BUILDING gets one factory rebuild, and the update succeeds", async () => {
    appendFileSync(join(checkout, SERVICE_FILE), "\n// An edit whose first build stalls on the Hub.\n");
    hub.hangBuilds(REPO_ID); // the Space's builds stall until a factory rebuild drops the build cache
    const [restarts, factoryRestarts] = [space().restarts, space().factoryRestarts];
    // The stall is seen after this long in BUILDING; the rebuilt build then has as long again.
    await pulumi.ok(["config", "set", "rolloutBuildTimeoutSeconds", "240"]);
    const up = await measured("7. a build stuck in BUILDING, factory-rebuilt", () => pulumi.up());
    succeeded(up);
    assert.deepEqual(changed(up.events), ["space-bundle:update", "space-rollout:update"]);
    assert.equal(space().factoryRestarts, factoryRestarts + 1, "one factory rebuild");
    assert.equal(space().restarts, restarts + 1, "and no other restart");
    assert.ok(
      up.events.diagnostics.some((line) => /stuck in (RUNNING_)?BUILDING after 240s: asking the Hub for a factory rebuild \(a restart with factory=true/.test(line)),
      "the output says a factory rebuild was asked for",
    );
    const health = await fetch(`${productionUrl}/api/health`);
    assert.equal(((await health.json()) as { version?: string }).version, readManifest(checkout).hash, "the rebuilt Space runs the new bundle");

    // Back to the rehearsal's timeout: only the rollout's setting changes, nothing is rolled out.
    await pulumi.ok(["config", "set", "rolloutBuildTimeoutSeconds", "600"]);
    const settled = await pulumi.up();
    succeeded(settled);
    assert.deepEqual(changed(settled.events), ["space-rollout:update"]);
  });

  test("8. from a clone at another path: preview shows no changes, an edit redeploys only the bundle, a removed resource is deleted", async () => {
    // The clone has the same files and stack settings; the first checkout is moved away so nothing can reach into it.
    const clone = join(scratch, "clone-elsewhere");
    copyProject(ROOT, clone);
    for (const path of ["Pulumi.prod.yaml", SERVICE_FILE]) cpSync(join(checkout, path), join(clone, path));
    renameSync(checkout, join(scratch, "first-checkout-moved-away"));
    checkout = clone;
    pulumi = cliIn(clone);
    await pulumi.ok(["stack", "select", "prod"]); // as a teammate does once in a fresh clone

    const preview = await measured("8a. `pulumi preview` from the clone", () => pulumi.run(["preview", "--expect-no-changes", "--json"]));
    assert.equal(preview.code, 0, `the clone sees no changes:\n${preview.stdout.slice(-3000)}\n${preview.stderr}`);
    assert.equal(records.at(-1)!.hubWrites + records.at(-1)!.vercelWrites, 0);

    appendFileSync(join(clone, SERVICE_FILE), "\n// An edit made in the clone.\n");
    const edited = await measured("8b. an edit deployed from the clone", () => pulumi.up());
    succeeded(edited);
    assert.deepEqual(changed(edited.events), ["space-bundle:update", "space-rollout:update"]);

    await pulumi.ok(["config", "set", "vercelRedeploy", "false"]);
    const removed = await measured("8c. a resource removed, from the clone", () => pulumi.up());
    succeeded(removed);
    assert.deepEqual(changed(removed.events), ["vercel-redeploy:delete"], "the state's own provider code deletes it, from this path");
    await pulumi.ok(["config", "set", "vercelRedeploy", "true"]);
  });

  test("no canary appears in clear in Pulumi's output, the state, the bundle, the service's logs and answers, or the emulators' logs", async () => {
    const values = [...Object.values(secrets), rotatedGeminiKey, passphrase, new URL(secrets.databaseUrl).password];
    const places: Array<[string, string]> = [
      ...clis.flatMap((cli) => cli.runs).map((run): [string, string] => [`pulumi ${run.args.join(" ")}`, run.stdout + run.stderr]),
      ["pulumi stack export", (await pulumi.exportStack()).text],
      ...filesUnder(stateDir).map((path): [string, string] => [path, readFileSync(path, "utf8")]),
      ["Pulumi.prod.yaml", readFileSync(join(checkout, "Pulumi.prod.yaml"), "utf8")],
      ...filesUnder(join(checkout, ".bundle")).map((path): [string, string] => [path, readFileSync(path, "latin1")]),
      ...[...space().files].map(([path, content]): [string, string] => [`the Space's ${path}`, content.toString("latin1")]),
      ["the Space's build log", space().logs.build.join("\n")],
      ["the Space's run log (every log line of the service)", space().logs.run.join("\n")],
      ["Hub requests outside the secrets endpoints", JSON.stringify(hub.requests.filter((r) => !r.path.endsWith("/secrets")))],
      ["Vercel requests", JSON.stringify(vercel.requests)],
    ];
    for (const [where, text] of places) {
      for (const value of values) {
        const at = text.indexOf(value);
        // The context names the place; the canary itself is masked so the report can be read out.
        const context = at < 0 ? "" : text.slice(Math.max(0, at - 160), at + value.length + 80).replaceAll(value, "<canary>");
        assert.ok(at < 0, `a secret is in clear in ${where}: …${context}…`);
      }
    }
  });

  test("9. pulumi destroy from the clone keeps the Space; a free account's 402 fails clearly, then the kept Space is adopted over an existing CHAT_API_URL on all three targets", async () => {
    await measured("9a. `pulumi destroy` from the clone (Space kept)", () => pulumi.ok(["destroy", "--yes", "--skip-preview"]));
    assert.deepEqual(vercelValue(), [], "the Vercel variable is gone");
    assert.ok(hub.space(REPO_ID), "the Space is kept");

    // The account is free now (Docker Spaces need PRO since mid-2026): the Hub answers 402 to a create, even of an existing Space.
    setFreePlan(hub, true);
    const refused = await measured("9b. `pulumi up` on a free account", () => pulumi.run(["up", "--yes", "--skip-preview"]));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout + refused.stderr, new RegExp(`Space ${REPO_ID} already exists on the Hub \\(it answered 402 to the create\\)[^\\n]*hfAdoptExisting true`));

    // Someone set the variable by hand in the dashboard, on all three targets (its default).
    await setVercelVariableByHand(vercel, VERCEL_PROJECT, ENV_NAME, "https://old-backend.example", ["production", "preview", "development"]);
    await measured("9c. `pulumi up` adopting the kept Space, over an existing CHAT_API_URL", async () => {
      await pulumi.ok(["config", "set", "hfAdoptExisting", "true"]);
      await pulumi.ok(["config", "set", "hfDeleteOnDestroy", "true"]);
      succeeded(await pulumi.up());
    });
    setFreePlan(hub, false);
    const held = vercelValue()!;
    assert.deepEqual(held.map((env) => [env.value, [...env.target].sort()]), [[productionUrl, ["development", "preview", "production"]]], "the one record edited by id, not upserted over");
    assert.ok(!vercel.requests.some((r) => r.status === 400), "no ENV_CONFLICT");

    await measured("9d. `pulumi destroy` (Space deleted)", () => pulumi.ok(["destroy", "--yes", "--skip-preview"]));
    assert.equal(hub.space(REPO_ID), undefined, "the Space is deleted");
    assert.deepEqual(vercelValue()?.map((env) => [...env.target].sort()), [["development", "preview", "production"]], "the hand-made record stays (it also covers development)");
  });

  test("10. a model Google no longer serves (geminiModel gemini-2.5-flash) fails the rollout, naming the model", async () => {
    const refused = await measured("10. `pulumi up` with GEMINI_MODEL=gemini-2.5-flash", async () => {
      await pulumi.ok(["config", "set", "geminiModel", "gemini-2.5-flash"]);
      await pulumi.ok(["config", "set", "rolloutHealthTimeoutSeconds", "30"]);
      return pulumi.run(["up", "--yes", "--skip-preview"]);
    });
    assert.notEqual(refused.code, 0);
    const output = refused.stdout + refused.stderr;
    assert.match(output, /HTTP 503/, "health answered 503");
    assert.match(output, /Gemini does not serve the (configured )?model/);
    assert.match(output, /gemini-2\.5-flash/);
  });
});

/** The next write to `path` answers 429 with the Hub's `RateLimit: "api";r=0;t=<t>` header. */
function rateLimitOnce(hub: HubEmulator, path: string, t: number): Promise<void> {
  return hub.setFault({ method: "POST", path, status: 429, retryAfter: t });
}

/** A free account: the Hub refuses Docker Space creation with 402 (also for a Space that exists). */
function setFreePlan(hub: HubEmulator, free: boolean): void {
  hub.setPlan(free ? "free" : "pro");
}

/** A variable as the dashboard makes it: one record for the given targets, its value encrypted. */
async function setVercelVariableByHand(vercel: VercelEmulator, project: string, key: string, value: string, target: string[]): Promise<void> {
  const response = await fetch(`${vercel.url}/v10/projects/${project}/env`, {
    method: "POST",
    headers: { Authorization: `Bearer ${vercel.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ key, value, type: "encrypted", target }),
  });
  assert.equal(response.status, 201, await response.text());
}

function lastCommit(requests: HubLoggedRequest[]): { files: string[]; deleted: string[] } {
  const commit = requests.filter((r) => r.path.endsWith("/commit/main")).at(-1);
  assert.ok(commit, "a commit was made");
  const operations = (commit.body as { operations: Array<{ key: string; path: string }> }).operations;
  return {
    files: operations.filter((op) => op.key === "file").map((op) => op.path).sort(),
    deleted: operations.filter((op) => op.key === "deletedFile").map((op) => op.path).sort(),
  };
}

function readManifest(project: string): { hash: string; files: Array<{ path: string; sha256: string }> } {
  return JSON.parse(readFileSync(join(project, ".bundle", "bundle-manifest.json"), "utf8")) as { hash: string; files: Array<{ path: string; sha256: string }> };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((path) => join(dir, path))
    .filter((path) => statSync(path).isFile());
}
