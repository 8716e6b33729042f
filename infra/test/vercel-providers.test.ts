import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startVercelEmulator, type VercelEmulator } from "../../emulators/vercel.ts";
import type { VercelEnvInputs, VercelEnvOutputs } from "../providers/vercel-env-provider.ts";
import type { VercelRedeployOutputs } from "../providers/vercel-redeploy-provider.ts";
import { VercelEnv } from "../resources/vercel-env.ts";
import { VercelRedeploy } from "../resources/vercel-redeploy.ts";

describe("Vercel providers against the emulator", () => {
  let vercel: VercelEmulator;
  before(async () => {
    vercel = await startVercelEmulator();
  });
  after(() => vercel.close());

  const inputs = (extra: Partial<VercelEnvInputs> = {}): VercelEnvInputs => ({
    token: vercel.token,
    apiUrl: vercel.url,
    project: "book",
    key: "CHAT_API_URL",
    value: "https://reader-docs-chat.hf.space",
    targets: ["production", "preview"],
    ...extra,
  });

  test("env variable: create, read, diff, update (targets shrink), delete", async () => {
    const created = await VercelEnv.provider.create(inputs());
    const outs = created.outs as VercelEnvOutputs;
    const project = vercel.project("book")!;
    assert.deepEqual(project.envs.map((e) => [e.key, e.value, e.target]), [["CHAT_API_URL", "https://reader-docs-chat.hf.space", ["production", "preview"]]]);
    assert.equal(vercel.requests.find((r) => r.method === "POST")!.query.upsert, "true");

    assert.equal((await VercelEnv.provider.diff!(created.id, outs, inputs())).changes, false);
    project.envs[0]!.value = "https://elsewhere.example"; // changed by hand
    const read = await VercelEnv.provider.read!(created.id, outs);
    assert.equal(read.props!.value, "https://elsewhere.example");
    assert.equal((await VercelEnv.provider.diff!(created.id, read.props!, inputs())).changes, true);

    const next = inputs({ value: "https://new.hf.space", targets: ["production"] });
    const updated = (await VercelEnv.provider.update!(created.id, read.props as VercelEnvOutputs, next)).outs as VercelEnvOutputs;
    assert.deepEqual(project.envs.map((e) => [e.value, e.target]), [["https://new.hf.space", ["production"]]]);

    await VercelEnv.provider.delete!(created.id, updated);
    assert.equal(project.envs.length, 0);
    assert.deepEqual(await VercelEnv.provider.read!(created.id, updated), {}, "gone after delete");
  });

  test("redeploys the latest production deployment", async () => {
    const project = vercel.project("book")!;
    const latest = project.deployments.at(-1)!;
    const out = (await VercelRedeploy.provider.create({ token: vercel.token, apiUrl: vercel.url, project: "book", trigger: "https://a.hf.space" })).outs as VercelRedeployOutputs;
    assert.equal(out.redeployedFrom, latest.uid);
    assert.equal(project.deployments.at(-1)!.redeployOf, latest.uid);
    assert.equal(project.deployments.at(-1)!.uid, out.deploymentId);
  });

  test("a bad token is a clear error without the token; 429 is retried", async () => {
    await assert.rejects(VercelEnv.provider.create(inputs({ token: "vercel-wrong-token-123" })), (error: Error & { status?: number }) => {
      assert.equal(error.status, 403);
      assert.match(error.message, /setting CHAT_API_URL on Vercel project book: Not authorized.*VERCEL_TOKEN/);
      assert.ok(!error.message.includes("vercel-wrong-token-123"));
      return true;
    });
    vercel.setFault({ path: "/v10/projects/book/env", method: "POST", status: 429, retryAfter: 0 });
    const created = await VercelEnv.provider.create(inputs());
    assert.ok(created.outs!.envIds.length > 0);
    const posts = vercel.requests.filter((r) => r.method === "POST" && r.path === "/v10/projects/book/env").map((r) => r.status);
    assert.deepEqual(posts.slice(-2), [429, 201]);
    await assert.rejects(VercelEnv.provider.create(inputs({ project: "nope" })), (error: Error & { status?: number }) => error.status === 404);
  });
});
