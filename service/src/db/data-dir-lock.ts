import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * One process at a time in an embedded data folder. PGlite is a single-process database:
 * two processes on one folder each keep their own copy in memory and the last to write
 * its files wins, so the other's conversations and chunks vanish on the next start.
 */

export const LOCK_FILE = "lock.json";

/** What the lock file says about its holder, for the message a second process prints. */
export interface LockHolder {
  pid: number;
  /** What the holder is, in words: "the server", "npm run ingest". */
  role: string;
  since: string;
}

export class DataDirInUseError extends Error {
  readonly code = "data_dir_in_use";
  readonly holder: LockHolder;
  constructor(dataDir: string, holder: LockHolder, hint: string) {
    super(`The embedded data folder ${dataDir} is in use by ${holder.role} (pid ${holder.pid}, since ${holder.since}). ${hint}`);
    this.name = "DataDirInUseError";
    this.holder = holder;
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's. Safe to call twice. */
  release(): void;
}

/**
 * Takes the folder's lock or throws DataDirInUseError at once. The lock file is written
 * whole beside it and hard-linked into place, which fails when the name exists, so a reader
 * never sees a half-written file. A lock whose process is gone is taken over.
 */
export function lockDataDir(dataDir: string, options: { role: string; hint?: string }): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const mine: LockHolder = { pid: process.pid, role: options.role, since: new Date().toISOString() };
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, JSON.stringify(mine));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(draft, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 3) throw err;
      }
      const text = readFileSync(file, "utf8");
      const holder = parseHolder(text);
      if (holder && isAlive(holder.pid)) throw new DataDirInUseError(dataDir, holder, options.hint ?? "Stop it first, or set DATA_DIR to another folder.");
      // Stale: its process died without releasing. Remove it only if nobody replaced it meanwhile.
      if (readFileSync(file, "utf8") === text) unlinkSync(file);
    }
  } finally {
    unlinkSync(draft);
  }

  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    try {
      if (parseHolder(readFileSync(file, "utf8"))?.pid === process.pid) unlinkSync(file);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // An exit without close (process.exit after a fatal error) still frees the folder.
  process.on("exit", release);
  return { file, release };
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === "number" ? { pid: value.pid, role: String(value.role ?? "another process"), since: String(value.since ?? "an unknown time") } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Signal 0 checks that a process exists; EPERM means it does, under another user. Our own
 * pid in a lock we do not hold yet is stale: a container restarted, and its new process got
 * the old one's pid.
 */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
