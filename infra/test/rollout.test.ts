import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startHubEmulator, type HubEmulator } from "../../emulators/hub/hub.ts";
import type { BundleOutputs } from "../providers/bundle-provider.ts";
import type { RolloutInputs, RolloutOutputs } from "../providers/rollout-provider.ts";
import { Space } from "../resources/space.ts";
import { SpaceBundle } from "../resources/space-bundle.ts";
import { SpaceRollout } from "../resources/space-rollout.ts";
import { SpaceVariables } from "../resources/space-variables.ts";
import { SLOW_MACHINE_MS, SLOW_SUITE_MS } from "../../emulators/test/support.ts";
import { fixtureFiles, tempDir, writeBundle } from "./support.ts";

/** A rollout's own timeouts, in seconds, wide enough for a cold, busy 2-core machine. */
const SLOW_MACHINE_SECONDS = SLOW_MACHINE_MS / 1000;

// Rollouts against the emulator running the fixture Space through emulators/space-runner/.
describe("rollout against Spaces that really build and run", { timeout: SLOW_SUITE_MS }, () => {
  let hub: HubEmulator;
  before(async () => {
    hub = await startHubEmulator({ keepAliveMs: 200 });
  });
  after(() => hub.close());

  async function deploySpace(name: string, files: Record<string, string | Buffer>, variables: Record<string, string> = {}) {
    const space = await Space.provider.create({ hubUrl: hub.url, token: hub.token, owner: "emulator-user", name, private: false, hardware: "cpu-basic", adoptExisting: false, deleteOnDestroy: true });
    const base = { hubUrl: hub.url, token: hub.token, repoId: space.id };
    const vars = await SpaceVariables.provider.create({ ...base, values: variables });
    const dir = join(await tempDir("rollout-"), ".bundle");
    const hash = await writeBundle(dir, files);
    const bundle = (await SpaceBundle.provider.create({ ...base, bundleDir: dir, hash })).outs as BundleOutputs;
    const inputs: RolloutInputs = {
      ...base,
      host: space.outs!.host,
      privateSpace: false,
      commitSha: bundle.commitSha,
      bundleHash: hash,
      settingsRevision: vars.outs!.revision,
      buildTimeoutSeconds: SLOW_MACHINE_SECONDS,
      healthTimeoutSeconds: SLOW_MACHINE_SECONDS,
      pollIntervalSeconds: 0.1,
      healthPath: "/api/health",
      serviceSecrets: {},
    };
    return { repoId: space.id, inputs, base, vars, dir, bundle };
  }

  test("waits for RUNNING and a 200 from the health URL; after a settings change the Hub restarts the Space, and the rollout only waits", async () => {
    const { repoId, inputs, base, vars } = await deploySpace("healthy", await fixtureFiles());
    const created = await SpaceRollout.provider.create(inputs);
    const outs = created.outs as RolloutOutputs;
    assert.equal(outs.stage, "RUNNING");
    assert.equal(outs.healthUrl, `${inputs.host}/api/health`);
    assert.equal((await fetch(outs.healthUrl)).status, 200);

    assert.equal((await SpaceRollout.provider.diff!(created.id, outs, inputs)).changes, false);
    const space = hub.space(repoId)!;
    const [restartsBefore, buildsBefore] = [space.restarts, space.builds];
    const changedVars = await SpaceVariables.provider.update!(vars.id, vars.outs!, { ...base, values: { LOG_LEVEL: "DEBUG" } });
    const next = { ...inputs, settingsRevision: changedVars.outs!.revision };
    assert.equal((await SpaceRollout.provider.diff!(created.id, outs, next)).changes, true);
    const updated = (await SpaceRollout.provider.update!(created.id, outs, next)).outs as RolloutOutputs;
    assert.equal(space.restarts, restartsBefore, "the rollout did not restart a Space the Hub was restarting");
    assert.equal(space.builds, buildsBefore + 1, "the Hub's own restart, once");
    assert.ok(updated.healthyAt >= outs.healthyAt);
    const keys = (await (await fetch(`${inputs.host}/env-keys`)).json()) as string[];
    assert.ok(keys.includes("LOG_LEVEL"), "the restarted app has the new variable");
  });

  test("settings that changed while the Space ran on (no rebuild shows) get one restart", async () => {
    const quiet = await startHubEmulator({ keepAliveMs: 200, restartOnSettingsChange: false });
    try {
      const space = await Space.provider.create({ hubUrl: quiet.url, token: quiet.token, owner: "emulator-user", name: "quiet", private: false, hardware: "cpu-basic", adoptExisting: false, deleteOnDestroy: true });
      const base = { hubUrl: quiet.url, token: quiet.token, repoId: space.id };
      const vars = await SpaceVariables.provider.create({ ...base, values: {} });
      const dir = join(await tempDir("rollout-"), ".bundle");
      const hash = await writeBundle(dir, await fixtureFiles());
      const bundle = (await SpaceBundle.provider.create({ ...base, bundleDir: dir, hash })).outs as BundleOutputs;
      const inputs: RolloutInputs = {
        ...base, host: space.outs!.host, privateSpace: false, commitSha: bundle.commitSha, bundleHash: hash, settingsRevision: vars.outs!.revision,
        buildTimeoutSeconds: SLOW_MACHINE_SECONDS, healthTimeoutSeconds: SLOW_MACHINE_SECONDS, pollIntervalSeconds: 0.1, healthPath: "/api/health", serviceSecrets: {},
      };
      const outs = (await SpaceRollout.provider.create(inputs)).outs as RolloutOutputs;
      const restartsBefore = quiet.space(space.id)!.restarts;
      const changedVars = await SpaceVariables.provider.update!(vars.id, vars.outs!, { ...base, values: { LOG_LEVEL: "DEBUG" } });
      const updated = (await SpaceRollout.provider.update!(`${space.id}/rollout`, outs, { ...inputs, settingsRevision: changedVars.outs!.revision })).outs as RolloutOutputs;
      assert.equal(quiet.space(space.id)!.restarts, restartsBefore + 1, "restarted once, since no commit rebuilt it");
      assert.equal(updated.restarted, true);
      const keys = (await (await fetch(`${inputs.host}/env-keys`)).json()) as string[];
      assert.ok(keys.includes("LOG_LEVEL"), "the restarted app has the new variable");
    } finally {
      await quiet.close();
    }
  });

  test("BUILD_ERROR fails the update with the build log's tail", async () => {
    const { inputs } = await deploySpace("build-error", {
      Dockerfile: 'FROM node:24-slim\nWORKDIR /app\nRUN node -e "console.error(\'npm ERR! missing dependency left-pad\'); process.exit(1)"\nCMD ["node","server.js"]\n',
    });
    await assert.rejects(SpaceRollout.provider.create(inputs), (error: Error & { code?: string }) => {
      assert.equal(error.code, "build_error");
      assert.match(error.message, /ended in BUILD_ERROR/);
      assert.match(error.message, /Build log, last \d+ lines:[\s\S]*missing dependency left-pad/);
      return true;
    });
  });

  test("an app that exits is a RUNTIME_ERROR with the container log, scrubbed of every service secret", async () => {
    const secret = "postgresql://chat:a-database-password-42@db.example/chat";
    const { inputs } = await deploySpace("crashes", await fixtureFiles(), { FIXTURE_CRASH: "1", FIXTURE_ECHO: `${secret} (password a-database-password-42)` });
    await assert.rejects(SpaceRollout.provider.create({ ...inputs, serviceSecrets: { DATABASE_URL: secret } }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "runtime_error");
      assert.match(error.message, /crashing on purpose with \[REDACTED\] \(password \[REDACTED\]\)/, "the value and the password inside it");
      assert.ok(!error.message.includes("a-database-password-42"), "no part of the secret is shown");
      return true;
    });
  });

  test("a new bundle counts only once health reports its hash; a 200 without it is never success", async () => {
    const { inputs, base, dir, bundle } = await deploySpace("versions", await fixtureFiles());
    const first = (await SpaceRollout.provider.create(inputs)).outs as RolloutOutputs;
    const before = (await (await fetch(first.healthUrl)).json()) as { version?: string };
    assert.equal(before.version, inputs.bundleHash);

    const hash2 = await writeBundle(dir, await fixtureFiles({ "notes.txt": "a second bundle" }));
    const second = (await SpaceBundle.provider.update!(`${inputs.repoId}/bundle`, bundle, { ...base, bundleDir: dir, hash: hash2 })).outs as BundleOutputs;
    const next = { ...inputs, commitSha: second.commitSha, bundleHash: hash2 };
    await SpaceRollout.provider.update!(`${inputs.repoId}/rollout`, first, next);
    const after = (await (await fetch(first.healthUrl)).json()) as { version?: string };
    assert.equal(after.version, hash2, "the rollout returned once the new build answered");

    // An image that leaves the manifest out answers 200 without a version: never our build.
    // The health timeout runs from APP_STARTING on: 30 s lets the new app answer first.
    const hash3 = await writeBundle(dir, await fixtureFiles({ ".dockerignore": "bundle-manifest.json\n" }));
    const third = (await SpaceBundle.provider.update!(`${inputs.repoId}/bundle`, second, { ...base, bundleDir: dir, hash: hash3 })).outs as BundleOutputs;
    await assert.rejects(
      SpaceRollout.provider.update!(`${inputs.repoId}/rollout`, first, { ...next, commitSha: third.commitSha, bundleHash: hash3, healthTimeoutSeconds: 30 }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "unhealthy");
        assert.match(error.message, new RegExp(`HTTP 200 from an app that reports no version, not bundle ${hash3.slice(0, 12)}`));
        return true;
      },
    );
  });

  test("a new bundle that crashes is rolled back: the last healthy one is committed back from the repo's history and answers before the update fails", async () => {
    const { repoId, inputs, base, dir, bundle } = await deploySpace("rollback", await fixtureFiles());
    const first = (await SpaceRollout.provider.create(inputs)).outs as RolloutOutputs;
    const space = hub.space(repoId)!;
    const goodServer = space.files.get("server.js")!;

    // The new bundle's app exits at start: RUNTIME_ERROR.
    const crashing = await fixtureFiles({ "server.js": 'console.error("the new bundle crashes at start"); process.exit(1);\n' });
    const hash2 = await writeBundle(dir, crashing);
    const second = (await SpaceBundle.provider.update!(`${repoId}/bundle`, bundle, { ...base, bundleDir: dir, hash: hash2 })).outs as BundleOutputs;
    const next = { ...inputs, commitSha: second.commitSha, bundleHash: hash2 };
    await assert.rejects(SpaceRollout.provider.update!(`${repoId}/rollout`, first, next), (error: Error & { code?: string }) => {
      assert.equal(error.code, "runtime_error", "the cause");
      assert.match(error.message, /ended in RUNTIME_ERROR/);
      assert.match(error.message, /Container log, last \d+ lines:[\s\S]*the new bundle crashes at start/, "the failed bundle's log tail");
      assert.match(error.message, new RegExp(`Production was restored to bundle ${inputs.bundleHash.slice(0, 12)} \\(${inputs.bundleHash}\\)`));
      return true;
    });
    const health = (await (await fetch(first.healthUrl)).json()) as { version?: string };
    assert.equal(health.version, inputs.bundleHash, "production answers with the last healthy bundle when the update fails");
    assert.equal(space.commits.at(-1)!.summary, `Roll back to bundle ${inputs.bundleHash.slice(0, 12)}`);
    assert.ok(space.files.get("server.js")!.equals(goodServer), "the repo holds the healthy bundle's files again");
    assert.equal(space.stage, "RUNNING");

    // The same failed bundle again, with rollbackOnFailure off: the state's bundle (nothing
    // changed in the folder) is committed again from its own commit, fails, and stays.
    const commits = space.commits.length;
    await assert.rejects(SpaceRollout.provider.update!(`${repoId}/rollout`, first, { ...next, rollbackOnFailure: false }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "runtime_error");
      assert.match(error.message, new RegExp(`Not rolled back \\(rollbackOnFailure is false\\): ${repoId} stays on bundle ${hash2.slice(0, 12)}`));
      assert.doesNotMatch(error.message, /Production was restored/);
      return true;
    });
    assert.equal(space.commits.length, commits + 1, "one commit: the failed bundle again, no rollback");
    assert.equal(space.commits.at(-1)!.summary, `Deploy bundle ${hash2.slice(0, 12)} again`);
    assert.equal(space.stage, "RUNTIME_ERROR");
  });

  test("a first rollout has nothing to roll back to: it fails as before", async () => {
    const { repoId, inputs } = await deploySpace("first-crash", await fixtureFiles({ "server.js": "process.exit(1);\n" }));
    await assert.rejects(SpaceRollout.provider.create(inputs), (error: Error & { code?: string }) => {
      assert.equal(error.code, "runtime_error");
      assert.doesNotMatch(error.message, /Production was restored|rollback/i);
      return true;
    });
    assert.equal(hub.space(repoId)!.commits.filter((commit) => commit.summary.startsWith("Roll back")).length, 0);
  });

  test("a build stuck in BUILDING past the build timeout gets one factory rebuild, which builds without the stale cache", async () => {
    const { repoId, inputs, base, dir, bundle } = await deploySpace("stuck-build", await fixtureFiles());
    const first = (await SpaceRollout.provider.create(inputs)).outs as RolloutOutputs;
    const space = hub.space(repoId)!;
    hub.hangBuilds(repoId); // the next builds stall until a factory rebuild

    const hash2 = await writeBundle(dir, await fixtureFiles({ "notes.txt": "a bundle whose build stalls" }));
    const second = (await SpaceBundle.provider.update!(`${repoId}/bundle`, bundle, { ...base, bundleDir: dir, hash: hash2 })).outs as BundleOutputs;
    const restarts = space.restarts;
    // 60 s: the stall is seen after it, and the rebuilt copy-only build leaves BUILDING well within it.
    const updated = (await SpaceRollout.provider.update!(`${repoId}/rollout`, first, { ...inputs, commitSha: second.commitSha, bundleHash: hash2, buildTimeoutSeconds: 60 })).outs as RolloutOutputs;
    assert.equal(space.factoryRestarts, 1, "one factory rebuild");
    assert.equal(space.restarts, restarts + 1, "and no other restart");
    assert.ok(hub.requests.some((r) => r.method === "POST" && r.path === `/api/spaces/${repoId}/restart` && r.query.factory === "true"), "restart_space(factory_reboot=True)'s request");
    assert.equal(updated.stage, "RUNNING");
    assert.equal(((await (await fetch(first.healthUrl)).json()) as { version?: string }).version, hash2);
  });

  test("a Space that never becomes healthy times out with a clear message, never success", async () => {
    const { inputs } = await deploySpace("unhealthy", await fixtureFiles(), { FIXTURE_HEALTH: "503" });
    // 30 s from APP_STARTING on: the app answers (503) first, even on a busy machine.
    await assert.rejects(SpaceRollout.provider.create({ ...inputs, healthTimeoutSeconds: 30 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, "unhealthy");
      assert.match(error.message, /did not answer 200 with bundle [0-9a-f]{12} within 30s \(last: HTTP 503/);
      return true;
    });
  });

  describe("without a runner (the stage is set by hand)", () => {
    let slow: HubEmulator;
    before(async () => {
      slow = await startHubEmulator({ runner: false });
    });
    after(() => slow.close());

    async function stuck(name: string) {
      const space = await Space.provider.create({ hubUrl: slow.url, token: slow.token, owner: "emulator-user", name, private: false, hardware: "cpu-basic", adoptExisting: false, deleteOnDestroy: false });
      const dir = join(await tempDir("rollout-"), ".bundle");
      const hash = await writeBundle(dir, await fixtureFiles());
      const bundle = (await SpaceBundle.provider.create({ hubUrl: slow.url, token: slow.token, repoId: space.id, bundleDir: dir, hash })).outs as BundleOutputs;
      const inputs: RolloutInputs = {
        hubUrl: slow.url, token: slow.token, repoId: space.id, host: space.outs!.host, privateSpace: false, commitSha: bundle.commitSha,
        bundleHash: hash, settingsRevision: "r", buildTimeoutSeconds: 0.5, healthTimeoutSeconds: 1, pollIntervalSeconds: 0.1, healthPath: "/api/health", serviceSecrets: {},
      };
      return { inputs, space: slow.space(space.id)! };
    }

    test("a build slower than the timeout fails with the stage it was stuck in, after one factory rebuild that stalls too", async () => {
      const { inputs, space } = await stuck("slow");
      await assert.rejects(
        SpaceRollout.provider.create(inputs),
        (error: Error & { code?: string }) =>
          error.code === "build_timeout" && /did not reach RUNNING within 0.5s \(last stage BUILDING\), nor within 0.5s of a factory rebuild/.test(error.message),
      );
      assert.equal(space.factoryRestarts, 1, "one factory rebuild, not more");
    });

    test("an app that stays in APP_STARTING with nothing answering fails after the health timeout, with the run log and a port hint", async () => {
      const { inputs, space } = await stuck("wrong-port");
      space.stage = "APP_STARTING"; // built; the app listens where the Hub does not look
      space.logs.run.push("listening on http://127.0.0.1:3000");
      const started = Date.now();
      await assert.rejects(SpaceRollout.provider.create({ ...inputs, buildTimeoutSeconds: SLOW_MACHINE_SECONDS }), (error: Error & { code?: string }) => {
        assert.equal(error.code, "app_not_listening");
        assert.match(error.message, /stayed in APP_STARTING for 1s: the new app never answered on its port \(.*\/api\/health, last: (HTTP 503|no answer)/);
        assert.match(error.message, /listens on 0\.0\.0\.0 \(not 127\.0\.0\.1 or localhost\) at that port/);
        assert.match(error.message, /Container log, last 1 lines:\n {2}listening on http:\/\/127\.0\.0\.1:3000/);
        return true;
      });
      assert.ok(Date.now() - started < SLOW_MACHINE_MS / 2, "it fails after the health timeout, not the build timeout");
    });
  });
});
