// What the Hub does after a commit or a restart: write the repo's files to a folder, hand them
// to a runner (space-runner/ by default) with the Space's secrets and variables as its
// environment, follow its stages and log lines, and route the Space's host to the new app
// once something answers on its app_port. One build at a time per Space.
//
// Stages as the Hub shows them: BUILDING, then APP_STARTING while the app runs but nothing
// answers on app_port (for as long as that lasts, up to the platform's 30-minute start-up
// timeout), then RUNNING. A commit to a running Space is a rolling update: the old app keeps
// serving through RUNNING_BUILDING and RUNNING_APP_STARTING; a restart stops it first.
// Test code, never shipped.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../core/http.ts";
import type { SpaceLogKind, StartSpaceOptions } from "../space-runner/space-runner.ts";
import { answers, TcpForwarder } from "../core/tcp-forwarder.ts";
import { appPortOf, type EmulatedSpace } from "./space.ts";

export type LogKind = SpaceLogKind;

/** What the emulator needs from a runner; space-runner/'s startSpace is one. */
export type SpaceRunner = (
  options: Pick<StartSpaceOptions, "repoDir" | "env" | "port" | "appPort" | "uid" | "gid" | "onStage" | "onLog">,
) => Promise<{ stop(): Promise<unknown> }>;

export type SpaceBuildsOptions = {
  /** `false` never builds (the stage stays BUILDING). */
  runner: SpaceRunner | false;
  workDir: string;
  uid?: number;
  gid?: number;
  /** How long an app may run without answering on app_port before RUNTIME_ERROR (the Hub: 30 min). */
  appStartTimeoutMs: number;
  /** How often the app port is knocked on while APP_STARTING. */
  appProbeIntervalMs: number;
  /** Whether the Space is still the one the Hub holds (a deleted one is not). */
  isCurrent: (space: EmulatedSpace) => boolean;
};

type App = { instance: { stop(): Promise<unknown> }; port: number; sha: string };

const UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 20\r\nconnection: close\r\n\r\nSpace not available\n";

export class SpaceBuilds {
  /** The app each Space's host routes to. */
  private readonly serving = new Map<string, App>();
  /** A new app that runs but does not answer yet. */
  private readonly starting = new Map<string, App>();
  /** Each Space's public host: its port is the Space's for its whole life, its target the app serving now. */
  private readonly hosts = new Map<string, TcpForwarder>();
  private readonly pending = new Map<string, Promise<void>>();
  /** The latest build asked for, per Space: a queued one that a later one supersedes is skipped. */
  private readonly wanted = new Map<string, number>();
  private readonly listeners = new Map<string, Set<(kind: LogKind, line: string) => void>>();
  /** Every build chain started, also those of deleted Spaces, so that close() can wait for them. */
  private readonly chains = new Set<Promise<void>>();
  private closed = false;
  private readonly options: SpaceBuildsOptions;

  constructor(options: SpaceBuildsOptions) {
    this.options = options;
  }

  /**
   * Opens the Space's public host. The Hub swaps containers behind it: during a rebuild the old
   * app answers until the new one listens; with none serving it answers 503, as the Hub's front
   * does for a Space that is building or stopped.
   */
  async openHost(): Promise<TcpForwarder> {
    return TcpForwarder.open({ whenUnavailable: UNAVAILABLE });
  }

  /** Registers the host of a Space that was just created. */
  adopt(space: EmulatedSpace, host: TcpForwarder): void {
    this.hosts.set(space.repoId, host);
  }

  /**
   * Starts a build of the Space's files. A restart stops the running app first; a commit
   * leaves it serving until the new one answers. A build queued during another waits for it.
   */
  rebuild(space: EmulatedSpace, kind: "commit" | "restart"): void {
    const ticket = (this.wanted.get(space.repoId) ?? 0) + 1;
    this.wanted.set(space.repoId, ticket);
    const previous = this.pending.get(space.repoId) ?? Promise.resolve();
    const next = previous
      // Changes made while a build runs are built once, together, as the Hub restarts once for a burst of settings.
      .then(() => (this.wanted.get(space.repoId) === ticket ? this.build(space, kind, ticket) : undefined))
      .catch((error) => {
        space.stage = "BUILD_ERROR";
        space.errorMessage = String((error as Error)?.message ?? error);
      });
    this.pending.set(space.repoId, next);
    this.chains.add(next);
    void next.finally(() => this.chains.delete(next));
  }

  /**
   * Restarts the Space: its runtime shows the restart at once (BUILDING, or NO_APP_FILE without
   * a Dockerfile), then the app is stopped and built again from the repo's files.
   */
  restart(space: EmulatedSpace): void {
    space.stage = space.files.has("Dockerfile") ? "BUILDING" : "NO_APP_FILE";
    this.rebuild(space, "restart");
  }

  /** Resolves when the Space's current build has settled (built and started, or failed). */
  async settled(repoId: string): Promise<void> {
    await this.pending.get(repoId);
  }

  /**
   * Stops everything of a deleted Space and orphans any build still running: a Space created
   * again under the same name builds at once, not after the deleted one's queue.
   */
  async remove(space: EmulatedSpace): Promise<void> {
    space.builds += 1;
    this.pending.delete(space.repoId);
    this.wanted.delete(space.repoId);
    await this.stopStarting(space);
    await this.stopServing(space);
    await this.hosts.get(space.repoId)?.close();
    this.hosts.delete(space.repoId);
  }

  /** Calls `listener` with each new log line of the Space until the returned function is called. */
  follow(space: EmulatedSpace, listener: (kind: LogKind, line: string) => void): () => void {
    const set = this.listeners.get(space.repoId) ?? new Set();
    set.add(listener);
    this.listeners.set(space.repoId, set);
    return () => set.delete(listener);
  }

  /** Stops every app, also one whose build finishes after this call, and waits for every build. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.chains]);
    const apps = [...this.serving.values(), ...this.starting.values()];
    await Promise.all(apps.map((app) => app.instance.stop().catch(() => {})));
    this.serving.clear();
    this.starting.clear();
    await Promise.all([...this.hosts.values()].map((host) => host.close()));
    this.hosts.clear();
  }

  private emitLog(space: EmulatedSpace, kind: LogKind, line: string): void {
    space.logs[kind].push(line);
    for (const listener of this.listeners.get(space.repoId) ?? []) listener(kind, line);
  }

  private async stopStarting(space: EmulatedSpace): Promise<void> {
    const app = this.starting.get(space.repoId);
    this.starting.delete(space.repoId);
    await app?.instance.stop();
  }

  private async stopServing(space: EmulatedSpace): Promise<void> {
    const app = this.serving.get(space.repoId);
    this.serving.delete(space.repoId);
    this.hosts.get(space.repoId)?.route(null);
    space.runtimeSha = null;
    await app?.instance.stop();
  }

  private async build(space: EmulatedSpace, kind: "commit" | "restart", ticket: number): Promise<void> {
    const { runner, workDir } = this.options;
    if (this.closed || !this.options.isCurrent(space)) return; // deleted while queued
    space.builds += 1; // first, so the old instances' last words (STOPPED) are ignored
    const buildNumber = space.builds;
    const sha = space.sha;
    await this.stopStarting(space);
    if (kind === "restart") await this.stopServing(space);
    space.logs = { build: [], run: [] };
    space.errorMessage = null;
    const busy = () => this.serving.has(space.repoId);
    if (!space.files.has("Dockerfile")) {
      await this.stopServing(space);
      space.stage = "NO_APP_FILE";
      return;
    }
    const appPort = appPortOf(space);
    if (typeof appPort !== "number") {
      await this.stopServing(space);
      space.stage = "CONFIG_ERROR";
      space.errorMessage = appPort.error;
      return;
    }
    space.stage = busy() ? "RUNNING_BUILDING" : "BUILDING";
    if (runner === false) return;
    if (space.buildHang) {
      // The fault mode: the build stalls and never ends; only another build (a restart, a commit) replaces it.
      this.emitLog(space, "build", "--> Restoring cached layers");
      return;
    }
    const repoDir = join(workDir, `${space.owner}--${space.name}-${space.builds}`);
    await rm(repoDir, { recursive: true, force: true });
    for (const [path, content] of space.files) {
      const target = join(repoDir, path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    // A build stops counting once another is wanted: its app never serves, its stages never show.
    const current = () =>
      !this.closed && space.builds === buildNumber && this.wanted.get(space.repoId) === ticket && this.options.isCurrent(space);
    let port = 0;
    const pickPort = async () => (port = await freePort());
    let spawned = false;
    let app: App | undefined;
    const fail = (stage: "BUILD_ERROR" | "RUNTIME_ERROR", message: string) => {
      space.stage = stage;
      space.errorMessage = message;
      void this.stopServing(space);
    };
    const { uid, gid } = this.options;
    const instance = await runner({
      repoDir,
      env: spaceEnv(space),
      port: pickPort,
      appPort,
      ...(uid === undefined ? {} : { uid, gid: gid ?? uid }),
      onStage: (stage) => {
        if (!current()) return;
        if (stage === "BUILDING") space.stage = busy() ? "RUNNING_BUILDING" : "BUILDING";
        else if (stage === "RUNNING") {
          space.stage = busy() ? "RUNNING_APP_STARTING" : "APP_STARTING";
          spawned = true;
          if (app) void this.waitForApp(space, app, current);
        } else if (stage === "BUILD_ERROR") fail(stage, "Build failed, see the build logs");
        else if (stage === "RUNTIME_ERROR") fail(stage, "Launch error, see the container logs");
        else space.stage = stage;
      },
      onLog: (logKind, line) => {
        if (current()) this.emitLog(space, logKind, line);
      },
    });
    app = { instance, port, sha };
    if (!current()) {
      await instance.stop();
      return;
    }
    this.starting.set(space.repoId, app);
    if (spawned) void this.waitForApp(space, app, current);
  }

  /** APP_STARTING until something answers on the app's port; then the host routes to it. */
  private async waitForApp(space: EmulatedSpace, app: App, current: () => boolean): Promise<void> {
    const deadline = Date.now() + this.options.appStartTimeoutMs;
    while (current() && this.starting.get(space.repoId) === app && space.stage.endsWith("APP_STARTING")) {
      if (await answers(app.port)) {
        if (!current() || this.starting.get(space.repoId) !== app) return;
        const previous = this.serving.get(space.repoId);
        this.starting.delete(space.repoId);
        this.serving.set(space.repoId, app);
        this.hosts.get(space.repoId)?.route(app.port);
        space.runtimeSha = app.sha;
        // docs/platform-facts.md: Hardware shows as requested until applied
        space.hardware.current = space.hardware.requested;
        space.stage = "RUNNING";
        await previous?.instance.stop();
        return;
      }
      if (Date.now() >= deadline) {
        const minutes = Math.round(this.options.appStartTimeoutMs / 60_000);
        space.stage = "RUNTIME_ERROR";
        space.errorMessage = `Launch timed out, workload was not healthy after ${minutes} min`;
        space.builds += 1; // the stopped app's STOPPED must not overwrite the error
        await this.stopStarting(space);
        await this.stopServing(space);
        return;
      }
      await sleep(this.options.appProbeIntervalMs);
    }
  }
}

/** The container's environment: the Space's own variables, then its variables and secrets. */
function spaceEnv(space: EmulatedSpace): Record<string, string> {
  const env: Record<string, string> = {
    SPACE_ID: space.repoId,
    SPACE_AUTHOR_NAME: space.owner,
    SPACE_REPO_NAME: space.name,
    SPACE_HOST: `127.0.0.1:${space.port}`,
  };
  for (const [key, entry] of space.variables) env[key] = entry.value;
  for (const [key, entry] of space.secrets) env[key] = entry.value;
  return env;
}
