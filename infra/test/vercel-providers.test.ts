import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Vercel } from "@vercel/sdk";
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

  /** A record as someone made it in the dashboard or with the CLI. */
  async function byHand(record: { key: string; value: string; type: string; target: string[]; gitBranch?: string }): Promise<void> {
    const response = await fetch(`${vercel.url}/v10/projects/book/env`, {
      method: "POST",
      headers: { Authorization: `Bearer ${vercel.token}`, "Content-Type": "application/json" },
      body: JSON.stringify(record),
    });
    assert.equal(response.status, 201, await response.text());
  }

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

  test("a Git branch's preview record is left alone: the project's own value is written beside it", async () => {
    const project = vercel.project("book")!;
    await byHand({ key: "CHAT_API_URL", value: "https://branch-backend.example", type: "encrypted", target: ["preview"], gitBranch: "staging" });
    const created = await VercelEnv.provider.create(inputs());
    const outs = created.outs as VercelEnvOutputs;
    const records = () => project.envs.filter((e) => e.key === "CHAT_API_URL").map((e) => [e.value, e.target, e.gitBranch ?? null]);
    assert.deepEqual(records(), [
      ["https://branch-backend.example", ["preview"], "staging"],
      ["https://reader-docs-chat.hf.space", ["production", "preview"], null],
    ]);
    const read = await VercelEnv.provider.read!(created.id, outs);
    assert.deepEqual(read.props!.targets, ["production", "preview"]);
    await VercelEnv.provider.delete!(created.id, outs);
    assert.deepEqual(records(), [["https://branch-backend.example", ["preview"], "staging"]], "the branch's record stays");
    for (const env of [...project.envs]) await fetch(`${vercel.url}/v9/projects/book/env/${env.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${vercel.token}` } });
  });

  test("an edit keeps the record's own type", async () => {
    const project = vercel.project("book")!;
    await byHand({ key: "CHAT_API_URL", value: "https://old.example", type: "sensitive", target: ["production", "preview", "development"] });
    const created = await VercelEnv.provider.create(inputs());
    assert.deepEqual(project.envs.map((e) => [e.value, e.type]), [["https://reader-docs-chat.hf.space", "sensitive"]], "edited by id, still sensitive");
    const sent = vercel.requests.filter((r) => r.method === "PATCH").at(-1)!;
    assert.equal((sent.body as { type?: string }).type, "sensitive", "the record's own type is sent, as `vercel env update` does");
    await VercelEnv.provider.delete!(created.id, created.outs as VercelEnvOutputs);
    for (const env of [...project.envs]) await fetch(`${vercel.url}/v9/projects/book/env/${env.id}`, { method: "DELETE", headers: { Authorization: `Bearer ${vercel.token}` } });
  });

  test("two stacks on one key: each writes only its own targets' record, a stack never writes into another's, destroying one leaves the other's", async () => {
    const project = vercel.project("book")!;
    const records = () => project.envs.filter((e) => e.key === "CHAT_API_URL").map((e) => [e.value, [...e.target].sort(), e.comment ?? null]).sort();
    const writes = (from: number) => vercel.requests.slice(from).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
    // prod first claims both targets, as Pulumi.prod.yaml ships.
    const prodWide = inputs({ stack: "docs-chat/prod", targets: ["production", "preview"] });
    const prod = (await VercelEnv.provider.create(prodWide)).outs as VercelEnvOutputs;
    const staging = inputs({ stack: "docs-chat/staging", value: "https://reader-docs-chat-staging.hf.space", targets: ["preview"] });

    // staging would overwrite prod's value on preview: refused before any write.
    let mark = vercel.requests.length;
    await assert.rejects(VercelEnv.provider.create(staging), (error: Error) => {
      assert.match(error.message, /CHAT_API_URL for preview is Pulumi stack docs-chat\/prod's \(its record covers preview, production\); this stack \(docs-chat\/staging\) would overwrite its value/);
      assert.match(error.message, /pulumi config set --stack <stack> vercelTargets/);
      return true;
    });
    assert.deepEqual(writes(mark), [], "nothing written");
    assert.deepEqual(records(), [["https://reader-docs-chat.hf.space", ["preview", "production"], "Set by Pulumi stack docs-chat/prod"]]);

    // prod gives preview up: its own record narrows; then staging makes its own.
    const prodNarrow = { ...prodWide, targets: ["production"] };
    assert.equal((await VercelEnv.provider.diff!("book/CHAT_API_URL", prod, prodNarrow)).changes, true);
    const narrowed = (await VercelEnv.provider.update!("book/CHAT_API_URL", prod, prodNarrow)).outs as VercelEnvOutputs;
    mark = vercel.requests.length;
    const stagingOuts = (await VercelEnv.provider.create(staging)).outs as VercelEnvOutputs;
    assert.deepEqual(writes(mark), ["POST /v10/projects/book/env"], "one write: staging's record");
    assert.deepEqual(records(), [
      ["https://reader-docs-chat-staging.hf.space", ["preview"], "Set by Pulumi stack docs-chat/staging"],
      ["https://reader-docs-chat.hf.space", ["production"], "Set by Pulumi stack docs-chat/prod"],
    ]);

    // Each refreshed and updated again: no diff, no write, neither takes the other's target.
    for (const [outs, news] of [[narrowed, prodNarrow], [stagingOuts, staging]] as const) {
      const read = (await VercelEnv.provider.read!("book/CHAT_API_URL", outs)).props as VercelEnvOutputs;
      assert.deepEqual(read.targets, news.targets);
      assert.equal((await VercelEnv.provider.diff!("book/CHAT_API_URL", read, news)).changes, false);
    }
    // A new value for prod edits only prod's record.
    mark = vercel.requests.length;
    const prodNext = { ...prodNarrow, value: "https://reader-docs-chat-2.hf.space" };
    const updated = (await VercelEnv.provider.update!("book/CHAT_API_URL", narrowed, prodNext)).outs as VercelEnvOutputs;
    assert.deepEqual(writes(mark), [`PATCH /v9/projects/book/env/${narrowed.envIds[0]}`]);

    // Destroying staging removes its record only.
    mark = vercel.requests.length;
    await VercelEnv.provider.delete!("book/CHAT_API_URL", stagingOuts);
    assert.deepEqual(writes(mark), [`DELETE /v9/projects/book/env/${stagingOuts.envIds[0]}`]);
    assert.deepEqual(records(), [["https://reader-docs-chat-2.hf.space", ["production"], "Set by Pulumi stack docs-chat/prod"]]);
    await VercelEnv.provider.delete!("book/CHAT_API_URL", updated);
    assert.deepEqual(records(), []);
  });

  test("redeploys the live production deployment: targets.production, also after an instant rollback", async () => {
    const project = vercel.project("book")!;
    const live = project.deployments.at(-1)!;
    const out = (await VercelRedeploy.provider.create({ token: vercel.token, apiUrl: vercel.url, project: "book", trigger: "https://a.hf.space" })).outs as VercelRedeployOutputs;
    assert.equal(out.redeployedFrom, live.uid);
    assert.equal(project.deployments.at(-1)!.redeployOf, live.uid);
    assert.equal(project.deployments.at(-1)!.uid, out.deploymentId);
    const sent = vercel.requests.filter((r) => r.method === "POST" && r.path === "/v13/deployments").at(-1)!;
    assert.equal(sent.query.forceNew, "1", "a fresh build, as `vercel redeploy` asks");
    assert.deepEqual((sent.body as { meta?: unknown }).meta, { action: "redeploy" });

    // An instant rollback re-aims production at the first deployment: the newest is no longer live.
    const sdk = new Vercel({ bearerToken: vercel.token, serverURL: vercel.url });
    await sdk.projects.requestRollback({ projectId: project.id, deploymentId: live.uid });
    const again = (await VercelRedeploy.provider.update!("book/redeploy", out, { ...out, trigger: "https://b.hf.space" })).outs as VercelRedeployOutputs;
    assert.equal(again.redeployedFrom, live.uid, "the deployment production serves, not the newest");
    assert.equal(project.liveProduction, again.deploymentId, "the redeploy serves production");
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
