import { randomBytes } from "node:crypto";
// The service's own driver module: pg lives in service/node_modules, not at the root.
import { createPostgresDatabase } from "../service/src/db/postgres.ts";

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
