// An emulator of the Hugging Face Hub for the calls the Pulumi program makes: what
// @huggingface/hub sends (whoami, repos/create and delete, preupload, commit, space info)
// and the Space endpoints of huggingface_hub's hf_api.py (settings, secrets, variables,
// runtime, restart, hardware, sleeptime, logs as SSE). Paths, bodies and answers follow
// hf_api.py and the Hub's docs. It can also run what was committed: after a commit or a
// restart the repo's files go to a folder and a runner (space-runner/ by default) builds
// and starts them, with the Space's secrets and variables as its environment.
//
// By default it behaves as PLATFORM-FACTS.md says the Hub does: a runtime without `sha`,
// APP_STARTING while nothing answers on the README's app_port, rolling updates, `OK` for a
// deleted repo, `{}` for a deleted secret that was not there, a 404 commit for a deletion of
// a missing file, 401 for a repo the token cannot see, 403 for a token without the scope,
// 402 for a Docker Space on a free plan, 429s with the RateLimit header; and as
// docs/platform-facts.md says: a restart after each secret, variable or hardware change, the
// new hardware `requested` until the restart applies it, domains by the Hub's subdomain rule,
// a file served at any commit (resolve/{revision}), a factory restart (`?factory=true`).
// Its fault modes: scripted answers (setFault) and builds that hang (hangBuilds).
//
// The routes live beside this file by area (repos, commits, secrets and variables, runtime and logs);
// this file assembles them on the emulator core and answers what every route shares:
// faults, the token check, the request log.
//
// Test code, never shipped. Standalone: node emulators/hub/hub.ts --port 4010 [--token T] [--user U]
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FaultList, scriptedFaultSwitches, type Fault, type StatusFault } from "../core/faults.ts";
import { answerFault, openExchange, replyWith } from "../core/request-log.ts";
import { dispatch, type Answer } from "../core/router.ts";
import { startServer } from "../core/server.ts";
import { SpaceBuilds, type SpaceRunner } from "./builds.ts";
import type { HubContext, HubLoggedRequest, HubPlan, HubState, HubToken } from "./context.ts";
import { commitRoutes } from "./routes-commits.ts";
import { repoRoutes } from "./routes-repos.ts";
import { runtimeRoutes } from "./routes-runtime.ts";
import { settingsRoutes } from "./routes-settings.ts";
import type { EmulatedSpace } from "./space.ts";

export { CONFLICTING_OPERATION } from "./context.ts";
export type { HubLoggedRequest } from "./context.ts";

export type HubEmulatorOptions = {
  port?: number;
  host?: string;
  /** The user's write token; default "hf_emulator_token". */
  token?: string;
  /** More tokens of the same user: read-only, or scoped to some repos (fine-grained). */
  tokens?: HubToken[];
  user?: string;
  orgs?: string[];
  /** The account's plan (every namespace's): "free" answers 402 to a Docker or Gradio Space; default "pro". */
  plan?: HubPlan;
  /** How long an app may run without answering on app_port before RUNTIME_ERROR; default 30 min, as the Hub. */
  appStartTimeoutMs?: number;
  /** How often the app's port is tried while APP_STARTING; default 100 ms. */
  appProbeIntervalMs?: number;
  /** How long a repo creation takes: a second one in the same namespace meanwhile is a 409; default 0. */
  repoCreateMs?: number;
  /** The API rate limit (requests per fixed window); default none. */
  rateLimit?: { requests: number; windowSeconds: number };
  /** Runs committed Spaces; `false` never builds (the stage stays BUILDING). */
  runner?: SpaceRunner | false;
  /** The uid/gid the runner gives the app (the Space runs as 1000). */
  uid?: number;
  gid?: number;
  /** Where committed repos are written; default a fresh folder under the OS temp folder. */
  workDir?: string;
  /**
   * Whether changing a secret, a variable or the hardware restarts the Space by itself, as the
   * Hub does; default true (false: only a restart call or a commit rebuilds it).
   */
  restartOnSettingsChange?: boolean;
  /** Keep-alive interval of log streams. */
  keepAliveMs?: number;
};

export type HubEmulator = {
  url: string;
  token: string;
  requests: HubLoggedRequest[];
  spaces: Map<string, EmulatedSpace>;
  space(repoId: string): EmulatedSpace | undefined;
  /** Changes the account's plan, as an upgrade or a downgrade does; existing Spaces stay. */
  setPlan(plan: HubPlan): void;
  /**
   * Adds a fault after those in force; the first that matches a request (by method and path)
   * answers it, once unless `times` says more ("down": until cleared). A 429's `retryAfter`
   * is the seconds of its `RateLimit: "api";r=0;t=N` header (default 60).
   */
  setFault(fault: Fault): Promise<void>;
  clearFaults(): Promise<void>;
  /**
   * A fault mode: the Space's next builds hang in BUILDING. "cache" (default) lasts until a
   * factory rebuild (restart with factory=true), "always" outlasts that too; null ends it.
   */
  hangBuilds(repoId: string, mode?: "cache" | "always" | null): void;
  /** Resolves when the Space's current build has settled (stage no longer BUILDING). */
  settled(repoId: string): Promise<void>;
  close(): Promise<void>;
};

const routes = [...repoRoutes, ...commitRoutes, ...settingsRoutes, ...runtimeRoutes];

export async function startHubEmulator(options: HubEmulatorOptions = {}): Promise<HubEmulator> {
  const token = options.token ?? "hf_emulator_token";
  const runner = options.runner === undefined ? await defaultRunner() : options.runner;
  const workDir = options.workDir ?? (await mkdtemp(join(tmpdir(), "hub-emulator-")));
  const ownsWorkDir = options.workDir === undefined;
  const spaces = new Map<string, EmulatedSpace>();
  const requests: HubLoggedRequest[] = [];
  const faults = new FaultList(1);
  const builds = new SpaceBuilds({
    runner,
    workDir,
    uid: options.uid,
    gid: options.gid,
    appStartTimeoutMs: options.appStartTimeoutMs ?? 30 * 60_000,
    appProbeIntervalMs: options.appProbeIntervalMs ?? 100,
    isCurrent: (space) => spaces.get(space.repoId) === space,
  });
  const tokens: HubToken[] = [{ token, role: "write" }, ...(options.tokens ?? [])];
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit.requests, options.rateLimit.windowSeconds) : null;
  const state: HubState = {
    url: "",
    user: options.user ?? "emulator-user",
    orgs: options.orgs ?? [],
    plan: options.plan ?? "pro",
    creating: new Set(),
    repoCreateMs: options.repoCreateMs ?? 0,
    spaces,
    builds,
    // docs/platform-facts.md: Settings changes restart the Space
    restartOnSettingsChange: options.restartOnSettingsChange ?? true,
    keepAliveMs: options.keepAliveMs ?? 10_000,
  };
  const server = await startServer({ name: "hub", port: options.port, host: options.host, handle, crashBody: (error) => ({ error: String(error) }) });
  state.url = server.url;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = tokens.find((grant) => req.headers.authorization === `Bearer ${grant.token}`) ?? null;
    const authorized = caller !== null;
    const ex = await openExchange<HubLoggedRequest>(req, res, { log: requests, closing: () => server.closing, describe: () => ({ authorized }) });
    if (ex === null) return;
    ex.entry.body = undefined; // only what a route chooses to log (see HubContext.logBody)
    const { method, url } = ex;
    res.setHeader("X-Request-Id", `Root=${randomUUID()}`);

    const fault = faults.take({ method, path: url.pathname });
    if (fault && (await answerFault(ex, fault, faultAnswer))) return;
    const reset = limiter?.take();
    if (reset !== undefined && reset !== null) return ex.reply(429, { error: faultMessage(429) }, rateLimitHeaders(reset));

    // A bad token is refused everywhere, as the Hub does, even on public reads.
    if (req.headers.authorization && !authorized) return ex.reply(401, { error: "Invalid credentials in Authorization header" });

    const ctx: HubContext = {
      ex,
      caller,
      authorized,
      query: url.searchParams,
      json: () => {
        if (!ex.json.ok) throw new SyntaxError(ex.json.error);
        return ex.json.value;
      },
      logBody: (body) => {
        ex.entry.body = body;
      },
      state,
    };
    let answer: Answer;
    try {
      answer = (await dispatch(routes, method, url.pathname, ctx)) ?? { status: 404, body: { error: "Not Found" } };
    } catch (error) {
      answer = { status: error instanceof SyntaxError ? 400 : 500, body: { error: String((error as Error).message) } };
    }
    replyWith(ex, answer);
  }

  return {
    url: server.url,
    token,
    requests,
    spaces,
    space: (repoId) => spaces.get(repoId),
    setPlan(plan) {
      state.plan = plan;
    },
    ...scriptedFaultSwitches(faults, server),
    hangBuilds(repoId, mode = "cache") {
      const space = spaces.get(repoId);
      if (!space) throw new Error(`no Space ${repoId}`);
      space.buildHang = mode;
    },
    settled: (repoId) => builds.settled(repoId),
    async close() {
      await builds.close();
      await server.close();
      if (ownsWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}

function faultAnswer(fault: StatusFault) {
  const headers: Record<string, string> = fault.status === 429 && fault.retryAfter !== null ? rateLimitHeaders(fault.retryAfter ?? 60) : {};
  return { status: fault.status, body: { error: fault.message ?? faultMessage(fault.status) }, headers };
}

/** The Hub's rate-limit headers (IETF draft): none left, `t` seconds until the window resets. */
function rateLimitHeaders(resetSeconds: number): Record<string, string> {
  return { RateLimit: `"api";r=0;t=${resetSeconds}`, "RateLimit-Policy": '"fixed window";"api";q=500;w=300' };
}

/** A fixed window of `requests` per `windowSeconds`; take() is null while some are left, else the seconds to the reset. */
class RateLimiter {
  private windowStart = Date.now();
  private used = 0;
  private readonly requests: number;
  private readonly windowMs: number;

  constructor(requests: number, windowSeconds: number) {
    this.requests = requests;
    this.windowMs = windowSeconds * 1000;
  }

  take(): number | null {
    const now = Date.now();
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.used = 0;
    }
    this.used += 1;
    return this.used <= this.requests ? null : Math.ceil((this.windowStart + this.windowMs - now) / 1000);
  }
}

function faultMessage(status: number): string {
  if (status === 401) return "Invalid credentials in Authorization header";
  if (status === 404) return "Repository not found";
  if (status === 409) return "Conflict";
  if (status === 429) return "You have exceeded our hourly quotas for action: api. Retry later.";
  return "Internal Error - We're working hard to fix this as soon as possible!";
}

async function defaultRunner(): Promise<SpaceRunner> {
  const { startSpace } = await import("../space-runner/space-runner.ts");
  return startSpace as SpaceRunner;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4010" },
      host: { type: "string", default: "127.0.0.1" },
      token: { type: "string" },
      user: { type: "string" },
      org: { type: "string", multiple: true },
      plan: { type: "string", default: "pro" },
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
    plan: values.plan === "free" ? "free" : "pro",
    ...(values.uid ? { uid: Number(values.uid) } : {}),
    ...(values["no-run"] ? { runner: false as const } : {}),
  });
  console.log(`hub emulator on ${emulator.url} (token from --token, default hf_emulator_token; plan ${values.plan})`);
  const shutdown = () => void emulator.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
