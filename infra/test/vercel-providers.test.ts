import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startVercelEmulator, type VercelEmulator } from "../../emulators/vercel/vercel.ts";
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
    assert.deepEqual(project.envs.map((e) => [e.key, e.value, e.type, e.target]), [["CHAT_API_URL", "https://reader-docs-chat.hf.space", "encrypted", ["production", "preview"]]]);

    // An encrypted value never comes back: a refresh keeps the state's, with no diff to show.
    assert.equal((await VercelEnv.provider.diff!(created.id, outs, inputs())).changes, false);
    const read = await VercelEnv.provider.read!(created.id, outs);
    assert.equal(read.props!.value, "https://reader-docs-chat.hf.space");
    assert.equal((await VercelEnv.provider.diff!(created.id, read.props!, inputs())).changes, false, "no perpetual diff after a refresh");

    const next = inputs({ value: "https://new.hf.space", targets: ["production"] });
    const updated = (await VercelEnv.provider.update!(created.id, read.props as VercelEnvOutputs, next)).outs as VercelEnvOutputs;
    assert.deepEqual(project.envs.map((e) => [e.value, e.target]), [["https://new.hf.space", ["production"]]], "our record edited by id and narrowed");

    await VercelEnv.provider.delete!(created.id, updated);
    assert.equal(project.envs.length, 0);
    assert.deepEqual(await VercelEnv.provider.read!(created.id, updated), {}, "gone after delete");
  });

  test("a variable that already exists on all three targets is edited by id, never upserted over", async () => {
    const project = vercel.project("book")!;
    const existing = await VercelEnv.provider.create(inputs({ targets: ["production", "preview", "development"], value: "https://old.example" }));
    const ownerless = { ...(existing.outs as VercelEnvOutputs), envIds: [] }; // as if the dashboard had made it
    const created = await VercelEnv.provider.create(inputs());
    assert.deepEqual(project.envs.map((e) => [e.value, [...e.target].sort()]), [["https://reader-docs-chat.hf.space", ["development", "preview", "production"]]], "one record, edited");
    const writes = vercel.requests.filter((r) => r.method !== "GET").slice(-1).map((r) => `${r.method} ${r.path}`);
    assert.match(writes[0]!, /^PATCH \/v9\/projects\/book\/env\//);
    await VercelEnv.provider.delete!(created.id, created.outs as VercelEnvOutputs);
    assert.equal(project.envs.length, 1, "the record that also covers development stays");
    await VercelEnv.provider.delete!(existing.id, { ...ownerless, envIds: (existing.outs as VercelEnvOutputs).envIds, targets: ["production", "preview", "development"] });
    assert.equal(project.envs.length, 0);
  });

  test("redeploys the latest production deployment", async () => {
    const project = vercel.project("book")!;
    const latest = project.deployments.at(-1)!;
    const out = (await VercelRedeploy.provider.create({ token: vercel.token, apiUrl: vercel.url, project: "book", trigger: "https://a.hf.space" })).outs as VercelRedeployOutputs;
    assert.equal(out.redeployedFrom, latest.uid);
    assert.equal(project.deployments.at(-1)!.redeployOf, latest.uid);
    assert.equal(project.deployments.at(-1)!.uid, out.deploymentId);
    const sent = vercel.requests.filter((r) => r.method === "POST" && r.path === "/v13/deployments").at(-1)!;
    assert.equal(sent.query.forceNew, "1", "a fresh build, as `vercel redeploy` asks");
    assert.deepEqual((sent.body as { meta?: unknown }).meta, { action: "redeploy" });
  });

  test("a bad token is a clear error without the token; 429 is retried", async () => {
    await assert.rejects(VercelEnv.provider.create(inputs({ token: "vercel-wrong-token-123" })), (error: Error & { status?: number }) => {
      assert.equal(error.status, 403);
      assert.match(error.message, /Vercel project book: Not authorized. The Vercel token \(vercelToken or VERCEL_TOKEN\) is invalid or expired/);
      assert.ok(!error.message.includes("vercel-wrong-token-123"));
      return true;
    });
    await vercel.setFault({ path: "/v10/projects/book/env", method: "POST", status: 429, retryAfter: 0 });
    const created = await VercelEnv.provider.create(inputs());
    assert.ok(created.outs!.envIds.length > 0);
    const posts = vercel.requests.filter((r) => r.method === "POST" && r.path === "/v10/projects/book/env").map((r) => r.status);
    assert.deepEqual(posts.slice(-2), [429, 201]);
    await assert.rejects(VercelEnv.provider.create(inputs({ project: "nope" })), (error: Error & { status?: number }) => error.status === 404);
  });
});
