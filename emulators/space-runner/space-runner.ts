// Rehearses a Docker Space without Docker: reads the Dockerfile, replays the build
// steps of the final stage (and of the stages it copies from) in folders under /tmp,
// then starts the CMD the way the Space would, as UID 1000 when asked.
//
// What is simplified, on purpose:
// - The base image is not pulled: a `node:<major>` image is stood in for by this
//   machine's Node (same major required) and npm; other images are refused. When the
//   Space's user cannot reach that Node (a checkout in a private folder), a copy of the
//   binary in the temp folder stands in, so the image's user runs the image's Node.
// - Each stage gets its own folder that mirrors the image's file system for the paths
//   the Dockerfile names (WORKDIR, COPY), so a file the runtime stage does not COPY is
//   missing, as in the image. RUN commands run on this machine in that folder, so they
//   must use relative paths; HOME is the stage's WORKDIR.
// - `USER <non-root>` means options.uid/gid (the Space's UID 1000); COPY --chown gives
//   files to that uid, COPY without it leaves them to the runner's user (root in CI).
// - npm runs against a private copy of this machine's npm cache (prefer-offline), so a
//   rehearsal needs no network beyond the npm registry and `npm cache clean` is harmless.
// - .dockerignore: Docker's globbing (*, **, ?, !) without re-inclusion inside an
//   excluded folder. ADD, SHELL and RUN --mount other than cache mounts are refused.
// - HEALTHCHECK is not run on a timer; healthcheck() runs it once on demand.
import { execFile, spawn } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync, readFileSync } from "node:fs";
import { chmod, chown, copyFile, cp, lchown, lstat, mkdir, mkdtemp, readdir, rename, rm, stat } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { delimiter, dirname, join, posix, relative, sep } from "node:path";
import { DockerfileParser, type Instruction, type JSONInstruction } from "dockerfile-ast";
import { freePort } from "../core/http.ts";

export type SpaceStage = "BUILDING" | "RUNNING" | "BUILD_ERROR" | "RUNTIME_ERROR" | "STOPPED";
export type SpaceLogKind = "build" | "run";

export type StartSpaceOptions = {
  /** The Space repo's files: Dockerfile, README.md, the app. */
  repoDir: string;
  /** Secrets and variables, as the Space passes them to the container. */
  env: Record<string, string>;
  /**
   * Where the app is reached on this machine (its $PORT, see appPort); or a function that
   * picks it once the build is done, as a port chosen before a minutes-long build may well
   * be taken by then.
   */
  port: number | (() => Promise<number>);
  /**
   * The port the platform forwards to (the README's app_port). The runner has no network
   * namespace, so ports are translated through $PORT: the app is expected to listen on
   * $PORT, and a $PORT the image and the Space leave unset or equal to appPort becomes
   * `port`; any other value becomes a free port nobody forwards to, as a wrong port is in a
   * Space. HOST=127.0.0.1 or localhost becomes 127.0.0.2: loopback, but not where the
   * platform knocks. Without appPort, $PORT is `port`, whatever the image says.
   */
  appPort?: number;
  /** Who `USER <non-root>` is: the Space runs as 1000. Without it, everything runs as the caller. */
  uid?: number;
  gid?: number;
  onStage?: (stage: SpaceStage) => void;
  onLog?: (kind: SpaceLogKind, line: string) => void;
  /** The npm cache to copy for the rehearsal; default: the caller's (npm_config_cache or ~/.npm). */
  npmCacheSeed?: string;
  /** How long stop() waits before SIGKILL (docker stop waits 10 s). */
  stopTimeoutMs?: number;
  /** Keep the working folder after stop(), to look into it. */
  keepWorkDir?: boolean;
};

export type StopResult = { code: number | null; signal: NodeJS.Signals | null; ms: number };

export type RunningSpace = {
  readonly stage: SpaceStage;
  url: string;
  logs: { build: string[]; run: string[] };
  /** The rehearsal's root folder (under the OS temp folder). */
  workDir: string;
  /** The final stage's WORKDIR: where CMD runs, and HOME. */
  appDir: string;
  /** The app's process id while it runs. */
  pid: number | undefined;
  /** Runs the Dockerfile's HEALTHCHECK command once against the running app. */
  healthcheck(): Promise<{ ok: boolean; code: number | null; output: string }>;
  /** Sends the signal (SIGTERM by default), SIGKILL after stopTimeoutMs; resolves on exit. */
  stop(signal?: NodeJS.Signals): Promise<StopResult>;
};

class BuildFailure extends Error {
  readonly code = "SPACE_BUILD_FAILED";
}

// ---------------------------------------------------------------- the plan

type Step =
  | { kind: "run"; text: string; argv: string[] }
  | { kind: "copy"; text: string; sources: string[]; dest: string; from: string | undefined; chown: boolean }
  | { kind: "workdir"; text: string; path: string }
  | { kind: "env"; text: string; vars: Array<[string, string]> }
  | { kind: "arg"; text: string; name: string; value: string | undefined }
  | { kind: "user"; text: string; user: string };

type StagePlan = {
  index: number;
  name: string | undefined;
  image: string;
  steps: Step[];
  cmd: Command | undefined;
  entrypoint: Command | undefined;
  healthcheck: { argv: string[]; timeoutMs: number } | undefined;
};

type Command = { exec: boolean; parts: string[] };

function planStages(dockerfile: string): StagePlan[] {
  const stages: StagePlan[] = [];
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    const keyword = instruction.getKeyword();
    const text = instruction.toString().replace(/\s+/g, " ").trim();
    if (keyword === "FROM") {
      const [image, as, name] = instruction.getArguments().map((arg) => arg.getValue());
      if (!image) throw new BuildFailure(`${text}: no image`);
      stages.push({
        index: stages.length,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        image,
        steps: [],
        cmd: undefined,
        entrypoint: undefined,
        healthcheck: undefined,
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword === "ARG") continue; // ARG before FROM only parameterises FROM
      throw new BuildFailure(`${text}: before any FROM`);
    }
    switch (keyword) {
      case "RUN":
        stage.steps.push({ kind: "run", text, argv: runArgv(instruction as JSONInstruction, text) });
        break;
      case "COPY": {
        const copy = instruction as JSONInstruction;
        const flags = new Map(copy.getFlags().map((flag) => [flag.getName(), flag.getValue()]));
        const args = jsonOrWords(copy);
        const dest = args.pop();
        if (!dest || args.length === 0) throw new BuildFailure(`${text}: needs a source and a destination`);
        const from = flags.get("from") ?? undefined;
        stage.steps.push({ kind: "copy", text, sources: args, dest, from, chown: flags.has("chown") });
        break;
      }
      case "WORKDIR":
        stage.steps.push({ kind: "workdir", text, path: instruction.getArgumentsContent()?.trim() ?? "" });
        break;
      case "ENV": {
        const env = instruction as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> };
        const vars = env.getProperties().map((p): [string, string] => [p.getName(), p.getValue() ?? ""]);
        stage.steps.push({ kind: "env", text, vars });
        break;
      }
      case "ARG": {
        const [name, value] = (instruction.getArgumentsContent() ?? "").trim().split(/=(.*)/s);
        if (name) stage.steps.push({ kind: "arg", text, name, value: value === undefined ? undefined : unquote(value) });
        break;
      }
      case "USER":
        stage.steps.push({ kind: "user", text, user: instruction.getArgumentsContent()?.trim() ?? "root" });
        break;
      case "CMD":
        stage.cmd = command(instruction as JSONInstruction);
        break;
      case "ENTRYPOINT":
        stage.entrypoint = command(instruction as JSONInstruction);
        break;
      case "HEALTHCHECK":
        stage.healthcheck = healthcheckOf(instruction, text);
        break;
      case "EXPOSE":
      case "LABEL":
      case "STOPSIGNAL":
      case "VOLUME":
      case "MAINTAINER":
        break; // nothing to rehearse
      default:
        throw new BuildFailure(`${text}: ${keyword} is not rehearsed by the space runner`);
    }
  }
  if (stages.length === 0) throw new BuildFailure("the Dockerfile has no FROM");
  return stages;
}

function runArgv(run: JSONInstruction, text: string): string[] {
  for (const flag of run.getFlags()) {
    const mount = flag.getName() === "mount" ? (flag.getValue() ?? "") : undefined;
    // A cache mount only speeds builds up; the rehearsal has its own npm cache.
    if (mount === undefined || !/(^|,)type=cache(,|$)/.test(mount)) {
      throw new BuildFailure(`${text}: RUN --${flag.getName()} is not rehearsed`);
    }
  }
  const json = run.getJSONStrings().map((s) => s.getJSONValue());
  if (json.length > 0) return json;
  return ["/bin/sh", "-c", run.getArgumentsContent() ?? ""];
}

function command(instruction: JSONInstruction): Command {
  const json = instruction.getJSONStrings().map((s) => s.getJSONValue());
  if (json.length > 0) return { exec: true, parts: json };
  return { exec: false, parts: [instruction.getArgumentsContent() ?? ""] };
}

function jsonOrWords(instruction: JSONInstruction): string[] {
  const json = instruction.getJSONStrings().map((s) => s.getJSONValue());
  return json.length > 0 ? json : instruction.getArguments().map((arg) => arg.getValue());
}

function healthcheckOf(instruction: Instruction, text: string): StagePlan["healthcheck"] {
  const content = instruction.getArgumentsContent() ?? "";
  const match = /^\s*CMD\s+([\s\S]*)$/i.exec(content);
  if (!match?.[1]) return undefined; // HEALTHCHECK NONE
  const body = match[1].trim();
  const argv = body.startsWith("[") ? (JSON.parse(body) as string[]) : ["/bin/sh", "-c", body];
  const flags = new Map(
    (instruction as JSONInstruction).getFlags().map((flag) => [flag.getName(), flag.getValue() ?? ""]),
  );
  const timeout = /^(\d+)s$/.exec(flags.get("timeout") ?? "30s");
  if (!timeout?.[1]) throw new BuildFailure(`${text}: --timeout must be in seconds`);
  return { argv, timeoutMs: Number(timeout[1]) * 1000 };
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return /^(["']).*\1$/s.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
}

/** The stages the final one needs (FROM <stage>, COPY --from), in file order. */
function neededStages(stages: StagePlan[]): StagePlan[] {
  const needed = new Set<number>();
  const visit = (stage: StagePlan) => {
    if (needed.has(stage.index)) return;
    needed.add(stage.index);
    const base = stageByRef(stages, stage.image, stage.index);
    if (base) visit(base);
    for (const step of stage.steps) {
      if (step.kind !== "copy" || step.from === undefined) continue;
      const source = stageByRef(stages, step.from, stage.index);
      if (!source) throw new BuildFailure(`${step.text}: --from=${step.from} is not an earlier stage`);
      visit(source);
    }
  };
  visit(stages[stages.length - 1] as StagePlan);
  return stages.filter((stage) => needed.has(stage.index));
}

function stageByRef(stages: StagePlan[], ref: string, before: number): StagePlan | undefined {
  return stages.find(
    (stage) => stage.index < before && (stage.name?.toLowerCase() === ref.toLowerCase() || String(stage.index) === ref),
  );
}

// ---------------------------------------------------------------- the rehearsal

type StageState = {
  plan: StagePlan;
  fsRoot: string;
  workdir: string;
  env: Record<string, string>;
  args: Record<string, string>;
  user: string;
  cmd: Command | undefined;
  entrypoint: Command | undefined;
  healthcheck: StagePlan["healthcheck"];
};

type Ids = { uid: number; gid: number } | undefined;

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

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

export async function startSpace(options: StartSpaceOptions): Promise<RunningSpace> {
  const logs = { build: [] as string[], run: [] as string[] };
  let stage: SpaceStage = "BUILDING";
  const setStage = (next: SpaceStage) => {
    stage = next;
    options.onStage?.(next);
  };
  const log = (kind: SpaceLogKind, line: string) => {
    logs[kind].push(line);
    options.onLog?.(kind, line);
  };
  const ids: Ids = options.uid === undefined ? undefined : { uid: options.uid, gid: options.gid ?? options.uid };
  const workDir = await mkdtemp(join(tmpdir(), "space-"));
  await chmod(workDir, 0o755); // the unprivileged user has to reach its folders inside
  const nodeBin = await nodeFolderFor(ids);
  const cleanup = () => (options.keepWorkDir ? Promise.resolve() : rm(workDir, { recursive: true, force: true }));
  setStage("BUILDING");

  let final: StageState;
  try {
    final = await build(options, ids, workDir, nodeBin, (line) => log("build", line));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log("build", `ERROR: ${message}`);
    setStage("BUILD_ERROR");
    return {
      get stage() {
        return stage;
      },
      url: typeof options.port === "number" ? `http://127.0.0.1:${options.port}` : "",
      logs,
      workDir,
      appDir: workDir,
      pid: undefined,
      healthcheck: async () => ({ ok: false, code: null, output: "the build failed" }),
      stop: async () => {
        await cleanup();
        return { code: null, signal: null, ms: 0 };
      },
    };
  }

  const port = typeof options.port === "number" ? options.port : await options.port();
  const url = `http://127.0.0.1:${port}`;
  const appDir = mapPath(final, final.workdir);
  const imageEnv = { ...final.env, ...options.env };
  const containerEnv = {
    PATH: [nodeBin, ...SYSTEM_PATH].join(delimiter),
    HOME: appDir,
    HOSTNAME: "space",
    ...imageEnv,
    ...(await publishedEnv(imageEnv, port, options.appPort)),
  };
  const argv = commandLine(final);
  const spawnIds = final.user === "root" || final.user === "0" ? undefined : ids;
  log("run", `===== Application Startup: ${argv.map((part) => JSON.stringify(part)).join(" ")} =====`);
  const child = spawn(which(argv[0] as string, containerEnv.PATH), argv.slice(1), {
    cwd: appDir,
    env: containerEnv,
    stdio: ["ignore", "pipe", "pipe"],
    ...(spawnIds ?? {}),
  });
  pipeLines(child.stdout, (line) => log("run", line));
  pipeLines(child.stderr, (line) => log("run", line));

  let stopping = false;
  let exited: StopResult | undefined;
  const exit = new Promise<StopResult>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal, ms: 0 };
      setStage(stopping ? "STOPPED" : "RUNTIME_ERROR");
      if (!stopping) log("run", `process exited on its own: code ${code}, signal ${signal}`);
      resolve(exited);
    });
  });
  const started = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", (error) => {
      log("run", `ERROR: cannot start ${argv[0]}: ${error.message}`);
      resolve(false);
    });
  });
  if (started) setStage("RUNNING");
  else setStage("RUNTIME_ERROR");

  return {
    get stage() {
      return stage;
    },
    url,
    logs,
    workDir,
    appDir,
    pid: child.pid,
    healthcheck: () => runHealthcheck(final, appDir, containerEnv, spawnIds),
    stop: async (signal: NodeJS.Signals = "SIGTERM") => {
      if (!started || exited) {
        await cleanup();
        return exited ?? { code: null, signal: null, ms: 0 };
      }
      stopping = true;
      const sentAt = performance.now();
      child.kill(signal);
      const killer = setTimeout(() => child.kill("SIGKILL"), options.stopTimeoutMs ?? 10_000);
      const result = await exit;
      clearTimeout(killer);
      await cleanup();
      return { ...result, ms: Math.round(performance.now() - sentAt) };
    },
  };
}

/** The app's PORT (and HOST) translated as StartSpaceOptions.appPort says. */
async function publishedEnv(env: Record<string, string>, port: number, appPort: number | undefined): Promise<Record<string, string>> {
  if (appPort === undefined) return { PORT: String(port) };
  const published: Record<string, string> = {};
  published.PORT = env.PORT === undefined || env.PORT === String(appPort) ? String(port) : String(await freePort());
  if (env.HOST === "127.0.0.1" || env.HOST === "localhost") published.HOST = "127.0.0.2";
  return published;
}

async function build(
  options: StartSpaceOptions,
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
  await seedNpmCache(options.npmCacheSeed ?? defaultNpmCache(), npmCache, ids);
  log(`rehearsing with node ${process.version} from ${nodeBin}; npm cache copied to ${npmCache}`);

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

type StepContext = {
  states: Map<number, StageState>;
  context: string;
  ids: Ids;
  nodeBin: string;
  npmCache: string;
  log: (line: string) => void;
};

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
        PATH: [ctx.nodeBin, ...SYSTEM_PATH].join(delimiter),
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

async function copyStep(
  step: Extract<Step, { kind: "copy" }>,
  state: StageState,
  ctx: StepContext,
  expand: (value: string) => string,
): Promise<void> {
  let sourceRoot = ctx.context;
  let sourceBase = "/";
  if (step.from !== undefined) {
    const from = [...ctx.states.values()].find(
      (s) => s.plan.name?.toLowerCase() === step.from?.toLowerCase() || String(s.plan.index) === step.from,
    );
    if (!from) throw new BuildFailure(`${step.text}: stage ${step.from} was not built`);
    sourceRoot = from.fsRoot;
    sourceBase = from.workdir;
  }
  const owner = step.chown ? ctx.ids : undefined;
  const destPath = posix.resolve(state.workdir, expand(step.dest));
  const destIsDir = step.dest.endsWith("/") || step.sources.length > 1;
  const sources: string[] = [];
  for (const source of step.sources.map(expand)) {
    // Sources of the build context are relative to it; those of a stage, to its WORKDIR.
    const inside = step.from === undefined ? posix.resolve("/", source) : posix.resolve(sourceBase, source);
    const matches = await globOne(sourceRoot, inside);
    if (matches.length === 0) throw new BuildFailure(`${step.text}: ${source} not found`);
    sources.push(...matches);
  }
  for (const source of sources) {
    const from = join(sourceRoot, source);
    const isDir = (await stat(from)).isDirectory();
    const existingDir = await stat(join(state.fsRoot, destPath)).then((s) => s.isDirectory(), () => false);
    // A folder's contents are copied into the destination; a file goes into it when it is a folder.
    const target = isDir ? destPath : destIsDir || existingDir ? posix.join(destPath, posix.basename(source)) : destPath;
    await mkdirOwned(state.fsRoot, isDir ? target : posix.dirname(target), owner);
    const hostTarget = mapPath(state, target);
    await cp(from, hostTarget, { recursive: true, verbatimSymlinks: true, force: true });
    if (owner) await chownTree(hostTarget, owner);
  }
}

/** Resolves a `*` or `?` in the last path segment; other paths are literal. */
async function globOne(root: string, path: string): Promise<string[]> {
  const name = posix.basename(path);
  const parent = posix.dirname(path);
  if (!/[*?]/.test(name)) return existsSync(join(root, path)) ? [path] : [];
  const pattern = globToRegExp(name);
  const entries = await readdir(join(root, parent)).catch(() => [] as string[]);
  return entries.filter((entry) => pattern.test(entry)).map((entry) => posix.join(parent, entry));
}

function mapPath(state: StageState, containerPath: string): string {
  return join(state.fsRoot, posix.resolve("/", containerPath));
}

/** mkdir -p inside a stage's file system; folders it creates go to owner when given. */
async function mkdirOwned(fsRoot: string, containerPath: string, owner: Ids): Promise<void> {
  let current = fsRoot;
  for (const part of posix.resolve("/", containerPath).split("/").filter(Boolean)) {
    current = join(current, part);
    const created = await mkdir(current).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === "EEXIST") return false;
        throw error;
      },
    );
    if (created && owner) await chown(current, owner.uid, owner.gid);
  }
}

async function chownTree(path: string, owner: NonNullable<Ids>): Promise<void> {
  const stats = await lstat(path);
  if (stats.isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(join(path, entry), owner);
  }
  await lchown(path, owner.uid, owner.gid);
}

async function copyContext(repoDir: string, context: string): Promise<void> {
  const ignoreFile = join(repoDir, ".dockerignore");
  const ignored = dockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, "utf8") : "");
  await cp(repoDir, context, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (source) => {
      const path = relative(repoDir, source).split(sep).join("/");
      return path === "" || !ignored(path);
    },
  });
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

// ---------------------------------------------------------------- processes

function runToEnd(
  argv: string[],
  options: { cwd: string; env: Record<string, string>; ids: Ids; log: (line: string) => void; timeoutMs?: number },
): Promise<number | null> {
  return new Promise((resolve) => {
    const [file, ...args] = argv;
    const child = spawn(which(file ?? "", options.env.PATH ?? ""), args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(options.ids ?? {}),
    });
    pipeLines(child.stdout, options.log);
    pipeLines(child.stderr, options.log);
    const timer = options.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), options.timeoutMs) : undefined;
    child.once("error", (error) => {
      options.log(`ERROR: ${error.message}`);
      clearTimeout(timer);
      resolve(null);
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function runHealthcheck(
  final: StageState,
  appDir: string,
  env: Record<string, string>,
  ids: Ids,
): Promise<{ ok: boolean; code: number | null; output: string }> {
  if (!final.healthcheck) return { ok: false, code: null, output: "the Dockerfile has no HEALTHCHECK" };
  const lines: string[] = [];
  const code = await runToEnd(final.healthcheck.argv, {
    cwd: appDir,
    env,
    ids,
    log: (line) => lines.push(line),
    timeoutMs: final.healthcheck.timeoutMs,
  });
  return { ok: code === 0, code, output: lines.join("\n") };
}

function commandLine(state: StageState): string[] {
  const asArgv = (command: Command | undefined): string[] =>
    !command ? [] : command.exec ? command.parts : ["/bin/sh", "-c", command.parts.join(" ")];
  // A shell-form ENTRYPOINT ignores CMD, as in Docker.
  if (state.entrypoint && !state.entrypoint.exec) return asArgv(state.entrypoint);
  return [...asArgv(state.entrypoint), ...asArgv(state.cmd)];
}

/**
 * The folder of the Node that stands in for the image's: this machine's, unless the
 * Space's user cannot execute it (any folder on its path closed to others); then a copy
 * made once per Node version in the temp folder, which that user can.
 */
async function nodeFolderFor(ids: Ids): Promise<string> {
  const own = dirname(process.execPath);
  if (!ids || (await canExecute(ids, process.execPath))) return own;
  const folder = join(tmpdir(), `space-runner-node-${process.version}`);
  const target = join(folder, "node");
  if (!existsSync(target)) {
    await mkdir(folder, { recursive: true, mode: 0o755 });
    // Copied aside, then renamed: a concurrent runner never sees half a binary.
    const partial = `${target}.${process.pid}.partial`;
    await copyFile(process.execPath, partial);
    await chmod(partial, 0o755);
    await rename(partial, target);
  }
  return folder;
}

function canExecute(ids: NonNullable<Ids>, file: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile("/bin/sh", ["-c", 'test -x "$0"', file], { uid: ids.uid, gid: ids.gid }, (error) => resolve(error === null));
  });
}

/** Finds a bare command on the container's PATH, as the kernel would not. */
function which(file: string, path: string): string {
  if (file.includes("/")) return file;
  for (const folder of path.split(delimiter)) {
    const candidate = join(folder, file);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return file;
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const lines = (pending + chunk).split(/\r?\n/);
    pending = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  });
  stream.on("end", () => {
    if (pending) onLine(pending);
    pending = "";
  });
}

// ---------------------------------------------------------------- text helpers

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

/** True for the paths .dockerignore excludes (a folder excludes what it holds). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
      return { negate, pattern: globToRegExp(pattern) };
    });
  return (path) => {
    const candidates = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
