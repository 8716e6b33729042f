import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import type { Database, Queryable, QueryResult } from "./database.ts";

/**
 * The embedded default: PostgreSQL compiled to WebAssembly, with pgvector, in a local
 * folder (or in memory when dataDir is undefined). One connection, so queries queue.
 */
export async function createPgliteDatabase(dataDir: string | undefined): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, extensions: { vector } });

  const wrap = (target: Pick<PGlite, "query">): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await target.query<R>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  // PGlite is a single session: a lock taken "on a connection" is simply held by the database.
  const connection = wrap(db);

  return {
    kind: "pglite",
    query: connection.query,
    withConnection: (fn) => fn(connection),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    // Idempotent, like pg's pool.end(): shutdown paths may both close it.
    close: async () => {
      if (!db.closed) await db.close();
    },
  };
}
