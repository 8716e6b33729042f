// What the Hub does after a commit or a restart: write the repo's files to a folder, hand them
// to a runner (space-runner.ts by default) with the Space's secrets and variables as its
// environment, and follow its stages and log lines. One build at a time per Space.
// Test code, never shipped.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { EmulatedSpace } from "./space.ts";

export type LogKind = "build" | "run";

/** What the emulator needs from a runner; space-runner.ts's startSpace fits it. */
export type SpaceRunner = (options: {
  repoDir: string;
  env: Record<string, string>;
  port: number;
  uid?: number;
  gid?: number;
  onStage?: (stage: "BUILDING" | "RUNNING" | "BUILD_ERROR" | "RUNTIME_ERROR" | "STOPPED") => void;
  onLog?: (kind: LogKind, line: string) => void;
}) => Promise<{ stop(): Promise<unknown> }>;

export type SpaceBuildsOptions = {
  /** `false` never builds (the stage stays BUILDING). */
  runner: SpaceRunner | false;
  workDir: string;
  uid?: number;
  gid?: number;
  /** Whether the Space is still the one the Hub holds (a deleted one is not). */
  isCurrent: (space: EmulatedSpace) => boolean;
};

export class SpaceBuilds {
  private readonly running = new Map<string, { stop(): Promise<unknown> }>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly listeners = new Map<string, Set<(kind: LogKind, line: string) => void>>();
  private readonly options: SpaceBuildsOptions;

  constructor(options: SpaceBuildsOptions) {
    this.options = options;
  }

  /** Starts a build; a restart during a build waits for it, then replaces it. */
  rebuild(space: EmulatedSpace): void {
    const previous = this.pending.get(space.repoId) ?? Promise.resolve();
    const next = previous
      .then(() => this.build(space))
      .catch((error) => {
        space.stage = "BUILD_ERROR";
        space.errorMessage = String((error as Error)?.message ?? error);
      });
    this.pending.set(space.repoId, next);
  }

  /** Resolves when the Space's current build has settled. */
  async settled(repoId: string): Promise<void> {
    await this.pending.get(repoId);
  }

  /** Stops the Space's app and orphans any build still running (a deleted Space). */
  async stop(space: EmulatedSpace): Promise<void> {
    space.builds += 1;
    await this.running.get(space.repoId)?.stop();
    this.running.delete(space.repoId);
  }

  /** Calls `listener` with each new log line of the Space until the returned function is called. */
  follow(space: EmulatedSpace, listener: (kind: LogKind, line: string) => void): () => void {
    const set = this.listeners.get(space.repoId) ?? new Set();
    set.add(listener);
    this.listeners.set(space.repoId, set);
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.running.values()].map((instance) => instance.stop().catch(() => {})));
    this.running.clear();
  }

  private emitLog(space: EmulatedSpace, kind: LogKind, line: string): void {
    space.logs[kind].push(line);
    for (const listener of this.listeners.get(space.repoId) ?? []) listener(kind, line);
  }

  private async build(space: EmulatedSpace): Promise<void> {
    const { runner, workDir } = this.options;
    space.builds += 1; // first, so the old instance's last words (STOPPED) are ignored
    await this.running.get(space.repoId)?.stop();
    this.running.delete(space.repoId);
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
    const buildNumber = space.builds;
    const current = () => space.builds === buildNumber && this.options.isCurrent(space);
    const { uid, gid } = this.options;
    const instance = await runner({
      repoDir,
      env: spaceEnv(space),
      port: space.port,
      ...(uid === undefined ? {} : { uid, gid: gid ?? uid }),
      onStage: (stage) => {
        if (!current()) return;
        space.stage = stage;
        if (stage === "BUILD_ERROR") space.errorMessage = "Build failed, see the build logs";
        if (stage === "RUNTIME_ERROR") space.errorMessage = "Launch error, see the container logs";
      },
      onLog: (kind, line) => {
        if (current()) this.emitLog(space, kind, line);
      },
    });
    this.running.set(space.repoId, instance);
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
