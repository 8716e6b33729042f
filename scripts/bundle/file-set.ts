import { lstat, readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { BundleError } from "./bundle-error.ts";

/** One file of the bundle: where it goes, where it came from, its bytes. */
export type BundleFile = { path: string; source: string; content: Buffer };

/** The Space repo is built from these and nothing else (paths from the repo root). */
const ALLOW_LIST: ReadonlyArray<{ from: string; to: string; kind: "file" | "dir" }> = [
  { from: "huggingface-spaces/Dockerfile", to: "Dockerfile", kind: "file" },
  { from: "huggingface-spaces/README.md", to: "README.md", kind: "file" },
  { from: "huggingface-spaces/.dockerignore", to: ".dockerignore", kind: "file" },
  { from: "service/package.json", to: "package.json", kind: "file" },
  { from: "service/package-lock.json", to: "package-lock.json", kind: "file" },
  { from: "service/src", to: "src", kind: "dir" },
  { from: "service/public", to: "public", kind: "dir" },
];

// Inside the allowed folders, these never ship: tests, fixtures, build output, the
// sample corpus of the embedded mode, dependencies.
const SKIPPED_DIRS = new Set(["node_modules", ".git", "dist", "test", "tests", "__tests__", "fixtures", "sample-docs"]);
const SKIPPED_FILES = [/\.(test|spec)\.[cm]?[jt]sx?$/, /^\.DS_Store$/];

/** Reads the allow-listed files under root; sorted by bundle path. */
export async function collectFiles(root: string): Promise<BundleFile[]> {
  const files: BundleFile[] = [];
  for (const entry of ALLOW_LIST) {
    const kind = await kindOf(join(root, entry.from));
    if (kind !== entry.kind) {
      throw new BundleError("BUNDLE_INPUT", `${entry.from} is missing or is not a ${entry.kind}`, [
        { file: entry.from, reason: `must be a ${entry.kind === "dir" ? "folder" : "regular file"}` },
      ]);
    }
    if (entry.kind === "file") {
      files.push({ path: entry.to, source: entry.from, content: await readFile(join(root, entry.from)) });
    } else {
      await walk(root, entry.from, entry.to, files);
    }
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(root: string, fromDir: string, toDir: string, into: BundleFile[]): Promise<void> {
  const entries = await readdir(join(root, fromDir), { withFileTypes: true });
  for (const entry of entries) {
    const from = posix.join(fromDir, entry.name);
    const to = posix.join(toDir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(root, from, to, into);
    } else if (entry.isFile()) {
      if (!SKIPPED_FILES.some((pattern) => pattern.test(entry.name))) {
        into.push({ path: to, source: from, content: await readFile(join(root, from)) });
      }
    } else {
      // A symlink could point anywhere on this machine, a key included.
      throw new BundleError("BUNDLE_INPUT", `${from} is not a regular file or folder`, [
        { file: from, reason: "is a symlink or special file; the bundle takes regular files only" },
      ]);
    }
  }
}

async function kindOf(path: string): Promise<"file" | "dir" | "other" | "missing"> {
  try {
    const stats = await lstat(path);
    return stats.isFile() ? "file" : stats.isDirectory() ? "dir" : "other";
  } catch {
    return "missing";
  }
}
