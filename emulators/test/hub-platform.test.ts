// The Hub emulator's defaults are the real Hub's behaviour (PLATFORM-FACTS.md): plans, auth
// answers, deletions, commits, rate limits, and a Space's stages while its app starts.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import { commit, createRepo, deleteRepo, downloadFile, HubApiError, listFiles, uploadFiles } from "@huggingface/hub";
import { CONFLICTING_OPERATION, startHubEmulator, type HubEmulator } from "../hub/hub.ts";
import type { SpaceRunner } from "../hub/builds.ts";
import { spaceAppFile } from "../../test/support/space-fixtures.ts";
import { SLOW_SUITE_MS, until } from "./support.ts";

describe("hub emulator, as the real Hub behaves", { timeout: SLOW_SUITE_MS }, () => {
  let hub: HubEmulator;
  const READ_TOKEN = "hf_read_only_token";
  const SCOPED_TOKEN = "hf_scoped_to_other_repo";
  before(async () => {
    hub = await startHubEmulator({
      keepAliveMs: 200,
      repoCreateMs: 150,
      tokens: [
        { token: READ_TOKEN, role: "read" },
        { token: SCOPED_TOKEN, role: "write", repos: ["emulator-user/other"] },
      ],
    });
  });
  after(() => hub.close());

  const sdk = () => ({ hubUrl: hub.url, accessToken: hub.token });
  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${hub.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${init.token ?? hub.token}`, "content-type": "application/json", ...init.headers },
    });
  const runtime = async (repoId: string) => (await (await api(`/api/spaces/${repoId}/runtime`)).json()) as { stage: string; errorMessage?: string };
  const host = (repoId: string, on = hub) => `http://127.0.0.1:${on.space(repoId)!.port}`;

  async function dockerSpace(name: string, files: Array<{ path: string; content: string | Buffer }>, on = hub): Promise<string> {
    const repoId = `emulator-user/${name}`;
    const sdk = { hubUrl: on.url, accessToken: on.token };
    await createRepo({ ...sdk, repo: { type: "space", name: repoId }, sdk: "docker" });
    await uploadFiles({ ...sdk, repo: { type: "space", name: repoId }, files: files.map((f) => ({ path: f.path, content: new Blob([f.content]) })) });
    return repoId;
  }

  test("a free plan gets 402 for a Docker Space, also for one that already exists; a static Space is fine", async () => {
    await createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/made-while-pro" }, sdk: "docker" });
    hub.setPlan("free");
    try {
      for (const name of ["emulator-user/new-docker", "emulator-user/made-while-pro"]) {
        await assert.rejects(createRepo({ ...sdk(), repo: { type: "space", name }, sdk: "docker" }), (error: HubApiError) => {
          assert.equal(error.statusCode, 402);
          assert.match(error.message, /PRO/);
          return true;
        });
      }
      await createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/static-site" }, sdk: "static" });
      const me = (await (await api("/api/whoami-v2")).json()) as { isPro: boolean };
      assert.equal(me.isPro, false);
    } finally {
      hub.setPlan("pro");
    }
  });

  test("two creations at once in one namespace: the second is the conflicting-operation 409", async () => {
    const create = (name: string) => api("/api/repos/create", { method: "POST", body: JSON.stringify({ type: "space", name, sdk: "docker" }) });
    const answers = await Promise.all([create("racer-one"), create("racer-two")]);
    const statuses = answers.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409]);
    const conflict = answers.find((r) => r.status === 409)!;
    assert.match(await conflict.text(), new RegExp(CONFLICTING_OPERATION));
  });

  test("delete answers text OK; deleting a secret or variable that is not there is 200; variables answer the whole map", async () => {
    const repoId = "emulator-user/settings";
    await createRepo({ ...sdk(), repo: { type: "space", name: repoId }, sdk: "docker" });
    const added = await api(`/api/spaces/${repoId}/secrets`, { method: "POST", body: JSON.stringify({ key: "S1", value: "v" }) });
    assert.deepEqual(await added.json(), {});
    const variables = await api(`/api/spaces/${repoId}/variables`, { method: "POST", body: JSON.stringify({ key: "V1", value: "1" }) });
    assert.deepEqual(Object.keys((await variables.json()) as object), ["V1"]);
    const gone = await api(`/api/spaces/${repoId}/secrets`, { method: "DELETE", body: JSON.stringify({ key: "NEVER_SET" }) });
    assert.equal(gone.status, 200);
    assert.deepEqual(await gone.json(), {});
    const goneVariable = await api(`/api/spaces/${repoId}/variables`, { method: "DELETE", body: JSON.stringify({ key: "NEVER_SET" }) });
    assert.equal(goneVariable.status, 200);
    assert.deepEqual(Object.keys((await goneVariable.json()) as object), ["V1"]);

    const deleted = await api("/api/repos/delete", { method: "DELETE", body: JSON.stringify({ type: "space", name: "settings" }) });
    assert.equal(deleted.status, 200);
    assert.match(deleted.headers.get("content-type") ?? "", /^text\/plain/);
    assert.equal(await deleted.text(), "OK");
    assert.equal(hub.space(repoId), undefined);
  });

  test("a Space's domain and subdomain follow the Hub's rule: lower case, `_` and `.` as `-`", async () => {
    await createRepo({ ...sdk(), repo: { type: "space", name: "emulator-user/My_Space.v2" }, sdk: "docker" });
    const live = (await (await api("/api/spaces/emulator-user/My_Space.v2/runtime")).json()) as { domains: Array<{ domain: string }> };
    assert.deepEqual(live.domains.map((d) => d.domain), ["emulator-user-my-space-v2.hf.space"]);
    const info = (await (await api("/api/spaces/emulator-user/My_Space.v2")).json()) as { subdomain: string };
    assert.equal(info.subdomain, "emulator-user-my-space-v2");
  });

  test("a commit that deletes a path the repo does not hold fails whole with 404", async () => {
    const repoId = "emulator-user/commits";
    await createRepo({ ...sdk(), repo: { type: "space", name: repoId }, sdk: "docker" });
    const before = hub.space(repoId)!.sha;
    await assert.rejects(
      commit({
        ...sdk(),
        repo: { type: "space", name: repoId },
        title: "add one, delete a ghost",
        operations: [
          { operation: "addOrUpdate", path: "new.txt", content: new Blob(["x"]) },
          { operation: "delete", path: "ghost.txt" },
        ],
      }),
      (error: HubApiError) => error.statusCode === 404 && /doesn't exist/.test(error.message),
    );
    assert.equal(hub.space(repoId)!.sha, before, "nothing was committed");
    assert.ok(!hub.space(repoId)!.files.has("new.txt"));

    // What a program reads to delete only what is there: listFiles, recursive.
    await uploadFiles({ ...sdk(), repo: { type: "space", name: repoId }, files: [{ path: "src/app/main.js", content: new Blob(["x"]) }] });
    const listed = [];
    for await (const entry of listFiles({ ...sdk(), repo: { type: "space", name: repoId }, recursive: true })) listed.push(`${entry.type} ${entry.path}`);
    assert.deepEqual(listed, ["file .gitattributes", "file README.md", "directory src", "directory src/app", "file src/app/main.js"]);
    const top = [];
    for await (const entry of listFiles({ ...sdk(), repo: { type: "space", name: repoId } })) top.push(entry.path);
    assert.deepEqual(top, [".gitattributes", "README.md", "src"]);
  });

  test("a file is served at any revision (main or a commit id) through the SDK's downloadFile; an unknown revision is RevisionNotFound", async () => {
    const repoId = "emulator-user/revisions";
    await createRepo({ ...sdk(), repo: { type: "space", name: repoId }, sdk: "static" });
    const repo = { type: "space" as const, name: repoId };
    const first = await commit({ ...sdk(), repo, title: "one", operations: [{ operation: "addOrUpdate", path: "app.txt", content: new Blob(["first"]) }] });
    await commit({
      ...sdk(),
      repo,
      title: "two",
      operations: [
        { operation: "addOrUpdate", path: "app.txt", content: new Blob(["second"]) },
        { operation: "addOrUpdate", path: "extra.txt", content: new Blob(["x"]) },
      ],
    });
    const read = async (path: string, revision?: string) => (await downloadFile({ ...sdk(), repo, path, ...(revision ? { revision } : {}) }))?.text();
    assert.equal(await read("app.txt"), "second");
    assert.equal(await read("app.txt", first!.commit.oid), "first", "the file as the first commit left it");
    assert.equal(await read("extra.txt", first!.commit.oid), undefined, "a file that came later is not at that revision");
    const response = await api(`/spaces/${repoId}/resolve/${first!.commit.oid}/app.txt`);
    assert.equal(response.headers.get("x-repo-commit"), first!.commit.oid);
    const unknown = await api(`/spaces/${repoId}/resolve/${"0".repeat(40)}/app.txt`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get("x-error-code"), "RevisionNotFound");
  });

  test("restart with factory=true is counted apart; a build hang lasts until a factory rebuild ('cache') or past it ('always')", async () => {
    const repoId = await dockerSpace("hangs", [
      { path: "README.md", content: "---\nsdk: docker\napp_port: 7860\n---\n" },
      { path: "Dockerfile", content: await readFile(spaceAppFile("Dockerfile")) },
      { path: "server.js", content: await readFile(spaceAppFile("server.js")) },
    ]);
    await until("the Space to run", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));
    const space = hub.space(repoId)!;
    hub.hangBuilds(repoId);
    assert.equal((await api(`/api/spaces/${repoId}/restart`, { method: "POST" })).status, 200);
    await hub.settled(repoId);
    assert.equal((await runtime(repoId)).stage, "BUILDING", "a plain restart keeps the cache: the build hangs");
    assert.ok(space.logs.build.length > 0, "the hung build logged its start");
    const factory = await api(`/api/spaces/${repoId}/restart?factory=true`, { method: "POST" });
    assert.equal(factory.status, 200);
    assert.equal(((await factory.json()) as { stage: string }).stage, "BUILDING", "the restart answers the runtime");
    assert.equal(space.factoryRestarts, 1);
    assert.equal(space.restarts, 2);
    await until("the factory-rebuilt Space to run", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));

    hub.hangBuilds(repoId, "always");
    await api(`/api/spaces/${repoId}/restart?factory=true`, { method: "POST" });
    await hub.settled(repoId);
    assert.equal((await runtime(repoId)).stage, "BUILDING", "'always' outlasts a factory rebuild");
    hub.hangBuilds(repoId, null);
    await api(`/api/spaces/${repoId}/restart`, { method: "POST" });
    await until("the Space to run again", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));
  });

  test("401 for a repo the token cannot see, 403 for a token without write scope", async () => {
    await api("/api/repos/create", { method: "POST", body: JSON.stringify({ type: "space", name: "hidden", sdk: "docker", private: true }) });
    const unseen = await api("/api/spaces/emulator-user/hidden/runtime", { token: SCOPED_TOKEN });
    assert.equal(unseen.status, 401);
    assert.equal(unseen.headers.get("x-error-code"), "RepoNotFound");
    assert.notEqual(((await unseen.json()) as { error: string }).error, "Invalid credentials in Authorization header");
    const readOnly = await api("/api/spaces/emulator-user/hidden/secrets", { method: "POST", token: READ_TOKEN, body: JSON.stringify({ key: "K", value: "v" }) });
    assert.equal(readOnly.status, 403);
    assert.equal((await api("/api/spaces/emulator-user/hidden/runtime", { token: READ_TOKEN })).status, 200, "a read token reads");
    assert.equal((await api("/api/spaces/emulator-user/missing-one/runtime")).status, 404, "a missing repo, asked with a token, is 404");
  });

  test("429s carry RateLimit, not Retry-After: from a fault, and from the rate limit", async () => {
    hub.setFault({ path: "/api/whoami-v2", status: 429, retryAfter: 7 });
    const limited = await api("/api/whoami-v2");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("ratelimit"), '"api";r=0;t=7');
    assert.equal(limited.headers.get("retry-after"), null);

    const strict = await startHubEmulator({ runner: false, rateLimit: { requests: 2, windowSeconds: 60 } });
    try {
      const call = () => fetch(`${strict.url}/api/whoami-v2`, { headers: { authorization: `Bearer ${strict.token}` } });
      assert.deepEqual([(await call()).status, (await call()).status], [200, 200]);
      const third = await call();
      assert.equal(third.status, 429);
      const reset = Number(/t=(\d+)/.exec(third.headers.get("ratelimit") ?? "")?.[1]);
      assert.ok(reset > 0 && reset <= 60, `t=${reset}`);
    } finally {
      await strict.close();
    }
  });

  test("an app on another port than app_port stays APP_STARTING, then fails as the platform's start-up timeout", async () => {
    // A Hub whose start-up timeout is seconds, not 30 minutes: long enough to see APP_STARTING
    // on a busy machine, short enough to wait out.
    const impatient = await startHubEmulator({ appStartTimeoutMs: 10_000 });
    try {
      const server = await readFile(spaceAppFile("server.js"));
      const dockerfile = (await readFile(spaceAppFile("Dockerfile"), "utf8")).replace("USER 1000", "ENV PORT=8080\nUSER 1000");
      const repoId = await dockerSpace(
        "wrong-port",
        [
          { path: "Dockerfile", content: dockerfile },
          { path: "server.js", content: server },
        ],
        impatient,
      );
      const stage = async () => (await (await fetch(`${impatient.url}/api/spaces/${repoId}/runtime`, { headers: { authorization: `Bearer ${impatient.token}` } })).json()) as { stage: string; errorMessage?: string };
      await until("APP_STARTING", async () => ((await stage()).stage === "APP_STARTING" ? true : undefined));
      assert.equal((await fetch(`${host(repoId, impatient)}/api/health`)).status, 503, "nothing serves the Space's host");
      const failed = await until("RUNTIME_ERROR", async () => {
        const now = await stage();
        return now.stage === "RUNTIME_ERROR" ? now : undefined;
      });
      assert.match(failed.errorMessage ?? "", /Launch timed out/);
    } finally {
      await impatient.close();
    }
  });

  test("a secret, a variable or a hardware change restarts the Space by itself; new hardware shows as requested until applied", async () => {
    const repoId = await dockerSpace("restarts", [
      { path: "Dockerfile", content: await readFile(spaceAppFile("Dockerfile")) },
      { path: "server.js", content: await readFile(spaceAppFile("server.js")) },
    ]);
    const space = hub.space(repoId)!;
    const running = () => until("RUNNING", async () => ((await runtime(repoId)).stage === "RUNNING" && space.runtimeSha === space.sha ? true : undefined));
    await running();
    const envKeys = async () => (await (await fetch(`${host(repoId)}/env-keys`)).json()) as string[];
    const changes: Array<[string, RequestInit]> = [
      ["secrets", { method: "POST", body: JSON.stringify({ key: "NEW_SECRET", value: "a-secret-value" }) }],
      ["variables", { method: "POST", body: JSON.stringify({ key: "NEW_VARIABLE", value: "1" }) }],
      ["variables", { method: "DELETE", body: JSON.stringify({ key: "NEW_VARIABLE" }) }],
    ];
    for (const [endpoint, init] of changes) {
      const builds = space.builds;
      assert.equal((await api(`/api/spaces/${repoId}/${endpoint}`, init)).status, 200);
      assert.equal((await runtime(repoId)).stage, "BUILDING", `${init.method} ${endpoint}: the restart shows at once`);
      await running();
      assert.equal(space.builds, builds + 1, `${init.method} ${endpoint}: one restart`);
    }
    assert.ok((await envKeys()).includes("NEW_SECRET") && !(await envKeys()).includes("NEW_VARIABLE"), "the app runs with the settings as they are now");

    const requested = (await (await api(`/api/spaces/${repoId}/hardware`, { method: "POST", body: JSON.stringify({ flavor: "cpu-upgrade" }) })).json()) as { stage: string; hardware: { current: string; requested: string } };
    assert.deepEqual(requested.hardware, { current: "cpu-basic", requested: "cpu-upgrade" }, "requested, not applied yet");
    assert.equal(requested.stage, "BUILDING");
    await running();
    assert.deepEqual(((await runtime(repoId)) as unknown as { hardware: unknown }).hardware, { current: "cpu-upgrade", requested: "cpu-upgrade" }, "applied by the restart");
    assert.equal(space.restarts, 0, "no restart call: the Hub restarted it by itself");
  });

  test("a burst of settings changes is built once after the build under way, with all of them", async () => {
    const repoId = await dockerSpace("burst", [
      { path: "Dockerfile", content: await readFile(spaceAppFile("Dockerfile")) },
      { path: "server.js", content: await readFile(spaceAppFile("server.js")) },
    ]);
    const space = hub.space(repoId)!;
    await until("RUNNING", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));
    const builds = space.builds;
    for (const key of ["FIRST", "SECOND", "THIRD"]) {
      await api(`/api/spaces/${repoId}/variables`, { method: "POST", body: JSON.stringify({ key, value: key }) });
    }
    await hub.settled(repoId);
    await until("RUNNING", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));
    assert.ok(space.builds <= builds + 2, `at most the build under way and one more (${space.builds - builds})`);
    const keys = (await (await fetch(`${host(repoId)}/env-keys`)).json()) as string[];
    assert.ok(["FIRST", "SECOND", "THIRD"].every((key) => keys.includes(key)), "the app that serves has all three");
  });

  test("app_port comes from the README; a commit to a running Space keeps the old app serving until the new one answers", async () => {
    const server = await readFile(spaceAppFile("server.js"), "utf8");
    const readme = "---\ntitle: ported\nsdk: docker\napp_port: 8080\n---\n";
    const dockerfile = (await readFile(spaceAppFile("Dockerfile"), "utf8")).replace("USER 1000", "ENV PORT=8080\nUSER 1000");
    const repoId = await dockerSpace("ported", [
      { path: "README.md", content: readme },
      { path: "Dockerfile", content: dockerfile },
      { path: "server.js", content: server },
    ]);
    const space = hub.space(repoId)!;
    await until("RUNNING", async () => ((await runtime(repoId)).stage === "RUNNING" ? true : undefined));
    assert.equal((await fetch(`${host(repoId)}/version`)).status, 404, "the first app has no /version");
    const first = space.runtimeSha;

    const versioned = server.replace('if (req.url === "/env-keys")', 'if (req.url === "/version") {\n      res.writeHead(200);\n      res.end("two");\n      return;\n    }\n    if (req.url === "/env-keys")');
    await uploadFiles({ ...sdk(), repo: { type: "space", name: repoId }, files: [{ path: "server.js", content: new Blob([versioned]) }] });
    const rolling = await until("a RUNNING_* stage", async () => {
      const { stage } = await runtime(repoId);
      return stage === "RUNNING_BUILDING" || stage === "RUNNING_APP_STARTING" ? stage : undefined;
    });
    assert.ok(rolling);
    assert.equal((await fetch(`${host(repoId)}/api/health`)).status, 200, "the old app still answers");
    assert.equal(space.runtimeSha, first);
    await until("the new app", async () => (space.runtimeSha === space.sha && (await runtime(repoId)).stage === "RUNNING" ? true : undefined));
    assert.equal(await (await fetch(`${host(repoId)}/version`)).text(), "two");
  });

  test("a Space deleted while it builds and created again under its name builds at once; close waits for the deleted one's build", async () => {
    // The first build holds until released, as a slow `docker build` of the deleted Space would.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const stopped: number[] = [];
    let calls = 0;
    const runner: SpaceRunner = async () => {
      const call = ++calls;
      if (call === 1) await held;
      return { stop: async () => void stopped.push(call) };
    };
    const own = await startHubEmulator({ runner, keepAliveMs: 200 });
    try {
      const repo = { type: "space" as const, name: "emulator-user/again" };
      const sdk = { hubUrl: own.url, accessToken: own.token };
      const files = [{ path: "Dockerfile", content: new Blob([await readFile(spaceAppFile("Dockerfile"))]) }];
      await createRepo({ ...sdk, repo, sdk: "docker" });
      await uploadFiles({ ...sdk, repo, files });
      await until("the first build", async () => (calls === 1 ? true : undefined));
      await deleteRepo({ ...sdk, repo });
      await createRepo({ ...sdk, repo, sdk: "docker" });
      await uploadFiles({ ...sdk, repo, files });
      await until("the new Space's build, not queued behind the deleted one's", async () => (calls === 2 ? true : undefined));
    } finally {
      const closing = own.close();
      release();
      await closing;
    }
    assert.ok(stopped.includes(1), "the deleted Space's app, started after close began, was stopped");
  });
});
