// The build: each stage the final one needs, started from this machine's Node (for a
// node:<major> image) or from an earlier stage, its steps replayed in order. RUN commands run
// here with the stage's ENV, as its USER, with npm on a private copy of this machine's cache.
// Test code, never shipped.
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, posix } from "node:path";
import { copyContext, copyStep } from "./copy.ts";
import { BuildFailure, neededStages, planStages, type StagePlan, type Step } from "./plan.ts";
import { containerPath, runToEnd } from "./processes.ts";
import type { StartSpaceOptions } from "./space-runner.ts";
import { chownTree, mapPath, mkdirOwned, type Ids, type StageState, type StepContext } from "./stage.ts";

// A build reaches the npm registry through this machine's network (proxy, CA bundle),
// as docker build would through the builder's; the app itself gets none of these.
const BUILD_NETWORK_ENV = [
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "npm_config_registry",
  "npm_config_cafile",
];

function buildNetworkEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of BUILD_NETWORK_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Builds the final stage of the repo's Dockerfile; a BuildFailure says which step failed. */
export async function build(
  options: Pick<StartSpaceOptions, "repoDir" | "npmCacheSeed">,
  ids: Ids,
  workDir: string,
  nodeBin: string,
  log: (line: string) => void,
): Promise<StageState> {
  const dockerfilePath = join(options.repoDir, "Dockerfile");
  if (!existsSync(dockerfilePath)) throw new BuildFailure("no Dockerfile at the root of the repository");
  const plans = neededStages(planStages(readFileSync(dockerfilePath, "utf8")));

  const context = join(workDir, "context");
  await copyContext(options.repoDir, context);
  const npmCache = join(workDir, "npm-cache");
  // Copying the cache is most of a small build's time (hundreds of MB): only a RUN step can use it.
  if (plans.some((plan) => plan.steps.some((step) => step.kind === "run"))) {
    await seedNpmCache(options.npmCacheSeed ?? defaultNpmCache(), npmCache, ids);
    log(`rehearsing with node ${process.version} from ${nodeBin}; npm cache copied to ${npmCache}`);
  } else {
    log(`rehearsing with node ${process.version} from ${nodeBin}; no RUN step, so no npm cache`);
  }

  const totalSteps = plans.reduce((sum, plan) => sum + plan.steps.length + 1, 0);
  let stepNumber = 0;
  const states = new Map<number, StageState>();
  let last: StageState | undefined;
  for (const plan of plans) {
    log(`Step ${++stepNumber}/${totalSteps} : FROM ${plan.image}${plan.name ? ` AS ${plan.name}` : ""}`);
    const state = await startStage(plan, states, workDir);
    for (const step of plan.steps) {
      log(`Step ${++stepNumber}/${totalSteps} : ${step.text}`);
      await runStep(step, state, { states, context, ids, nodeBin, npmCache, log });
    }
    states.set(plan.index, state);
    last = state;
  }
  if (!last) throw new BuildFailure("nothing to build");
  if (!last.cmd && !last.entrypoint) throw new BuildFailure("the final stage has no CMD");
  return last;
}

async function startStage(plan: StagePlan, states: Map<number, StageState>, workDir: string): Promise<StageState> {
  const fsRoot = join(workDir, "stages", String(plan.index));
  const base = [...states.values()].find(
    (state) => state.plan.name?.toLowerCase() === plan.image.toLowerCase() || String(state.plan.index) === plan.image,
  );
  if (base) {
    await cp(base.fsRoot, fsRoot, { recursive: true, verbatimSymlinks: true });
    return {
      ...base,
      plan,
      fsRoot,
      env: { ...base.env },
      args: {},
      cmd: plan.cmd ?? base.cmd,
      entrypoint: plan.entrypoint ?? base.entrypoint,
      healthcheck: plan.healthcheck ?? base.healthcheck,
    };
  }
  assertNodeImage(plan.image);
  await mkdir(fsRoot, { recursive: true });
  // The node image's own CMD ("node") is not what a Space wants; only the Dockerfile's counts.
  return {
    plan,
    fsRoot,
    workdir: "/",
    env: {},
    args: {},
    user: "root",
    cmd: plan.cmd,
    entrypoint: plan.entrypoint,
    healthcheck: plan.healthcheck,
  };
}

/** `node:24-bookworm-slim` is stood in for by this machine's Node 24; anything else is not. */
function assertNodeImage(image: string): void {
  const match = /^(?:(?:docker\.io\/)?library\/)?node:(\d+)(?:[.-][^@]*)?(?:@sha256:[0-9a-f]+)?$/.exec(image);
  if (!match?.[1]) throw new BuildFailure(`FROM ${image}: only node:<major>-* images can be rehearsed`);
  const here = process.versions.node.split(".")[0];
  if (match[1] !== here) {
    throw new BuildFailure(`FROM ${image}: the image's Node major is ${match[1]}, this machine runs ${here}`);
  }
}

async function runStep(step: Step, state: StageState, ctx: StepContext): Promise<void> {
  const expand = (value: string) => expandVariables(value, { ...state.args, ...state.env });
  const asUser = state.user === "root" || state.user === "0" ? undefined : ctx.ids;
  switch (step.kind) {
    case "env":
      for (const [name, value] of step.vars) state.env[name] = expand(value);
      return;
    case "arg":
      state.args[step.name] = step.value === undefined ? "" : expand(step.value);
      return;
    case "user":
      state.user = step.user;
      return;
    case "workdir":
      state.workdir = posix.resolve(state.workdir, expand(step.path));
      // BuildKit creates a missing WORKDIR for the current USER.
      await mkdirOwned(state.fsRoot, state.workdir, asUser);
      return;
    case "copy":
      await copyStep(step, state, ctx, expand);
      return;
    case "run": {
      const cwd = mapPath(state, state.workdir);
      await mkdir(cwd, { recursive: true });
      const env = {
        ...buildNetworkEnv(),
        PATH: containerPath(ctx.nodeBin),
        HOME: cwd,
        ...state.args,
        ...state.env,
        npm_config_cache: ctx.npmCache,
        npm_config_prefer_offline: "true",
        npm_config_update_notifier: "false",
      };
      const argv = step.argv[0] === "/bin/sh" ? step.argv : step.argv.map(expand);
      const code = await runToEnd(argv, { cwd, env, ids: asUser, log: ctx.log });
      if (code !== 0) throw new BuildFailure(`${step.text}: exited with code ${code}`);
      return;
    }
  }
}

function defaultNpmCache(): string {
  return process.env.npm_config_cache ?? join(homedir(), ".npm");
}

/** A private copy of the npm cache: offline installs, and `npm cache clean` harms nothing. */
async function seedNpmCache(seed: string, cache: string, ids: Ids): Promise<void> {
  await mkdir(cache, { recursive: true });
  const content = join(seed, "_cacache");
  if (existsSync(content)) await cp(content, join(cache, "_cacache"), { recursive: true });
  if (ids) await chownTree(cache, ids);
}

function expandVariables(value: string, vars: Record<string, string>): string {
  return value.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, braced: string | undefined, op: string | undefined, word: string | undefined, bare: string | undefined) => {
      const current = vars[(braced ?? bare) as string];
      if (op === "-") return current ? current : (word ?? "");
      if (op === "+") return current ? (word ?? "") : "";
      return current ?? "";
    },
  );
}
