// What COPY does in the rehearsal: the build context (the repo without what .dockerignore
// excludes) or an earlier stage's files, copied into the stage's folder, owned as --chown says.
// Test code, never shipped.
import { existsSync, readFileSync } from "node:fs";
import { cp, readdir, stat } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import { dockerignore, globToRegExp } from "./dockerignore.ts";
import { BuildFailure, type Step } from "./plan.ts";
import { chownTree, mapPath, mkdirOwned, type StageState, type StepContext } from "./stage.ts";

/** The build context: the repo's files less those .dockerignore excludes. */
export async function copyContext(repoDir: string, context: string): Promise<void> {
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

export async function copyStep(
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
