// A stage's file system while the space runner builds it: a folder that mirrors the image's
// paths, its WORKDIR, ENV, ARG and USER so far, and the files it creates owned as USER says.
// Test code, never shipped.
import { chown, lchown, lstat, mkdir, readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import type { Command, StagePlan } from "./plan.ts";

export type StageState = {
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

/** Who `USER <non-root>` is (the Space's UID 1000); undefined: the runner's own user. */
export type Ids = { uid: number; gid: number } | undefined;

/** What a build step reads besides its stage: the stages built so far, the context, the Space's ids, Node and npm. */
export type StepContext = {
  states: Map<number, StageState>;
  context: string;
  ids: Ids;
  nodeBin: string;
  npmCache: string;
  log: (line: string) => void;
};

/** Where a path of the image is in the stage's folder. */
export function mapPath(state: StageState, containerPath: string): string {
  return join(state.fsRoot, posix.resolve("/", containerPath));
}

/** mkdir -p inside a stage's file system; folders it creates go to owner when given. */
export async function mkdirOwned(fsRoot: string, containerPath: string, owner: Ids): Promise<void> {
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

export async function chownTree(path: string, owner: NonNullable<Ids>): Promise<void> {
  const stats = await lstat(path);
  if (stats.isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(join(path, entry), owner);
  }
  await lchown(path, owner.uid, owner.gid);
}
