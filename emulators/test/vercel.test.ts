import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Vercel } from "@vercel/sdk";
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { startVercelEmulator, type VercelEmulator } from "../vercel.ts";

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

  test("getProject, getDeployments and a redeploy through createDeployment", async () => {
    const project = await client.projects.getProject({ idOrName: "book" });
    assert.equal(project.name, "book");
    const listing = await client.deployments.getDeployments({ projectId: project.id, target: "production", state: "READY", limit: 1 });
    const latest = listing.deployments[0]!;
    assert.ok(latest.uid);
    const redeploy = await client.deployments.createDeployment({
      requestBody: { name: project.name, project: project.id, deploymentId: latest.uid, target: "production" },
    });
    assert.ok(redeploy.id);
    const after = await client.deployments.getDeployments({ projectId: project.id, target: "production", limit: 1 });
    assert.equal(after.deployments[0]!.uid, redeploy.id);
    assert.equal(vercel.project("book")!.deployments.at(-1)!.redeployOf, latest.uid);
  });

  test("team projects need their teamId; unknown ones are 404", async () => {
    await client.projects.getProject({ idOrName: "team-book", teamId: "team_1" });
    await assert.rejects(client.projects.getProject({ idOrName: "team-book" }), (error: VercelError) => error.statusCode === 404);
  });

  test("faults and a bad token come back as the SDK's errors", async () => {
    const stranger = new Vercel({ bearerToken: "not-the-token", serverURL: vercel.url, retryConfig: { strategy: "none" } });
    await assert.rejects(stranger.projects.getProject({ idOrName: "book" }), (error: VercelError) => error.statusCode === 403);
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
