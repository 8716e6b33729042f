// The rehearsal deploys a copy of the repository, so it can edit service files (and break
// them) without touching the checkout. The copy shares the checkout's installed packages.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";

/** Copies every file git tracks (and untracked ones it does not ignore) from `root` to `dest`. */
export function copyProject(root: string, dest: string): void {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) throw new Error(`git ls-files in ${root} failed: ${listed.stderr}`);
  const modules = ["node_modules", join("service", "node_modules")];
  for (const path of listed.stdout.split("\0").filter(Boolean)) {
    // Installed packages are linked below, whether the checkout holds them or links to them (a worktree).
    if (modules.includes(path)) continue;
    const source = join(root, path);
    if (!existsSync(source) || lstatSync(source).isDirectory()) continue; // deleted in the work tree, or a submodule
    mkdirSync(dirname(join(dest, path)), { recursive: true });
    // recursive: a symlink to a folder (untracked, such as a tools link) is copied as the link it is.
    cpSync(source, join(dest, path), { recursive: true, verbatimSymlinks: true });
  }
  for (const folder of modules) {
    if (existsSync(join(root, folder))) symlinkSync(join(root, folder), join(dest, folder), "dir");
  }
}
