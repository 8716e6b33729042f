// An emulator of the Hugging Face Hub for the calls the Pulumi program makes: what
// @huggingface/hub sends (whoami, repos/create and delete, preupload, commit, space info)
// and the Space endpoints of huggingface_hub's hf_api.py (settings, secrets, variables,
// runtime, restart, hardware, sleeptime, logs as SSE). Paths, bodies and answers follow
// hf_api.py and the Hub's docs. It can also run what was committed: after a commit or a
// restart the repo's files go to a folder and a runner (space-runner.ts by default) builds
// and starts them, with the Space's secrets and variables as its environment.
//
// Test code, never shipped. Standalone: node emulators/hub.ts --port 4010 [--token T] [--user U]
import { createHash, randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export type SpaceStage =
  | "NO_APP_FILE"
  | "BUILDING"
  | "RUNNING"
  | "BUILD_ERROR"
  | "RUNTIME_ERROR"
  | "STOPPED"
  | "PAUSED"
  | "SLEEPING"
  | "APP_STARTING";

/** What the emulator needs from a runner; space-runner.ts's startSpace fits it. */
export type SpaceRunner = (options: {
  repoDir: string;
  env: Record<string, string>;
  port: number;
  uid?: number;
  gid?: number;
  onStage?: (stage: "BUILDING" | "RUNNING" | "BUILD_ERROR" | "RUNTIME_ERROR" | "STOPPED") => void;
  onLog?: (kind: "build" | "run", line: string) => void;
}) => Promise<{ stop(): Promise<unknown> }>;

export type HubFault = {
  method?: string;
  /** A path prefix or a pattern, matched against the path without the query. */
  path: string | RegExp;
  status: number;
  /** How many requests it answers; default 1. */
  times?: number;
  retryAfter?: number;
  body?: unknown;
};

export type LoggedRequest = {
  method: string;
  path: string;
  status: number;
  /** The JSON body (commit bodies summarised to their operations, without file contents). */
  body: unknown;
  authorized: boolean;
};

export type EmulatedSpace = {
  repoId: string;
  owner: string;
  name: string;
  private: boolean;
  sdk: string;
  sha: string;
  files: Map<string, Buffer>;
  commits: Array<{ oid: string; summary: string; description: string }>;
  secrets: Map<string, { value: string; updatedAt: string }>;
  variables: Map<string, { value: string; updatedAt: string; description?: string }>;
  hardware: { current: string | null; requested: string };
  gcTimeout: number | null;
  stage: SpaceStage;
  errorMessage: string | null;
  /** The commit the current build came from. */
  runtimeSha: string | null;
  logs: { build: string[]; run: string[] };
  port: number;
  builds: number;
  restarts: number;
};

export type HubEmulatorOptions = {
  port?: number;
  host?: string;
  /** The only token accepted; default "hf_emulator_token". */
  token?: string;
  user?: string;
  orgs?: string[];
  /** Runs committed Spaces; `false` never builds (the stage stays BUILDING). */
  runner?: SpaceRunner | false;
  /** The uid/gid the runner gives the app (the Space runs as 1000). */
  uid?: number;
  gid?: number;
  /** Where committed repos are written; default a fresh folder under the OS temp folder. */
  workDir?: string;
  /** Whether changing a secret or variable restarts the Space by itself; default false. */
  restartOnSettingsChange?: boolean;
  /** Keep-alive interval of log streams. */
  keepAliveMs?: number;
};

export type HubEmulator = {
  url: string;
  token: string;
  requests: LoggedRequest[];
  spaces: Map<string, EmulatedSpace>;
  space(repoId: string): EmulatedSpace | undefined;
  setFault(fault: HubFault): void;
  clearFaults(): void;
  /** Resolves when the Space's current build has settled (stage no longer BUILDING). */
  settled(repoId: string): Promise<void>;
  close(): Promise<void>;
};

const FREE_SLEEP_SECONDS = 172_800; // free hardware sleeps after 48 h, per hf_api.py

export async function startHubEmulator(options: HubEmulatorOptions = {}): Promise<HubEmulator> {
  const token = options.token ?? "hf_emulator_token";
  const user = options.user ?? "emulator-user";
  const orgs = options.orgs ?? [];
  const runner = options.runner === undefined ? await defaultRunner() : options.runner;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), "hub-emulator-")));
  const ownsWorkDir = options.workDir === undefined;
  const spaces = new Map<string, EmulatedSpace>();
  const running = new Map<string, { stop(): Promise<unknown> }>();
  const pending = new Map<string, Promise<void>>();
  const listeners = new Map<string, Set<(kind: "build" | "run", line: string) => void>>();
  const requests: LoggedRequest[] = [];
  let faults: Array<HubFault & { left: number }> = [];
  let url = "";
  const openStreams = new Set<ServerResponse>();

  const now = () => new Date().toISOString();
  const shaOf = (text: string) => createHash("sha1").update(text).digest("hex");

  function emitLog(space: EmulatedSpace, kind: "build" | "run", line: string) {
    space.logs[kind].push(line);
    for (const listener of listeners.get(space.repoId) ?? []) listener(kind, line);
  }

  // One build at a time per Space: a restart during a build waits for it, then replaces it.
  function rebuild(space: EmulatedSpace): void {
    const previous = pending.get(space.repoId) ?? Promise.resolve();
    const next = previous.then(() => build(space)).catch((error) => {
      space.stage = "BUILD_ERROR";
      space.errorMessage = String((error as Error)?.message ?? error);
    });
    pending.set(space.repoId, next);
  }

  async function build(space: EmulatedSpace): Promise<void> {
    space.builds += 1; // first, so the old instance's last words (STOPPED) are ignored
    await running.get(space.repoId)?.stop();
    running.delete(space.repoId);
    space.logs = { build: [], run: [] };
    space.runtimeSha = space.sha;
    space.errorMessage = null;
    if (!space.files.has("Dockerfile")) {
      space.stage = "NO_APP_FILE";
      return;
    }
    space.stage = "BUILDING";
    if (runner === false) return;
    const repoDir = join(workDir, `${space.owner}--${space.name}-${space.builds}`);
    await rm(repoDir, { recursive: true, force: true });
    for (const [path, content] of space.files) {
      const target = join(repoDir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    const env: Record<string, string> = {
      SPACE_ID: space.repoId,
      SPACE_AUTHOR_NAME: space.owner,
      SPACE_REPO_NAME: space.name,
      SPACE_HOST: `127.0.0.1:${space.port}`,
    };
    for (const [key, entry] of space.variables) env[key] = entry.value;
    for (const [key, entry] of space.secrets) env[key] = entry.value;
    const buildNumber = space.builds;
    const current = () => space.builds === buildNumber && spaces.get(space.repoId) === space;
    const instance = await runner({
      repoDir,
      env,
      port: space.port,
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid ?? options.uid }),
      onStage: (stage) => {
        if (!current()) return;
        space.stage = stage;
        if (stage === "BUILD_ERROR") space.errorMessage = "Build failed, see the build logs";
        if (stage === "RUNTIME_ERROR") space.errorMessage = "Launch error, see the container logs";
      },
      onLog: (kind, line) => {
        if (current()) emitLog(space, kind, line);
      },
    });
    running.set(space.repoId, instance);
  }

  function newSpace(owner: string, name: string, isPrivate: boolean, sdk: string, port: number): EmulatedSpace {
    const readme = `---\ntitle: ${name}\nemoji: 🐳\ncolorFrom: blue\ncolorTo: green\nsdk: ${sdk}\npinned: false\n---\n`;
    const files = new Map<string, Buffer>([
      [".gitattributes", Buffer.from("*.bin filter=lfs diff=lfs merge=lfs -text\n")],
      ["README.md", Buffer.from(readme)],
    ]);
    const sha = shaOf(`${owner}/${name}:initial:${Date.now()}:${Math.random()}`);
    return {
      repoId: `${owner}/${name}`,
      owner,
      name,
      private: isPrivate,
      sdk,
      sha,
      files,
      commits: [{ oid: sha, summary: "initial commit", description: "" }],
      secrets: new Map(),
      variables: new Map(),
      hardware: { current: null, requested: "cpu-basic" },
      gcTimeout: FREE_SLEEP_SECONDS,
      stage: "NO_APP_FILE",
      errorMessage: null,
      runtimeSha: null,
      logs: { build: [], run: [] },
      port,
      builds: 0,
      restarts: 0,
    };
  }

  function hostOf(space: EmulatedSpace): string {
    return `http://127.0.0.1:${space.port}`;
  }

  function runtimeOf(space: EmulatedSpace) {
    return {
      stage: space.stage,
      hardware: { current: space.hardware.current, requested: space.hardware.requested },
      storage: null,
      gcTimeout: space.gcTimeout,
      replicas: { current: 1, requested: 1 },
      devMode: false,
      domains: [{ domain: `${space.owner}-${space.name}.hf.space`.toLowerCase(), stage: "READY" }],
      sha: space.runtimeSha,
      ...(space.errorMessage ? { errorMessage: space.errorMessage } : {}),
    };
  }

  function infoOf(space: EmulatedSpace) {
    return {
      _id: shaOf(space.repoId).slice(0, 24),
      id: space.repoId,
      author: space.owner,
      sha: space.sha,
      lastModified: now(),
      createdAt: now(),
      private: space.private,
      gated: false,
      disabled: false,
      likes: 0,
      sdk: space.sdk,
      tags: [space.sdk, "region:us"],
      subdomain: `${space.owner}-${space.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"),
      host: hostOf(space),
      runtime: runtimeOf(space),
      siblings: [...space.files.keys()].sort().map((rfilename) => ({ rfilename })),
      cardData: { sdk: space.sdk },
    };
  }

  const canWrite = (owner: string) => owner === user || orgs.includes(owner);

  type Context = {
    method: string;
    path: string;
    query: URLSearchParams;
    authorized: boolean;
    raw: Buffer;
    json: () => unknown;
    req: IncomingMessage;
    res: ServerResponse;
    logBody: (body: unknown) => void;
  };
  type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | "streamed";

  function spaceFor(ctx: Context, owner: string, name: string, write: boolean): EmulatedSpace | Answer {
    const space = spaces.get(`${owner}/${name}`);
    const readable = space && (!space.private || (ctx.authorized && canWrite(owner)));
    if (!space || !readable) return { status: 404, body: { error: "Repository not found" }, headers: { "X-Error-Code": "RepoNotFound" } };
    if (write && !ctx.authorized) return unauthorized();
    if (write && !canWrite(owner)) return { status: 403, body: { error: "You don't have the rights to modify this space" } };
    return space;
  }
  const isAnswer = (value: EmulatedSpace | Answer): value is Answer => value === "streamed" || "status" in value;
  const unauthorized = (): Answer => ({ status: 401, body: { error: "Invalid credentials in Authorization header" } });

  const routes: Array<[string, RegExp, (ctx: Context, ...groups: string[]) => Answer | Promise<Answer>]> = [
    [
      "GET",
      /^\/api\/whoami-v2$/,
      (ctx) =>
        !ctx.authorized
          ? unauthorized()
          : {
              status: 200,
              body: {
                type: "user",
                id: shaOf(user).slice(0, 24),
                name: user,
                fullname: user,
                email: `${user}@example.invalid`,
                emailVerified: true,
                isPro: false,
                orgs: orgs.map((org) => ({ type: "org", name: org, fullname: org, id: shaOf(org).slice(0, 24), roleInOrg: "write" })),
                auth: { type: "access_token", accessToken: { displayName: "emulator", role: "write" } },
              },
            },
    ],
    [
      "POST",
      /^\/api\/repos\/create$/,
      async (ctx) => {
        if (!ctx.authorized) return unauthorized();
        const body = (ctx.json() ?? {}) as Record<string, unknown>;
        ctx.logBody(body);
        const owner = typeof body.organization === "string" && body.organization ? body.organization : user;
        const name = String(body.name ?? "");
        if (body.type !== "space") return { status: 400, body: { error: "The emulator only hosts Spaces" } };
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/.test(name)) return { status: 400, body: { error: `Invalid repo name: ${name}` } };
        if (!canWrite(owner)) return { status: 403, body: { error: `You don't have the rights to create a space under the namespace "${owner}"` } };
        const repoId = `${owner}/${name}`;
        if (spaces.has(repoId)) {
          return { status: 409, body: { error: "You already created this space repo", url: `${url}/spaces/${repoId}` } };
        }
        const isPrivate = body.visibility === "private" || body.private === true;
        const space = newSpace(owner, name, isPrivate, String(body.sdk ?? "static"), await freePort());
        spaces.set(repoId, space);
        return { status: 200, body: { url: `${url}/spaces/${repoId}`, name: repoId, id: shaOf(repoId).slice(0, 24) } };
      },
    ],
    [
      "DELETE",
      /^\/api\/repos\/delete$/,
      async (ctx) => {
        if (!ctx.authorized) return unauthorized();
        const body = (ctx.json() ?? {}) as Record<string, unknown>;
        ctx.logBody(body);
        const owner = typeof body.organization === "string" && body.organization ? body.organization : user;
        const found = spaceFor(ctx, owner, String(body.name ?? ""), true);
        if (isAnswer(found)) return found;
        spaces.delete(found.repoId);
        found.builds += 1; // orphans any build still running
        await running.get(found.repoId)?.stop();
        running.delete(found.repoId);
        return { status: 200, body: {} };
      },
    ],
    [
      "PUT",
      /^\/api\/spaces\/([^/]+)\/([^/]+)\/settings$/,
      (ctx, owner, name) => {
        const found = spaceFor(ctx, owner!, name!, true);
        if (isAnswer(found)) return found;
        const body = (ctx.json() ?? {}) as Record<string, unknown>;
        ctx.logBody(body);
        if (body.visibility !== undefined) {
          if (body.visibility !== "public" && body.visibility !== "private") return { status: 400, body: { error: "Invalid visibility" } };
          found.private = body.visibility === "private";
        } else if (typeof body.private === "boolean") {
          found.private = body.private;
        }
        return { status: 200, body: { private: found.private } };
      },
    ],
    [
      "POST",
      /^\/api\/spaces\/([^/]+)\/([^/]+)\/preupload\/([^/]+)$/,
      (ctx, owner, name) => {
        const found = spaceFor(ctx, owner!, name!, true);
        if (isAnswer(found)) return found;
        const body = (ctx.json() ?? {}) as { files?: Array<{ path: string }> };
        ctx.logBody({ files: (body.files ?? []).map((file) => ({ path: file.path })) });
        return {
          status: 200,
          body: { files: (body.files ?? []).map((file) => ({ path: file.path, uploadMode: "regular", shouldIgnore: false })), commitOid: found.sha },
        };
      },
    ],
    [
      "POST",
      /^\/api\/spaces\/([^/]+)\/([^/]+)\/commit\/([^/]+)$/,
      (ctx, owner, name) => {
        const found = spaceFor(ctx, owner!, name!, true);
        if (isAnswer(found)) return found;
        const lines = ctx.raw
          .toString("utf8")
          .split("\n")
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line) as { key: string; value: Record<string, unknown> });
        const header = lines.find((line) => line.key === "header")?.value ?? {};
        ctx.logBody({ header, operations: lines.filter((l) => l.key !== "header").map((l) => ({ key: l.key, path: l.value.path })) });
        if (lines.some((line) => line.key === "lfsFile")) return { status: 400, body: { error: "The emulator does not store LFS files" } };
        for (const { key, value } of lines) {
          const path = String(value.path ?? "");
          if (key === "file") found.files.set(path, Buffer.from(String(value.content ?? ""), value.encoding === "base64" ? "base64" : "utf8"));
          if (key === "deletedFile") found.files.delete(path);
          if (key === "deletedFolder") for (const file of [...found.files.keys()]) if (file.startsWith(`${path.replace(/\/$/, "")}/`)) found.files.delete(file);
        }
        const oid = shaOf(`${found.sha}\n${ctx.raw.toString("base64")}`);
        found.sha = oid;
        found.commits.push({ oid, summary: String(header.summary ?? ""), description: String(header.description ?? "") });
        rebuild(found);
        return { status: 200, body: { success: true, commitOid: oid, commitUrl: `${url}/spaces/${found.repoId}/commit/${oid}`, hookOutput: "" } };
      },
    ],
    ["GET", /^\/api\/spaces\/([^/]+)\/([^/]+)(?:\/revision\/([^/]+))?$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, false);
      return isAnswer(found) ? found : { status: 200, body: infoOf(found) };
    }],
    ["GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/runtime$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, false);
      return isAnswer(found) ? found : { status: 200, body: runtimeOf(found) };
    }],
    ["POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/restart$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      found.restarts += 1;
      found.stage = found.files.has("Dockerfile") ? "BUILDING" : "NO_APP_FILE";
      rebuild(found);
      return { status: 200, body: runtimeOf(found) };
    }],
    ["POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/hardware$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      const body = (ctx.json() ?? {}) as { flavor?: unknown; sleepTimeSeconds?: unknown };
      ctx.logBody(body);
      if (typeof body.flavor !== "string" || !body.flavor) return { status: 400, body: { error: "flavor is required" } };
      found.hardware = { current: body.flavor, requested: body.flavor };
      if (typeof body.sleepTimeSeconds === "number") found.gcTimeout = body.sleepTimeSeconds;
      return { status: 200, body: runtimeOf(found) };
    }],
    ["POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/sleeptime$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      const body = (ctx.json() ?? {}) as { seconds?: unknown };
      ctx.logBody(body);
      if (typeof body.seconds !== "number" || !Number.isInteger(body.seconds)) return { status: 400, body: { error: "seconds must be an integer" } };
      found.gcTimeout = body.seconds;
      return { status: 200, body: runtimeOf(found) };
    }],
    ["GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/secrets$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      return { status: 200, body: Object.fromEntries([...found.secrets].map(([key, entry]) => [key, { key, updatedAt: entry.updatedAt }])) };
    }],
    ["POST", /^\/api\/spaces\/([^/]+)\/([^/]+)\/(secrets|variables)$/, (ctx, owner, name, kind) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      const body = (ctx.json() ?? {}) as { key?: unknown; value?: unknown; description?: unknown };
      ctx.logBody(body);
      if (typeof body.key !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(body.key)) return { status: 400, body: { error: "Invalid key" } };
      const entry = { value: typeof body.value === "string" ? body.value : "", updatedAt: now() };
      if (kind === "secrets") found.secrets.set(body.key, entry);
      else found.variables.set(body.key, { ...entry, ...(typeof body.description === "string" ? { description: body.description } : {}) });
      if (options.restartOnSettingsChange) rebuild(found);
      return { status: 200, body: kind === "secrets" ? undefined : variablesOf(found) };
    }],
    ["DELETE", /^\/api\/spaces\/([^/]+)\/([^/]+)\/(secrets|variables)$/, (ctx, owner, name, kind) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      const body = (ctx.json() ?? {}) as { key?: unknown };
      ctx.logBody(body);
      const map = kind === "secrets" ? found.secrets : found.variables;
      if (typeof body.key !== "string" || !map.has(body.key)) return { status: 404, body: { error: `${kind === "secrets" ? "Secret" : "Variable"} not found` } };
      map.delete(body.key);
      if (options.restartOnSettingsChange) rebuild(found);
      return { status: 200, body: kind === "secrets" ? undefined : variablesOf(found) };
    }],
    ["GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/variables$/, (ctx, owner, name) => {
      const found = spaceFor(ctx, owner!, name!, true);
      return isAnswer(found) ? found : { status: 200, body: variablesOf(found) };
    }],
    ["GET", /^\/api\/spaces\/([^/]+)\/([^/]+)\/logs\/(build|run)$/, (ctx, owner, name, kind) => {
      const found = spaceFor(ctx, owner!, name!, true);
      if (isAnswer(found)) return found;
      streamLogs(ctx, found, kind as "build" | "run");
      return "streamed";
    }],
    ["GET", /^\/spaces\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/, (ctx, owner, name, _rev, path) => {
      const found = spaceFor(ctx, owner!, name!, false);
      if (isAnswer(found)) return found;
      const content = found.files.get(decodeURIComponent(path!));
      if (!content) return { status: 404, body: { error: "Entry not found" }, headers: { "X-Error-Code": "EntryNotFound" } };
      ctx.res.writeHead(200, { "Content-Type": "application/octet-stream", "X-Repo-Commit": found.sha, ETag: `"${shaOf(content.toString("base64"))}"` });
      ctx.res.end(content);
      return "streamed";
    }],
  ];

  function variablesOf(space: EmulatedSpace) {
    return Object.fromEntries(
      [...space.variables].map(([key, entry]) => [key, { value: entry.value, updatedAt: entry.updatedAt, ...(entry.description ? { description: entry.description } : {}) }]),
    );
  }

  // The Hub's log format: one `data: {"data": "<line>", "timestamp": "..."}` event per line,
  // empty `data:` events as keep-alives, and a stream that stays open for new lines.
  function streamLogs(ctx: Context, space: EmulatedSpace, kind: "build" | "run") {
    const { res } = ctx;
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", Connection: "keep-alive" });
    openStreams.add(res);
    const send = (line: string) => res.write(`data: ${JSON.stringify({ data: `${line}\n`, timestamp: now() })}\n\n`);
    for (const line of space.logs[kind]) send(line);
    const listener = (lineKind: "build" | "run", line: string) => {
      if (lineKind === kind) send(line);
    };
    const set = listeners.get(space.repoId) ?? new Set();
    set.add(listener);
    listeners.set(space.repoId, set);
    const keepAlive = setInterval(() => res.write("data: \n\n"), options.keepAliveMs ?? 10_000);
    const stop = () => {
      clearInterval(keepAlive);
      set.delete(listener);
      openStreams.delete(res);
    };
    res.on("close", stop);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const parsed = new URL(req.url ?? "/", "http://emulator");
    const method = req.method ?? "GET";
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const entry: LoggedRequest = { method, path: parsed.pathname, status: 0, body: undefined, authorized };
    requests.push(entry);
    const ctx: Context = {
      method,
      path: parsed.pathname,
      query: parsed.searchParams,
      authorized,
      raw,
      json: () => (raw.length ? JSON.parse(raw.toString("utf8")) : undefined),
      req,
      res,
      logBody: (body) => {
        entry.body = body;
      },
    };
    const requestId = `Root=${randomUUID()}`;
    res.setHeader("X-Request-Id", requestId);

    const fault = faults.find((f) => (!f.method || f.method === method) && (typeof f.path === "string" ? parsed.pathname.startsWith(f.path) : f.path.test(parsed.pathname)));
    if (fault) {
      fault.left -= 1;
      faults = faults.filter((f) => f.left > 0);
      entry.status = fault.status;
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (fault.retryAfter !== undefined) headers["Retry-After"] = String(fault.retryAfter);
      res.writeHead(fault.status, headers);
      res.end(JSON.stringify(fault.body ?? { error: faultMessage(fault.status) }));
      return;
    }

    // A bad token is refused everywhere, as the Hub does, even on public reads.
    if (req.headers.authorization && !authorized) {
      entry.status = 401;
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "Invalid credentials in Authorization header" }));
      return;
    }

    let answer: Answer = { status: 404, body: { error: "Not Found" } };
    try {
      for (const [routeMethod, pattern, handler] of routes) {
        const match = routeMethod === method ? pattern.exec(parsed.pathname) : null;
        if (match) {
          answer = await handler(ctx, ...match.slice(1).map((group) => (group === undefined ? "" : decodeURIComponent(group))));
          break;
        }
      }
    } catch (error) {
      answer = { status: error instanceof SyntaxError ? 400 : 500, body: { error: String((error as Error).message) } };
    }
    if (answer === "streamed") {
      entry.status = res.statusCode;
      return;
    }
    entry.status = answer.status;
    if (answer.body === undefined) {
      res.writeHead(answer.status, answer.headers ?? {});
      res.end();
      return;
    }
    res.writeHead(answer.status, { "Content-Type": "application/json; charset=utf-8", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const address = server.address();
  url = `http://${options.host ?? "127.0.0.1"}:${typeof address === "object" && address ? address.port : 0}`;

  return {
    url,
    token,
    requests,
    spaces,
    space: (repoId) => spaces.get(repoId),
    setFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    clearFaults() {
      faults = [];
    },
    async settled(repoId) {
      await pending.get(repoId);
    },
    async close() {
      for (const res of openStreams) res.end();
      await Promise.all([...running.values()].map((instance) => instance.stop().catch(() => {})));
      running.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}

function faultMessage(status: number): string {
  if (status === 401) return "Invalid credentials in Authorization header";
  if (status === 404) return "Repository not found";
  if (status === 409) return "Conflict";
  if (status === 429) return "You have exceeded our hourly quotas for action: api. Retry later.";
  return "Internal Error - We're working hard to fix this as soon as possible!";
}

async function defaultRunner(): Promise<SpaceRunner> {
  const { startSpace } = await import("./space-runner.ts");
  return startSpace as SpaceRunner;
}

/** A port nobody listens on now, kept by the Space for its whole life so `host` never changes. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createNetServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      token: { type: "string" },
      user: { type: "string" },
      org: { type: "string", multiple: true },
      uid: { type: "string" },
      "no-run": { type: "boolean", default: false },
    },
  });
  const emulator = await startHubEmulator({
    port: Number(values.port),
    host: values.host,
    token: values.token,
    user: values.user,
    orgs: values.org,
    ...(values.uid ? { uid: Number(values.uid) } : {}),
    ...(values["no-run"] ? { runner: false as const } : {}),
  });
  console.log(`hub emulator on ${emulator.url} (token from --token, default hf_emulator_token)`);
  const shutdown = () => void emulator.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
