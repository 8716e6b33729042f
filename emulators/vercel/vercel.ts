// An emulator of the Vercel REST API for the calls the Pulumi program makes through
// @vercel/sdk: createProjectEnv (upsert), filterProjectEnvs, editProjectEnv, removeProjectEnv,
// getProject, getDeployments, createDeployment (a redeploy) and requestRollback (an instant
// rollback, which re-aims the project's targets.production). The SDK checks every answer
// against its schema and status code, so the SDK accepting these answers is the test of
// their shape. By default it behaves as PLATFORM-FACTS.md says Vercel does: ENV_CONFLICT on
// an upsert whose targets differ from the existing record's, `encrypted` and `sensitive`
// values that cannot be read back, a redeploy without `forceNew` answered with the existing
// deployment (nothing rebuilt), and 403 `invalidToken` for a bad token; and as
// docs/platform-facts.md says: records scoped to a Git branch beside the project's own, edits
// that keep a record's type, and the live production deployment as `targets.production`.
//
// Test code, never shipped. Standalone: node emulators/vercel/vercel.ts --port 4020 [--token T] [--project book]
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { FaultList, scriptedFaultSwitches, type Fault, type StatusFault } from "../core/faults.ts";
import { answerFault, openExchange, replyWith, type LoggedRequest } from "../core/request-log.ts";
import { dispatch, route, type Answer } from "../core/router.ts";
import { startServer } from "../core/server.ts";
import { EnvRecords, envBody, invalidInput, type EnvInput, type EnvWrite, type VercelEnvRecord } from "./env-records.ts";
import { deploymentBody, deploymentListBody, projectBody, type VercelDeployment, type VercelProject } from "./project.ts";

export type VercelLoggedRequest = LoggedRequest;

export type VercelEmulatorOptions = {
  port?: number;
  host?: string;
  token?: string;
  /**
   * Projects that exist from the start; default one project "book" with one production
   * deployment. `envs` are variables it already has (e.g. one on all three targets, as the
   * dashboard creates them).
   */
  projects?: Array<{ id?: string; name: string; teamId?: string; withDeployment?: boolean; envs?: EnvWrite[] }>;
};

export type VercelEmulator = {
  url: string;
  token: string;
  requests: VercelLoggedRequest[];
  projects: Map<string, VercelProject>;
  project(idOrName: string): VercelProject | undefined;
  /**
   * Adds a fault after those in force; the first that matches a request (by method and path)
   * answers it, once unless `times` says more ("down": until cleared).
   */
  setFault(fault: Fault): Promise<void>;
  clearFaults(): Promise<void>;
  close(): Promise<void>;
};

export async function startVercelEmulator(options: VercelEmulatorOptions = {}): Promise<VercelEmulator> {
  const token = options.token ?? "vercel_emulator_token";
  const projects = new Map<string, VercelProject>();
  const requests: VercelLoggedRequest[] = [];
  const faults = new FaultList(1);
  let counter = 0;
  const id = (prefix: string) => `${prefix}_${(++counter).toString(36).padStart(6, "0")}${randomUUID().replace(/-/g, "").slice(0, 12)}`;

  const envsOf = new Map<string, EnvRecords>();
  for (const spec of options.projects ?? [{ name: "book", withDeployment: true }]) {
    const records = new EnvRecords(() => id("env"));
    const project: VercelProject = {
      id: spec.id ?? id("prj"),
      name: spec.name,
      ...(spec.teamId ? { teamId: spec.teamId } : {}),
      envs: records.records,
      deployments: [],
      liveProduction: null,
    };
    envsOf.set(project.id, records);
    for (const env of spec.envs ?? []) {
      const written = records.write(env, false);
      if (!("id" in written)) throw new Error(`vercel emulator: cannot seed ${env.key}: ${JSON.stringify(written)}`);
    }
    if (spec.withDeployment ?? true) {
      project.deployments.push({
        uid: id("dpl"),
        name: spec.name,
        url: `${spec.name}-initial.vercel.app`,
        created: Date.now(),
        target: "production",
        readyState: "READY",
        projectId: project.id,
        meta: {},
        builtEnv: {},
        reused: 0,
      });
      project.liveProduction = project.deployments[0]!.uid;
    }
    projects.set(project.id, project);
  }
  const recordsOf = (project: VercelProject) => envsOf.get(project.id)!;

  const find = (idOrName: string, teamId: string | undefined) =>
    [...projects.values()].find((p) => (p.id === idOrName || p.name === idOrName) && (p.teamId ?? undefined) === (teamId || undefined));

  const notFound = (what: string) => ({ status: 404, body: { error: { code: "not_found", message: `${what} not found` } } });

  type Ctx = { query: URLSearchParams; body: unknown };
  const routes = [
    route<Ctx>("POST", /^\/v10\/projects\/([^/]+)\/env$/, (ctx, idOrName) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      const upsert = ctx.query.get("upsert") === "true";
      const items = (Array.isArray(ctx.body) ? ctx.body : [ctx.body]) as EnvInput[];
      const invalid = items.map(invalidInput).find((error) => error !== null);
      if (invalid) return invalid;
      const created: VercelEnvRecord[] = [];
      const failed: unknown[] = [];
      for (const item of items) {
        const written = recordsOf(project).write(item as EnvWrite, upsert);
        if ("status" in written) return written;
        if ("failed" in written) failed.push(written.failed);
        else created.push(written);
      }
      return { status: 201, body: { created: Array.isArray(ctx.body) ? created.map(envBody) : created[0] ? envBody(created[0]) : undefined, failed } };
    }),
    route<Ctx>("GET", /^\/v10\/projects\/([^/]+)\/env$/, (ctx, idOrName) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      // decrypt=true changes nothing the API would reveal: encrypted stays ciphertext, sensitive stays empty.
      return { status: 200, body: { envs: project.envs.map(envBody), pagination: { count: project.envs.length, next: null, prev: null } } };
    }),
    route<Ctx>("PATCH", /^\/v9\/projects\/([^/]+)\/env\/([^/]+)$/, (ctx, idOrName, envId) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      const edited = recordsOf(project).edit(envId!, (ctx.body ?? {}) as EnvInput);
      if (edited === null) return notFound("Environment Variable");
      if ("status" in edited) return edited;
      return { status: 200, body: envBody(edited) };
    }),
    route<Ctx>("DELETE", /^\/v9\/projects\/([^/]+)\/env\/([^/]+)$/, (ctx, idOrName, envId) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      const removed = recordsOf(project).remove(envId!);
      return removed ? { status: 200, body: envBody(removed) } : notFound("Environment Variable");
    }),
    route<Ctx>("GET", /^\/v9\/projects\/([^/]+)$/, (ctx, idOrName) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      return project ? { status: 200, body: projectBody(project) } : notFound("Project");
    }),
    route<Ctx>("GET", /^\/v7\/deployments$/, (ctx) => {
      const projectId = ctx.query.get("projectId");
      const target = ctx.query.get("target");
      const state = ctx.query.get("state");
      const limit = Number(ctx.query.get("limit") ?? 20);
      const all = [...projects.values()]
        .filter((p) => !projectId || p.id === projectId)
        .flatMap((p) => p.deployments)
        .filter((d) => (!target || d.target === target) && (!state || state.split(",").includes(d.readyState)))
        .sort((a, b) => b.created - a.created);
      const page = all.slice(0, limit);
      return { status: 200, body: { pagination: { count: page.length, next: null, prev: null }, deployments: page.map(deploymentListBody) } };
    }),
    route<Ctx>("POST", /^\/v13\/deployments$/, (ctx) => {
      const body = (ctx.body ?? {}) as { name?: string; project?: string; deploymentId?: string; target?: string; meta?: Record<string, string> };
      if (!body.name) return { status: 400, body: { error: { code: "bad_request", message: "Invalid request: missing required property `name`." } } };
      const source = body.deploymentId ? [...projects.values()].flatMap((p) => p.deployments).find((d) => d.uid === body.deploymentId) : undefined;
      if (body.deploymentId && !source) return notFound("Deployment");
      const project = source ? projects.get(source.projectId) : find(body.project ?? body.name, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      const forceNew = ["1", "true"].includes(ctx.query.get("forceNew") ?? "");
      if (source && !forceNew) {
        // Same source, no forceNew: Vercel may hand back the deployment it already has, built
        // with the variables of its day. The emulator always does, the case that bites.
        source.reused += 1;
        return { status: 200, body: deploymentBody(source, project, source.readyState) };
      }
      const target = body.target ?? source?.target ?? null;
      const deployment: VercelDeployment = {
        uid: id("dpl"),
        name: project.name,
        url: `${project.name}-${counter.toString(36)}.vercel.app`,
        created: Date.now() + 1, // strictly after the one it redeploys
        target,
        readyState: "READY", // the emulator builds instantly
        projectId: project.id,
        ...(source ? { redeployOf: source.uid } : {}),
        meta: { ...(body.meta ?? {}) },
        builtEnv: recordsOf(project).valuesFor(target),
        reused: 0,
      };
      project.deployments.push(deployment);
      if (target === "production") project.liveProduction = deployment.uid; // promoted once built, at once here
      return { status: 200, body: deploymentBody(deployment, project, "QUEUED") };
    }),
    // An instant rollback: the production domains move to an earlier production deployment, nothing is built.
    route<Ctx>("POST", /^\/v\d+\/projects\/([^/]+)\/rollback\/([^/]+)$/, (ctx, idOrName, deploymentId) => {
      const project = find(idOrName!, ctx.query.get("teamId") ?? undefined);
      if (!project) return notFound("Project");
      const to = project.deployments.find((d) => d.uid === deploymentId);
      if (!to) return notFound("Deployment");
      if (to.target !== "production" || to.readyState !== "READY") {
        return { status: 400, body: { error: { code: "bad_request", message: "Only a ready production deployment can be rolled back to" } } };
      }
      project.liveProduction = to.uid;
      return { status: 201 };
    }),
  ];

  const server = await startServer({
    name: "vercel",
    port: options.port,
    host: options.host,
    handle,
    crashBody: (error) => ({ error: { code: "internal_server_error", message: String(error) } }),
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ex = await openExchange<VercelLoggedRequest>(req, res, { log: requests, closing: () => server.closing, describe: () => ({}) });
    if (ex === null) return;
    const { method, url } = ex;
    res.setHeader("x-vercel-id", `emu1::${randomUUID()}`);
    const fault = faults.take({ method, path: url.pathname });
    if (fault && (await answerFault(ex, fault, faultAnswer))) return;
    // Vercel answers 403 "forbidden" for a missing or bad token.
    if (req.headers.authorization !== `Bearer ${token}`) {
      return ex.reply(403, { error: { code: "forbidden", message: "Not authorized", invalidToken: true } });
    }
    const body = ex.json.ok ? ex.json.value : ex.raw.toString("utf8");
    const answer: Answer = (await dispatch(routes, method, url.pathname, { query: url.searchParams, body })) ?? {
      status: 404,
      body: { error: { code: "not_found", message: "The requested path was not found" } },
    };
    replyWith(ex, answer);
  }

  return {
    url: server.url,
    token,
    requests,
    projects,
    project: (idOrName) => [...projects.values()].find((p) => p.id === idOrName || p.name === idOrName),
    ...scriptedFaultSwitches(faults, server),
    close: () => server.close(),
  };
}

function faultAnswer(fault: StatusFault) {
  const headers: Record<string, string> = fault.retryAfter === undefined || fault.retryAfter === null ? {} : { "Retry-After": String(fault.retryAfter) };
  return { status: fault.status, body: { error: { code: faultCode(fault.status), message: fault.message ?? faultMessage(fault.status) } }, headers };
}

function faultCode(status: number): string {
  return ({ 401: "unauthorized", 403: "forbidden", 404: "not_found", 429: "rate_limited" } as Record<number, string>)[status] ?? "internal_server_error";
}

function faultMessage(status: number): string {
  if (status === 429) return "Rate limit exceeded";
  if (status === 401 || status === 403) return "Not authorized";
  if (status === 404) return "Not found";
  return "An unexpected internal error occurred";
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4020" },
      host: { type: "string", default: "127.0.0.1" },
      token: { type: "string" },
      project: { type: "string", default: "book" },
      team: { type: "string" },
    },
  });
  const emulator = await startVercelEmulator({
    port: Number(values.port),
    host: values.host,
    token: values.token,
    projects: [{ name: values.project, ...(values.team ? { teamId: values.team } : {}), withDeployment: true }],
  });
  console.log(`vercel emulator on ${emulator.url} (token from --token, default vercel_emulator_token)`);
  const shutdown = () => void emulator.close().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}
