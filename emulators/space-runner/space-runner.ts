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
// - The network: as on the Space, the app reaches the outside only on ports 80, 443 and 8080
//   (a connection to another port never opens; egress.ts). The runner has no network namespace,
//   so "outside" is this machine's loopback too: an upstream a test starts for the app must
//   listen on such a port, on a loopback address of its own (127.x.y.z:8080), or behind a
//   forwarder there. The app's own port ($PORT) is inside the container.
//
// The parts: plan.ts reads the Dockerfile, build.ts replays its stages (copy.ts for COPY and
// the build context, stage.ts for a stage's folder), processes.ts runs what they start,
// egress.ts keeps the app's connections to the Space's ports; this file starts the app as the
// Space would and stops it.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../core/http.ts";
import { build } from "./build.ts";
import { egressNodeOptions } from "./egress.ts";
import type { Command } from "./plan.ts";
import { containerPath, nodeFolderFor, pipeLines, runHealthcheck, which } from "./processes.ts";
import { mapPath, type Ids, type StageState } from "./stage.ts";

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
    PATH: containerPath(nodeBin),
    HOME: appDir,
    HOSTNAME: "space",
    ...imageEnv,
    ...(await publishedEnv(imageEnv, port, options.appPort)),
    NODE_OPTIONS: await egressNodeOptions(workDir, imageEnv.NODE_OPTIONS),
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

function commandLine(state: StageState): string[] {
  const asArgv = (command: Command | undefined): string[] =>
    !command ? [] : command.exec ? command.parts : ["/bin/sh", "-c", command.parts.join(" ")];
  // A shell-form ENTRYPOINT ignores CMD, as in Docker.
  if (state.entrypoint && !state.entrypoint.exec) return asArgv(state.entrypoint);
  return [...asArgv(state.entrypoint), ...asArgv(state.cmd)];
}
