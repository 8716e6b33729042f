import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CONFLICTING_OPERATION, startHubEmulator, type HubEmulator } from "../../emulators/hub/hub.ts";
import type { SpaceInputs, SpaceOutputs } from "../providers/space-provider.ts";
import type { SettingsOutputs } from "../providers/space-settings-provider.ts";
import type { BundleOutputs } from "../providers/bundle-provider.ts";
import { Space } from "../resources/space.ts";
import { SpaceSecrets } from "../resources/space-secrets.ts";
import { SpaceVariables } from "../resources/space-variables.ts";
import { SpaceBundle } from "../resources/space-bundle.ts";
import { tempDir, writeBundle } from "./support.ts";

// The providers as Pulumi calls them (through the serialisable shims), against the Hub emulator.
describe("Hub providers against the emulator", () => {
  let hub: HubEmulator;
  before(async () => {
    hub = await startHubEmulator({ runner: false });
  });
  after(() => hub.close());

  const spaceInputs = (name: string, extra: Partial<SpaceInputs> = {}): SpaceInputs => ({
    hubUrl: hub.url,
    token: hub.token,
    owner: "emulator-user",
    name,
    private: false,
    hardware: "cpu-basic",
    adoptExisting: false,
    deleteOnDestroy: false,
    ...extra,
  });

  test("Space: create, read, diff, update, delete (kept unless asked)", async () => {
    const inputs = spaceInputs("lifecycle");
    const check = await Space.provider.check!({} as SpaceInputs, inputs);
    assert.deepEqual(check.failures, []);
    const created = await Space.provider.create(inputs);
    assert.equal(created.id, "emulator-user/lifecycle");
    const outs = created.outs!;
    assert.equal(outs.host, `http://127.0.0.1:${hub.space(created.id)!.port}`);
    assert.equal(outs.spaceUrl, `${hub.url}/spaces/emulator-user/lifecycle`);
    assert.equal(hub.space(created.id)!.sdk, "docker");

    assert.deepEqual(await Space.provider.diff!(created.id, outs, inputs), { changes: false, replaces: [] });
    assert.deepEqual((await Space.provider.diff!(created.id, outs, { ...inputs, name: "other" })).replaces, ["name"]);

    const changed = { ...inputs, private: true, hardware: "cpu-upgrade", sleepTimeSeconds: 3600 };
    assert.equal((await Space.provider.diff!(created.id, outs, changed)).changes, true);
    const updated = await Space.provider.update!(created.id, outs, changed);
    const space = hub.space(created.id)!;
    assert.equal(space.private, true);
    assert.equal(space.hardware.requested, "cpu-upgrade");
    assert.equal(space.gcTimeout, 3600);

    // Drift: someone makes it public on the Hub; read shows it, so the next diff repairs it.
    space.private = false;
    const read = await Space.provider.read!(created.id, updated.outs as SpaceOutputs);
    assert.equal(read.props!.private, false);
    assert.equal((await Space.provider.diff!(created.id, read.props!, changed)).changes, true);

    await Space.provider.delete!(created.id, updated.outs as SpaceOutputs);
    assert.ok(hub.space(created.id), "kept on destroy by default");
    await Space.provider.delete!(created.id, { ...(updated.outs as SpaceOutputs), deleteOnDestroy: true });
    assert.equal(hub.space(created.id), undefined);
    assert.deepEqual(await Space.provider.read!(created.id, updated.outs as SpaceOutputs), {}, "a deleted Space reads as gone");
  });

  /** A change made by hand on the Hub (its settings page calls the same API). */
  async function byHand(method: string, path: string, body: unknown): Promise<void> {
    const response = await fetch(`${hub.url}${path}`, { method, headers: { Authorization: `Bearer ${hub.token}`, "Content-Type": "application/json" }, body: JSON.stringify(body) });
    assert.equal(response.status, 200, await response.text());
  }
  const writesSince = (mark: number) => hub.requests.slice(mark).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path.replace(/^\/api\/spaces\/[^/]+\/[^/]+/, "…")}${(r.body as { key?: string } | undefined)?.key ? ` ${(r.body as { key: string }).key}` : ""}`);

  test("Space drift: hardware and sleep time changed on the Hub are read back, and the update puts back just those", async () => {
    const inputs = spaceInputs("hardware-drift", { hardware: "cpu-upgrade", sleepTimeSeconds: 3600 });
    const created = await Space.provider.create(inputs);
    const repoId = created.id;
    await byHand("POST", `/api/spaces/${repoId}/hardware`, { flavor: "cpu-basic" });
    await byHand("POST", `/api/spaces/${repoId}/sleeptime`, { seconds: 600 });

    const read = (await Space.provider.read!(repoId, created.outs as SpaceOutputs)).props as SpaceOutputs;
    assert.equal(read.hardware, "cpu-basic", "the hardware requested on the Hub");
    assert.equal(read.sleepTimeSeconds, 600);
    assert.equal((await Space.provider.diff!(repoId, read, inputs)).changes, true);
    const mark = hub.requests.length;
    const updated = (await Space.provider.update!(repoId, read, inputs)).outs as SpaceOutputs;
    assert.deepEqual(writesSince(mark), ["POST …/hardware", "POST …/sleeptime"], "only what drifted is written");
    assert.equal(hub.space(repoId)!.hardware.requested, "cpu-upgrade");
    assert.equal(hub.space(repoId)!.gcTimeout, 3600);
    const again = (await Space.provider.read!(repoId, updated)).props as SpaceOutputs;
    assert.equal((await Space.provider.diff!(repoId, again, inputs)).changes, false, "nothing left to put back");
  });

  test("Space: an existing one is adopted only when configured", async () => {
    await Space.provider.create(spaceInputs("taken"));
    await assert.rejects(Space.provider.create(spaceInputs("taken")), /already exists on the Hub.*hfAdoptExisting/s);
    const adopted = await Space.provider.create(spaceInputs("taken", { adoptExisting: true, private: true }));
    assert.equal(adopted.outs!.adopted, true);
    assert.equal(hub.space("emulator-user/taken")!.private, true, "adoption brings it to the configured settings");
  });

  test("Space: a free account's 402 says which plan it needs and the ways out, and an existing Space answering 402 is adopted", async () => {
    hub.setPlan("free");
    await assert.rejects(Space.provider.create(spaceInputs("free")), (error: Error) => {
      assert.match(error.message, /402 Payment Required: Docker Spaces need a paid plan/);
      assert.match(error.message, /upgrade emulator-user to PRO; or set hfOwner to an organisation with a paid plan; or, for a Docker Space that already exists, .*hfAdoptExisting/);
      return true;
    });
    assert.equal(hub.space("emulator-user/free"), undefined, "nothing half-made");

    hub.setPlan("pro");
    await Space.provider.create(spaceInputs("older")); // made before the account went free, say
    hub.setPlan("free");
    await assert.rejects(Space.provider.create(spaceInputs("older")), /Space emulator-user\/older already exists on the Hub \(it answered 402 to the create\)/);
    const adopted = await Space.provider.create(spaceInputs("older", { adoptExisting: true }));
    assert.equal(adopted.outs!.adopted, true);
    hub.setPlan("pro");

    await hub.setFault({ method: "POST", path: "/api/repos/create", status: 403, body: { error: "You don't have the rights to create a space under this namespace" } });
    await assert.rejects(Space.provider.create(spaceInputs("forbidden")), /403: the Hugging Face token may not create repos under emulator-user/);

    // "another conflicting operation is in progress" is not "already exists": it is retried.
    await hub.setFault({ method: "POST", path: "/api/repos/create", status: 409, body: { error: CONFLICTING_OPERATION } });
    const created = await Space.provider.create(spaceInputs("busy"));
    assert.equal(created.outs!.adopted, false);
    assert.ok(hub.space("emulator-user/busy"));
  });

  test("Space: 401 names the token to check; 429 then success; 404 owner is a clear error", async () => {
    await assert.rejects(Space.provider.create({ ...spaceInputs("denied"), token: "hf_wrong_token_value" }), (error: Error & { status?: number }) => {
      assert.equal(error.status, 401);
      assert.match(error.message, /creating Space emulator-user\/denied: .*HF_TOKEN/);
      assert.ok(!error.message.includes("hf_wrong_token_value"));
      return true;
    });
    await hub.setFault({ method: "POST", path: "/api/repos/create", status: 429, retryAfter: 0 });
    const created = await Space.provider.create(spaceInputs("after-429"));
    assert.equal(created.id, "emulator-user/after-429");
    assert.deepEqual(
      hub.requests.filter((r) => r.path === "/api/repos/create" && JSON.stringify(r.body ?? {}).includes("after-429") || (r.path === "/api/repos/create" && r.status === 429)).map((r) => r.status).slice(-2),
      [429, 200],
    );
    await assert.rejects(Space.provider.update!("emulator-user/missing", { ...created.outs!, name: "missing" }, spaceInputs("missing")), (error: Error & { status?: number }) => error.status === 404);
  });

  test("secrets and variables: one key at a time, removed keys deleted, values never in outputs", async () => {
    const { id: repoId } = await Space.provider.create(spaceInputs("settings"));
    const base = { hubUrl: hub.url, token: hub.token, repoId };
    const first = await SpaceSecrets.provider.create({ ...base, values: { GEMINI_API_KEY: "gemini-secret-1", DATABASE_URL: "postgres://a:pw-1@db/x" } });
    const outs = first.outs as SettingsOutputs;
    assert.deepEqual(outs.keys, ["DATABASE_URL", "GEMINI_API_KEY"]);
    assert.ok(!JSON.stringify(outs).includes("gemini-secret-1"), "outputs hold hashes, not values");
    assert.equal(hub.space(repoId)!.secrets.get("GEMINI_API_KEY")!.value, "gemini-secret-1");

    const next = { ...base, values: { GEMINI_API_KEY: "gemini-secret-2", QDRANT_API_KEY: "qdrant-secret" } };
    assert.equal((await SpaceSecrets.provider.diff!(first.id, outs, { ...base, values: { GEMINI_API_KEY: "gemini-secret-1", DATABASE_URL: "postgres://a:pw-1@db/x" } })).changes, false);
    assert.equal((await SpaceSecrets.provider.diff!(first.id, outs, next)).changes, true);
    const mark = hub.requests.length;
    const updated = (await SpaceSecrets.provider.update!(first.id, outs, next)).outs as SettingsOutputs;
    const calls = hub.requests.slice(mark).map((r) => `${r.method} ${(r.body as { key: string }).key}`);
    assert.deepEqual(calls, ["POST GEMINI_API_KEY", "POST QDRANT_API_KEY", "DELETE DATABASE_URL"]);
    assert.notEqual(updated.revision, outs.revision);
    assert.deepEqual([...hub.space(repoId)!.secrets.keys()].sort(), ["GEMINI_API_KEY", "QDRANT_API_KEY"]);

    // A secret deleted on the Hub drops out on read, so the next diff sets it again.
    hub.space(repoId)!.secrets.delete("QDRANT_API_KEY");
    const read = await SpaceSecrets.provider.read!(first.id, updated);
    assert.deepEqual(read.props!.keys, ["GEMINI_API_KEY"]);
    assert.equal((await SpaceSecrets.provider.diff!(first.id, read.props!, next)).changes, true);

    const vars = await SpaceVariables.provider.create({ ...base, values: { LOG_LEVEL: "INFO", QDRANT_COLLECTION: "docusaurus-book" } });
    hub.space(repoId)!.variables.get("LOG_LEVEL")!.value = "DEBUG"; // changed by hand on the Hub
    const varsRead = await SpaceVariables.provider.read!(vars.id, vars.outs as SettingsOutputs);
    assert.deepEqual(varsRead.props!.values, { QDRANT_COLLECTION: "docusaurus-book" });
    assert.equal((await SpaceVariables.provider.diff!(vars.id, varsRead.props!, { ...base, values: { LOG_LEVEL: "INFO", QDRANT_COLLECTION: "docusaurus-book" } })).changes, true);

    await SpaceSecrets.provider.delete!(first.id, updated);
    assert.equal(hub.space(repoId)!.secrets.size, 0);
  });

  test("settings drift: a secret or variable deleted, a variable changed, are put back key by key; a secret's new value under the same key is not seen", async () => {
    const { id: repoId } = await Space.provider.create(spaceInputs("settings-drift"));
    const base = { hubUrl: hub.url, token: hub.token, repoId };
    const secretInputs = { ...base, values: { GEMINI_API_KEY: "gemini-secret", QDRANT_API_KEY: "qdrant-secret" } };
    const variableInputs = { ...base, values: { LOG_LEVEL: "INFO", QDRANT_COLLECTION: "docusaurus-book", ALLOWED_ORIGINS: "https://book.example" } };
    const secrets = (await SpaceSecrets.provider.create(secretInputs)).outs as SettingsOutputs;
    const variables = (await SpaceVariables.provider.create(variableInputs)).outs as SettingsOutputs;

    await byHand("DELETE", `/api/spaces/${repoId}/secrets`, { key: "QDRANT_API_KEY" });
    await byHand("DELETE", `/api/spaces/${repoId}/variables`, { key: "QDRANT_COLLECTION" });
    await byHand("POST", `/api/spaces/${repoId}/variables`, { key: "LOG_LEVEL", value: "DEBUG" });
    await byHand("POST", `/api/spaces/${repoId}/variables`, { key: "EXTRA", value: "added by hand" });

    const secretsRead = (await SpaceSecrets.provider.read!(`${repoId}/secrets`, secrets)).props as SettingsOutputs;
    const variablesRead = (await SpaceVariables.provider.read!(`${repoId}/variables`, variables)).props as SettingsOutputs;
    assert.deepEqual(secretsRead.keys, ["GEMINI_API_KEY"]);
    assert.deepEqual(variablesRead.values, { ALLOWED_ORIGINS: "https://book.example" }, "only what still holds our value");
    assert.notEqual(secretsRead.revision, secrets.revision, "the revision shows the change");
    let mark = hub.requests.length;
    const secretsBack = (await SpaceSecrets.provider.update!(`${repoId}/secrets`, secretsRead, secretInputs)).outs as SettingsOutputs;
    const variablesBack = (await SpaceVariables.provider.update!(`${repoId}/variables`, variablesRead, variableInputs)).outs as SettingsOutputs;
    assert.deepEqual(writesSince(mark), ["POST …/secrets QDRANT_API_KEY", "POST …/variables LOG_LEVEL", "POST …/variables QDRANT_COLLECTION"], "only the drifted keys");
    const space = hub.space(repoId)!;
    assert.equal(space.secrets.get("QDRANT_API_KEY")!.value, "qdrant-secret");
    assert.equal(space.variables.get("LOG_LEVEL")!.value, "INFO");
    assert.equal(space.variables.get("QDRANT_COLLECTION")!.value, "docusaurus-book");
    assert.equal(space.variables.get("EXTRA")!.value, "added by hand", "a key the stack does not set is left alone");
    assert.deepEqual(secretsBack.hashes, secrets.hashes, "the values are back");
    assert.deepEqual(variablesBack.hashes, variables.hashes);
    // The repair restarted the Space: a new revision, so the rollout waits for it as after any change.
    assert.notEqual(secretsBack.revision, secrets.revision);
    assert.notEqual(variablesBack.revision, variables.revision);
    assert.equal(secretsBack.writes, 1);

    // The limit: the Hub lists a secret's key, never its value, so a value changed by hand under the same key cannot be seen.
    await byHand("POST", `/api/spaces/${repoId}/secrets`, { key: "GEMINI_API_KEY", value: "changed-by-hand" });
    const blind = (await SpaceSecrets.provider.read!(`${repoId}/secrets`, secretsBack)).props as SettingsOutputs;
    assert.deepEqual(blind.hashes, secretsBack.hashes);
    assert.equal((await SpaceSecrets.provider.diff!(`${repoId}/secrets`, blind, secretInputs)).changes, false);
    mark = hub.requests.length;
    assert.equal((await SpaceVariables.provider.diff!(`${repoId}/variables`, (await SpaceVariables.provider.read!(`${repoId}/variables`, variablesBack)).props!, variableInputs)).changes, false);
    assert.deepEqual(writesSince(mark), [], "a read writes nothing");
  });

  test("bundle drift: a file edited or deleted in the Space repo is named by read, and the update puts back only it", async () => {
    const { id: repoId } = await Space.provider.create(spaceInputs("bundle-drift"));
    const dir = join(await tempDir("bundle-drift-"), ".bundle");
    const inputs = { hubUrl: hub.url, token: hub.token, repoId, bundleDir: dir, hash: await writeBundle(dir, { Dockerfile: "FROM node:24-slim\n", "src/a.ts": "a", "src/b.ts": "b" }) };
    const outs = (await SpaceBundle.provider.create(inputs)).outs as BundleOutputs;
    assert.deepEqual(outs.drifted, []);
    assert.ok(outs.files.every((file) => /^[0-9a-f]{40}$/.test(file.oid ?? "")), "each file's git blob id is kept");
    const space = hub.space(repoId)!;

    const untouched = (await SpaceBundle.provider.read!(`${repoId}/bundle`, outs)).props as BundleOutputs;
    assert.deepEqual(untouched.drifted, []);
    assert.equal((await SpaceBundle.provider.diff!(`${repoId}/bundle`, untouched, inputs)).changes, false, "no drift, no diff");

    space.files.set("src/a.ts", Buffer.from("a, edited on the Hub")); // as the Hub's file editor commits it
    space.files.delete("src/b.ts");
    space.files.set("notes.md", Buffer.from("a file someone added"));
    const read = (await SpaceBundle.provider.read!(`${repoId}/bundle`, outs)).props as BundleOutputs;
    assert.deepEqual(read.drifted, ["src/a.ts", "src/b.ts"]);
    assert.equal(read.hash, inputs.hash, "the manifest still names our bundle");
    assert.equal((await SpaceBundle.provider.diff!(`${repoId}/bundle`, read, inputs)).changes, true);

    const commits = space.commits.length;
    const updated = (await SpaceBundle.provider.update!(`${repoId}/bundle`, read, inputs)).outs as BundleOutputs;
    assert.equal(space.commits.length, commits + 1, "one commit");
    const sent = hub.requests.filter((r) => r.path.endsWith("/commit/main")).at(-1)!.body as { operations: Array<{ key: string; path: string }> };
    assert.deepEqual(sent.operations.filter((op) => op.key === "file").map((op) => op.path).sort(), ["bundle-manifest.json", "src/a.ts", "src/b.ts"], "only the drifted files and the manifest");
    assert.deepEqual(sent.operations.filter((op) => op.key === "deletedFile"), [], "a file the bundle never had stays");
    assert.equal(space.files.get("src/a.ts")!.toString(), "a");
    assert.equal(space.files.get("src/b.ts")!.toString(), "b");
    assert.deepEqual(updated.drifted, []);
    assert.equal(updated.commitSha, space.sha);
    assert.deepEqual(((await SpaceBundle.provider.read!(`${repoId}/bundle`, updated)).props as BundleOutputs).drifted, []);

    // A state written before blob ids were kept: a changed size still shows.
    const older = { ...updated, files: updated.files.map(({ path, sha256, size }) => ({ path, sha256, size })) };
    space.files.set("src/a.ts", Buffer.from("longer than before"));
    assert.deepEqual(((await SpaceBundle.provider.read!(`${repoId}/bundle`, older)).props as BundleOutputs).drifted, ["src/a.ts"]);
  });

  test("bundle: one commit per hash change, departed files deleted, the hash in the message", async () => {
    const { id: repoId } = await Space.provider.create(spaceInputs("bundle"));
    const dir = join(await tempDir("bundle-"), ".bundle");
    const base = { hubUrl: hub.url, token: hub.token, repoId, bundleDir: dir };
    const hash1 = await writeBundle(dir, { Dockerfile: "FROM node:24-slim\n", "src/a.ts": "a", "src/old.ts": "old" });
    const first = await SpaceBundle.provider.create({ ...base, hash: hash1 });
    const outs = first.outs as BundleOutputs;
    const space = hub.space(repoId)!;
    assert.equal(outs.commitSha, space.sha);
    assert.ok(space.commits.at(-1)!.description.includes(hash1));
    assert.ok(space.files.has("bundle-manifest.json") && space.files.has("src/old.ts"));

    assert.equal((await SpaceBundle.provider.diff!(first.id, outs, { ...base, hash: hash1 })).changes, false);
    assert.equal((await SpaceBundle.provider.diff!(first.id, outs, { ...base, bundleDir: "/another/checkout/.bundle", hash: hash1 })).changes, false, "the same bundle from another checkout");
    const hash2 = await writeBundle(dir, { Dockerfile: "FROM node:24-slim\n", "src/a.ts": "a2" });
    assert.equal((await SpaceBundle.provider.diff!(first.id, outs, { ...base, hash: hash2 })).changes, true);
    const commits = space.commits.length;
    const updated = (await SpaceBundle.provider.update!(first.id, outs, { ...base, hash: hash2 })).outs as BundleOutputs;
    assert.equal(space.commits.length, commits + 1, "one commit");
    assert.ok(!space.files.has("src/old.ts"), "a file that left the bundle is deleted");
    assert.ok(space.files.has(".gitattributes"), "files the bundle never had are left alone");
    const commitRequest = hub.requests.filter((r) => r.path.endsWith("/commit/main")).at(-1)!.body as { operations: Array<{ key: string; path: string }> };
    assert.deepEqual(commitRequest.operations.filter((op) => op.key === "deletedFile").map((op) => op.path), ["src/old.ts"]);
    assert.deepEqual(
      commitRequest.operations.filter((op) => op.key === "file").map((op) => op.path).sort(),
      ["bundle-manifest.json", "src/a.ts"],
      "only the changed file and the manifest are sent; the unchanged Dockerfile is not",
    );
    assert.equal(space.files.get("Dockerfile")?.toString(), "FROM node:24-slim\n", "the unchanged file stays");

    // Someone pushed over it: read shows another hash, so the next update uploads again.
    space.files.set("bundle-manifest.json", Buffer.from('{"hash":"' + "0".repeat(64) + '","files":[]}'));
    const read = await SpaceBundle.provider.read!(first.id, updated);
    assert.equal(read.props!.hash, "0".repeat(64));

    // A path the state remembers but the repo no longer holds is not deleted: the Hub
    // would fail the whole commit with 404.
    space.files.delete("bundle-manifest.json");
    space.files.delete("src/a.ts");
    const hash3 = await writeBundle(dir, { Dockerfile: "FROM node:24-slim\n" });
    await SpaceBundle.provider.update!(first.id, { ...updated, files: [...updated.files, { path: "src/gone.ts", size: 1, sha256: "0".repeat(64) }] }, { ...base, hash: hash3 });
    const third = hub.requests.filter((r) => r.path.endsWith("/commit/main")).at(-1)!.body as { operations: Array<{ key: string; path: string }> };
    assert.deepEqual(third.operations.filter((op) => op.key === "deletedFile"), [], "nothing deleted that the repo does not hold");

    // A folder changed after the program read it is refused rather than half-uploaded.
    await assert.rejects(SpaceBundle.provider.update!(first.id, updated, { ...base, hash: hash1 }), /changed since the program read it/);
  });
});
