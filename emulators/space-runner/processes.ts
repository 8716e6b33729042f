// The processes of the rehearsal: build steps and the healthcheck run to their end, the app's
// output read line by line, commands found on the container's PATH, and the Node that stands
// in for the image's, reachable by the Space's user.
// Test code, never shipped.
import { execFile, spawn } from "node:child_process";
import { accessSync, constants as fsConstants, existsSync } from "node:fs";
import { chmod, copyFile, mkdir, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import type { Ids, StageState } from "./stage.ts";

const SYSTEM_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/** The container's PATH: the stand-in Node's folder first, then the image's system folders. */
export function containerPath(nodeBin: string): string {
  return [nodeBin, ...SYSTEM_PATH].join(delimiter);
}

export function runToEnd(
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

export async function runHealthcheck(
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

/**
 * The folder of the Node that stands in for the image's: this machine's, unless the
 * Space's user cannot execute it (any folder on its path closed to others); then a copy
 * made once per Node version in the temp folder, which that user can.
 */
export async function nodeFolderFor(ids: Ids): Promise<string> {
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
export function which(file: string, path: string): string {
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

export function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
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
