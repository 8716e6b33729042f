import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
// The service's own driver module: pg lives in service/node_modules, not at the root.
import { createPostgresDatabase } from "../service/src/db/postgres.ts";
import { readProcess } from "./process-stats.ts";

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Runs one statement on the server's maintenance database. */
async function admin(serverUrl: string, sql: string): Promise<void> {
  const db = createPostgresDatabase({ connectionString: serverUrl, max: 1 });
  try {
    await db.query(sql);
  } finally {
    await db.close();
  }
}

/** A new, empty database on the server of `serverUrl`, for one run; drop() removes it. */
export async function freshDatabase(serverUrl: string, label: string): Promise<BenchDatabase> {
  const name = `bench_${label}_${randomBytes(4).toString("hex")}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(serverUrl, `drop database if exists ${name} with (force)`),
  };
}

/** The server URL with its password hidden, for the report. */
export function describeServer(serverUrl: string): string {
  const url = new URL(serverUrl);
  return `${url.protocol}//${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** The server processes serving the database of `url` (but this query's own), when they run on this machine. */
async function localBackends(url: string): Promise<number[]> {
  const db = createPostgresDatabase({ connectionString: url, max: 1 });
  try {
    const { rows } = await db.query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
    // A remote server's pids name nothing here, or another program.
    return rows.map((r) => r.pid).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres";
      } catch {
        return false;
      }
    });
  } finally {
    await db.close();
  }
}

/**
 * The CPU the database's server processes spend from now until stop(): Postgres shares the
 * machine with the service, and its time per chat is part of what a chat costs there.
 * Undefined when the server is not on this machine.
 */
export async function watchDatabase(url: string): Promise<{ stop(): Promise<{ cpuSeconds: number; backends: number } | undefined> }> {
  const start = new Map<number, number>();
  for (const pid of await localBackends(url)) start.set(pid, readProcess(pid)?.cpuSeconds ?? 0);
  return {
    async stop() {
      // Connections the pool opened meanwhile count from their start.
      const pids = new Set([...start.keys(), ...(await localBackends(url))]);
      if (pids.size === 0) return undefined;
      let cpuSeconds = 0;
      for (const pid of pids) cpuSeconds += Math.max(0, (readProcess(pid)?.cpuSeconds ?? start.get(pid) ?? 0) - (start.get(pid) ?? 0));
      return { cpuSeconds, backends: pids.size };
    },
  };
}
