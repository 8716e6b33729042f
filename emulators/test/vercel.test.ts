import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Vercel } from "@vercel/sdk";
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { startVercelEmulator, type VercelEmulator } from "../vercel/vercel.ts";

// @vercel/sdk validates every answer against its schema: the SDK accepting them is the check.
describe("vercel emulator, through @vercel/sdk", () => {
  let vercel: VercelEmulator;
  let client: Vercel;
  before(async () => {
    vercel = await startVercelEmulator({ projects: [{ name: "book", withDeployment: true }, { name: "team-book", teamId: "team_1" }] });
    client = new Vercel({ bearerToken: vercel.token, serverURL: vercel.url, retryConfig: { strategy: "none" } });
  });
  after(() => vercel.close());

  test("createProjectEnv upserts, filterProjectEnvs lists, removeProjectEnv removes", async () => {
    const first = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "CHAT_API_URL", value: "https://a.hf.space", type: "plain", target: ["production", "preview"] },
    });
    assert.deepEqual(first.failed, []);
    const created = Array.isArray(first.created) ? first.created[0] : first.created;
    assert.ok(created?.id);

    const again = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "CHAT_API_URL", value: "https://b.hf.space", type: "plain", target: ["production", "preview"] },
    });
    const updated = Array.isArray(again.created) ? again.created[0] : again.created;
    assert.equal(updated?.id, created.id, "an upsert updates the same record");

    const listed = await client.projects.filterProjectEnvs({ idOrName: "book", decrypt: "true" });
    assert.ok("envs" in listed);
    assert.deepEqual(
      listed.envs.map((env) => [env.key, env.value]),
      [["CHAT_API_URL", "https://b.hf.space"]],
    );

    const clash = await client.projects.createProjectEnv({
      idOrName: "book",
      requestBody: { key: "CHAT_API_URL", value: "x", type: "plain", target: ["production"] },
    });
    assert.equal(clash.failed[0]?.error.code, "ENV_ALREADY_EXISTS", "without upsert an existing key is reported as failed");

    await client.projects.removeProjectEnv({ idOrName: "book", id: created.id! });
    assert.equal(vercel.project("book")!.envs.length, 0);
    await assert.rejects(client.projects.removeProjectEnv({ idOrName: "book", id: created.id! }), (error: VercelError) => error.statusCode === 404);
  });

  test("getProject, getDeployments; a redeploy without forceNew reuses the deployment, with it builds anew", async () => {
    const project = await client.projects.getProject({ idOrName: "book" });
    assert.equal(project.name, "book");
    const listing = await client.deployments.getDeployments({ projectId: project.id, target: "production", state: "READY", limit: 1 });
    const latest = listing.deployments[0]!;
    assert.ok(latest.uid);
    await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "CHAT_API_URL", value: "https://new.hf.space", type: "encrypted", target: ["production"] },
    });

    const reused = await client.deployments.createDeployment({
      requestBody: { name: project.name, project: project.id, deploymentId: latest.uid, target: "production" },
    });
    assert.equal(reused.id, latest.uid, "without forceNew the existing deployment comes back");
    assert.equal(vercel.project("book")!.deployments.length, 1, "nothing was built");

    const redeploy = await client.deployments.createDeployment({
      forceNew: "1",
      requestBody: { name: project.name, deploymentId: latest.uid, target: "production", meta: { action: "redeploy" } },
    });
    assert.notEqual(redeploy.id, latest.uid);
    const after = await client.deployments.getDeployments({ projectId: project.id, target: "production", limit: 1 });
    assert.equal(after.deployments[0]!.uid, redeploy.id);
    const built = vercel.project("book")!.deployments.at(-1)!;
    assert.equal(built.redeployOf, latest.uid);
    assert.deepEqual(built.meta, { action: "redeploy" });
    assert.equal(built.builtEnv.CHAT_API_URL, "https://new.hf.space", "the new value is built in");
    const record = vercel.project("book")!.envs.find((env) => env.key === "CHAT_API_URL")!;
    await client.projects.removeProjectEnv({ idOrName: "book", id: record.id });
  });

  test("an upsert whose targets differ from the existing record's is ENV_CONFLICT; edit by id is how to change them", async () => {
    const all = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "SITE_URL", value: "https://a", type: "encrypted", target: ["production", "preview", "development"] },
    });
    const record = (Array.isArray(all.created) ? all.created[0] : all.created)!;
    await assert.rejects(
      client.projects.createProjectEnv({
        idOrName: "book",
        upsert: "true",
        requestBody: { key: "SITE_URL", value: "https://b", type: "encrypted", target: ["production", "preview"] },
      }),
      (error: VercelError) => {
        assert.equal(error.statusCode, 400);
        assert.match(error.body, /ENV_CONFLICT/);
        return true;
      },
    );
    const edited = await client.projects.editProjectEnv({ idOrName: "book", id: record.id!, requestBody: { value: "https://b", target: ["production", "preview"] } });
    assert.deepEqual(edited.target, ["production", "preview"]);
    const created = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "SITE_URL", value: "https://dev", type: "encrypted", target: ["development"] },
    });
    assert.deepEqual(created.failed, [], "a target no record holds is simply created");
    assert.deepEqual(vercel.project("book")!.envs.filter((env) => env.key === "SITE_URL").map((env) => env.value), ["https://b", "https://dev"]);
    for (const env of [...vercel.project("book")!.envs]) await client.projects.removeProjectEnv({ idOrName: "book", id: env.id });
  });

  test("a record scoped to a Git branch lives beside the project's preview value; an edit keeps a record's type", async () => {
    const branch = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "API_URL", value: "https://branch", type: "encrypted", target: ["preview"], gitBranch: "feature-x" },
    });
    const branchRecord = (Array.isArray(branch.created) ? branch.created[0] : branch.created)!;
    const general = await client.projects.createProjectEnv({
      idOrName: "book",
      upsert: "true",
      requestBody: { key: "API_URL", value: "https://all-previews", type: "plain", target: ["production", "preview"] },
    });
    assert.deepEqual(general.failed, [], "no ENV_CONFLICT: a branch's record is another scope");
    const listed = await client.projects.filterProjectEnvs({ idOrName: "book" });
    assert.ok("envs" in listed);
    assert.deepEqual(
      listed.envs.filter((env) => env.key === "API_URL").map((env) => [env.target, env.gitBranch ?? null]),
      [[["preview"], "feature-x"], [["production", "preview"], null]],
    );
    await assert.rejects(
      client.projects.createProjectEnv({ idOrName: "book", requestBody: { key: "API_URL", value: "x", type: "plain", target: ["production"], gitBranch: "feature-x" } }),
      (error: VercelError) => error.statusCode === 400 && /preview/.test(error.body),
      "a Git branch goes with the target preview alone",
    );

    const generalRecord = (Array.isArray(general.created) ? general.created[0] : general.created)!;
    const edited = await client.projects.editProjectEnv({ idOrName: "book", id: generalRecord.id!, requestBody: { value: "https://edited" } });
    assert.equal(edited.type, "plain", "an edit without a type keeps the record's");
    assert.equal(vercel.project("book")!.envs.find((env) => env.id === branchRecord.id)!.value, "https://branch", "the branch's record is untouched");
    for (const env of [...vercel.project("book")!.envs]) await client.projects.removeProjectEnv({ idOrName: "book", id: env.id });
  });

  test("a record's comment is kept, listed and changed by an edit", async () => {
    const made = await client.projects.createProjectEnv({
      idOrName: "book",
      requestBody: { key: "NOTE_URL", value: "https://a", type: "encrypted", target: ["production"], comment: "Set by Pulumi stack docs-chat/prod" },
    });
    const record = (Array.isArray(made.created) ? made.created[0] : made.created)!;
    const listed = async () => {
      const body = await client.projects.filterProjectEnvs({ idOrName: "book" });
      assert.ok("envs" in body);
      return body.envs.filter((env) => env.key === "NOTE_URL").map((env) => env.comment ?? null);
    };
    assert.deepEqual(await listed(), ["Set by Pulumi stack docs-chat/prod"]);
    await client.projects.editProjectEnv({ idOrName: "book", id: record.id!, requestBody: { value: "https://b" } });
    assert.deepEqual(await listed(), ["Set by Pulumi stack docs-chat/prod"], "an edit without one keeps it");
    await client.projects.editProjectEnv({ idOrName: "book", id: record.id!, requestBody: { value: "https://c", comment: "by hand" } });
    assert.deepEqual(await listed(), ["by hand"]);
    await client.projects.removeProjectEnv({ idOrName: "book", id: record.id! });
  });

  test("the live production deployment is targets.production: each new one, or an earlier one an instant rollback re-aims it at", async () => {
    const project = await client.projects.getProject({ idOrName: "book" });
    const first = project.targets?.production;
    assert.ok(first?.id, "the project's live production deployment");
    const newer = await client.deployments.createDeployment({ forceNew: "1", requestBody: { name: "book", deploymentId: first.id, target: "production" } });
    assert.equal((await client.projects.getProject({ idOrName: "book" })).targets?.production?.id, newer.id, "a new production deployment goes live");

    await client.projects.requestRollback({ projectId: project.id, deploymentId: first.id });
    const rolledBack = await client.projects.getProject({ idOrName: "book" });
    assert.equal(rolledBack.targets?.production?.id, first.id, "the rollback re-aimed production, nothing built");
    const newest = await client.deployments.getDeployments({ projectId: project.id, target: "production", state: "READY", limit: 1 });
    assert.equal(newest.deployments[0]!.uid, newer.id, "the newest production deployment is no longer the live one");
    await assert.rejects(client.projects.requestRollback({ projectId: project.id, deploymentId: "dpl_missing" }), (error: VercelError) => error.statusCode === 404);
  });

  test("encrypted values read back as ciphertext even with decrypt=true; sensitive ones not at all", async () => {
    for (const [key, type] of [["ENCRYPTED_ONE", "encrypted"], ["SENSITIVE_ONE", "sensitive"]] as const) {
      await client.projects.createProjectEnv({ idOrName: "book", upsert: "true", requestBody: { key, value: "the-real-value", type, target: ["production"] } });
    }
    const listed = await client.projects.filterProjectEnvs({ idOrName: "book", decrypt: "true" });
    assert.ok("envs" in listed);
    const byKey = new Map(listed.envs.map((env) => [env.key, env]));
    assert.ok(byKey.get("ENCRYPTED_ONE")!.value);
    assert.notEqual(byKey.get("ENCRYPTED_ONE")!.value, "the-real-value");
    assert.equal(byKey.get("ENCRYPTED_ONE")!.decrypted, false);
    assert.equal(byKey.get("SENSITIVE_ONE")!.value, "");
    assert.ok(!JSON.stringify(listed).includes("the-real-value"));
    for (const env of [...vercel.project("book")!.envs]) await client.projects.removeProjectEnv({ idOrName: "book", id: env.id });
  });

  test("a project can start with variables, as the dashboard leaves them", async () => {
    const seeded = await startVercelEmulator({ projects: [{ name: "site", envs: [{ key: "CHAT_API_URL", value: "https://old", type: "encrypted", target: ["production", "preview", "development"] }] }] });
    try {
      const sdk = new Vercel({ bearerToken: seeded.token, serverURL: seeded.url, retryConfig: { strategy: "none" } });
      const listed = await sdk.projects.filterProjectEnvs({ idOrName: "site" });
      assert.ok("envs" in listed);
      assert.deepEqual(listed.envs.map((env) => [env.key, env.type, env.target]), [["CHAT_API_URL", "encrypted", ["production", "preview", "development"]]]);
    } finally {
      await seeded.close();
    }
  });

  test("team projects need their teamId; unknown ones are 404", async () => {
    await client.projects.getProject({ idOrName: "team-book", teamId: "team_1" });
    await assert.rejects(client.projects.getProject({ idOrName: "team-book" }), (error: VercelError) => error.statusCode === 404);
  });

  test("faults and a bad token come back as the SDK's errors", async () => {
    const stranger = new Vercel({ bearerToken: "not-the-token", serverURL: vercel.url, retryConfig: { strategy: "none" } });
    await assert.rejects(stranger.projects.getProject({ idOrName: "book" }), (error: VercelError) => {
      assert.equal(error.statusCode, 403);
      assert.equal((JSON.parse(error.body) as { error: { invalidToken?: boolean } }).error.invalidToken, true);
      return true;
    });
    for (const status of [401, 429]) {
      vercel.setFault({ path: "/v9/projects/book", status, retryAfter: 1 });
      await assert.rejects(client.projects.getProject({ idOrName: "book" }), (error: VercelError) => {
        assert.equal(error.statusCode, status);
        if (status === 429) assert.equal(error.headers.get("retry-after"), "1");
        return true;
      });
    }
    assert.ok(vercel.requests.every((request) => !JSON.stringify(request).includes(vercel.token)));
  });
});
