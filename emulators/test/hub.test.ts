import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { commit, createRepo, HubApiError, spaceInfo, uploadFiles, whoAmI } from "@huggingface/hub";
import { startHubEmulator, type HubEmulator } from "../hub/hub.ts";
import { createHubClient } from "../../infra/hub/hub-client.ts";
import { addSecret, addVariable, getRuntime, getSecretKeys, getVariables, getSpaceInfo, restartSpace } from "../../infra/hub/space-api.ts";
import { readLogTail } from "../../infra/hub/space-logs.ts";
import { spaceAppFile } from "../../test/support/space-fixtures.ts";
import { SLOW_SUITE_MS, until } from "./support.ts";

describe("hub emulator, through @huggingface/hub and the infra client", { timeout: SLOW_SUITE_MS }, () => {
  let hub: HubEmulator;
  before(async () => {
    hub = await startHubEmulator({ keepAliveMs: 200 });
  });
  after(() => hub.close());

  const sdk = () => ({ hubUrl: hub.url, accessToken: hub.token });
  const client = () => createHubClient({ hubUrl: hub.url, token: hub.token, retry: { baseDelayMs: 10 } });

  test("whoami answers for the token and refuses another", async () => {
    const me = await whoAmI(sdk());
    assert.equal(me.name, "emulator-user");
    await assert.rejects(whoAmI({ hubUrl: hub.url, accessToken: "hf_wrong" }), (error: HubApiError) => error.statusCode === 401);
  });

  test("creates a Docker Space once; a second create is a 409 with the Hub's error body", async () => {
    await createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/first" }, sdk: "docker" });
    const info = await spaceInfo({ ...sdk(), name: "emulator-user/first", additionalFields: ["runtime", "subdomain"] });
    assert.equal(info.sdk, "docker");
    assert.equal(info.runtime?.stage, "NO_APP_FILE");
    await assert.rejects(createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/first" }, sdk: "docker" }), (error: HubApiError) => {
      assert.equal(error.statusCode, 409);
      assert.match(error.message, /already created this space repo/);
      assert.ok(error.requestId);
      return true;
    });
  });

  test("a commit builds and runs the Space with its secrets and variables as env; logs stream as SSE", async () => {
    const repoId = "emulator-user/runs";
    await createRepo({ ...sdk(), repo: { type: "space", name: repoId }, sdk: "docker" });
    await addSecret(client(), repoId, "API_SECRET", "s3cret-value-123");
    await addVariable(client(), repoId, "PLAIN_KNOB", "42");
    assert.deepEqual(await getSecretKeys(client(), repoId), ["API_SECRET"]);
    assert.deepEqual(await getVariables(client(), repoId), { PLAIN_KNOB: "42" });

    await uploadFiles({
      ...sdk(),
      repo: { type: "space", name: repoId },
      files: [
        { path: "Dockerfile", content: new Blob([await readFile(spaceAppFile("Dockerfile"))]) },
        { path: "server.js", content: new Blob([await readFile(spaceAppFile("server.js"))]) },
        { path: "stale.txt", content: new Blob(["old"]) },
      ],
    });
    await commit({ ...sdk(), repo: { type: "space", name: repoId }, title: "drop stale", operations: [{ operation: "delete", path: "stale.txt" }] });
    const space = hub.space(repoId)!;
    assert.deepEqual([...space.files.keys()].sort(), [".gitattributes", "Dockerfile", "README.md", "server.js"]);
    assert.equal(space.commits.at(-1)?.summary, "drop stale");

    // Two commits, two builds. The Hub's runtime never says which commit runs; the emulator does.
    const runtime = await until("RUNNING the last commit", async () => {
      const now = await getRuntime(client(), repoId);
      return now.stage === "RUNNING" && space.runtimeSha === space.sha ? now : undefined;
    });
    assert.equal(runtime.hardware?.requested, "cpu-basic");
    assert.ok(!("sha" in runtime), "the runtime carries no sha, as the real Hub's");
    const info = await getSpaceInfo(client(), repoId);
    const keys = await until("the app", async () => {
      const response = await fetch(`${info.host}/env-keys`).catch(() => undefined);
      return response?.ok ? ((await response.json()) as string[]) : undefined;
    });
    assert.ok(keys.includes("API_SECRET") && keys.includes("PLAIN_KNOB") && keys.includes("SPACE_ID"));
    assert.equal((await fetch(`${info.host}/api/health`)).status, 200);

    const run = await until("run log", async () => {
      const lines = await readLogTail(client(), repoId, "run", { waitMs: 400 });
      return lines.some((line) => line.includes("fixture: listening")) ? lines : undefined;
    });
    assert.ok(run.length > 0);
    const build = await readLogTail(client(), repoId, "build", { waitMs: 400 });
    assert.ok(build.length > 0, "the build log has lines");

    // A restart rebuilds: the stage goes back through BUILDING to RUNNING.
    const restarted = await restartSpace(client(), repoId);
    assert.equal(restarted.stage, "BUILDING");
    await hub.settled(repoId);
    await until("RUNNING again", async () => ((await getRuntime(client(), repoId)).stage === "RUNNING" ? true : undefined));
    assert.equal(space.restarts, 1);
  });

  test("a failing build ends in BUILD_ERROR with the failure in the build log", async () => {
    const repoId = "emulator-user/broken";
    await createRepo({ ...sdk(), repo: { type: "space", name: repoId }, sdk: "docker" });
    await uploadFiles({
      ...sdk(),
      repo: { type: "space", name: repoId },
      files: [{ path: "Dockerfile", content: new Blob(['FROM node:24-slim\nWORKDIR /app\nRUN node -e "console.log(\'compiling\'); process.exit(2)"\nCMD ["node","x.js"]\n']) }],
    });
    await hub.settled(repoId);
    const runtime = await until("BUILD_ERROR", async () => {
      const now = await getRuntime(client(), repoId);
      return now.stage === "BUILD_ERROR" ? now : undefined;
    });
    assert.ok(runtime.errorMessage);
    const build = await readLogTail(client(), repoId, "build", { waitMs: 300 });
    assert.ok(build.some((line) => line.includes("compiling")), build.join("\n"));
  });

  test("faults: 429 with RateLimit and a 5xx are retried; 404 and 401 are errors with status and request id", async () => {
    await createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/faulty" }, sdk: "docker" });
    hub.setFault({ path: "/api/spaces/emulator-user/faulty/runtime", status: 429, retryAfter: 0 });
    hub.setFault({ path: "/api/spaces/emulator-user/faulty/runtime", status: 503 });
    const before = hub.requests.length;
    assert.equal((await getRuntime(client(), "emulator-user/faulty")).stage, "NO_APP_FILE");
    assert.deepEqual(hub.requests.slice(before).map((r) => r.status), [429, 503, 200]);

    await assert.rejects(getRuntime(client(), "emulator-user/missing"), (error: Error & { status?: number; requestId?: string }) => {
      assert.equal(error.status, 404);
      assert.ok(error.requestId);
      return true;
    });
    const badToken = createHubClient({ hubUrl: hub.url, token: "hf_not_the_token_at_all" });
    await assert.rejects(getRuntime(badToken, "emulator-user/faulty"), (error: Error & { status?: number }) => {
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes("hf_not_the_token_at_all"), "the token stays out of the message");
      return true;
    });
  });

  test("the requests log holds secret values for the secrets endpoints only, and never a token", async () => {
    const secret = "s3cret-value-123";
    const withSecret = hub.requests.filter((r) => JSON.stringify(r.body ?? null).includes(secret));
    assert.ok(withSecret.length > 0);
    assert.ok(withSecret.every((r) => r.path.endsWith("/secrets")));
    assert.ok(hub.requests.every((r) => !JSON.stringify(r).includes(hub.token)));
  });
});
