import pg from "pg";
import type { Database, Queryable, QueryResult } from "./database.ts";

// The contract's columns are `timestamp` without time zone, written in UTC. pg would read
// them as local time; parse them as UTC on this pool only (no global type mutation).
const TIMESTAMP_OID = 1114;
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP_OID && format !== "binary") return (value: string) => new Date(value.replace(" ", "T") + "Z");
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PostgresOptions {
  connectionString: string;
  max?: number;
  connectionTimeoutMillis?: number;
  /** Called for errors of idle clients (server restart, network drop): logged, never fatal. */
  onIdleError?: (err: Error) => void;
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    // Neon closes idle connections; keep-alive notices dead ones sooner.
    keepAlive: true,
    types,
    application_name: "docs-chat",
  });
  // Without a listener an idle client's error would crash the process.
  pool.on("error", (err) => options.onIdleError?.(err));

  const wrap = (client: pg.PoolClient | pg.Pool): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      const result = await client.query(sql, params as unknown[] | undefined);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    },
  });

  async function withConnection<T>(fn: (connection: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    // The pool listens for errors of idle clients only. A checked-out client whose
    // connection drops emits 'error' too, and with no listener that would crash the process;
    // the failing query rejects with the same error, so here it only marks the client broken.
    const onError = (err: Error) => {
      broken = err;
    };
    client.on("error", onError);
    try {
      return await fn(wrap(client));
    } catch (err) {
      // A connection-level failure must not go back to the pool.
      if (err instanceof Error && !("code" in err && typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code))) broken = err;
      throw err;
    } finally {
      client.removeListener("error", onError);
      client.release(broken);
    }
  }

  return {
    kind: "postgres",
    query: wrap(pool).query,
    withConnection,
    transaction: (fn) =>
      withConnection(async (connection) => {
        await connection.query("begin");
        try {
          const result = await fn(connection);
          await connection.query("commit");
          return result;
        } catch (err) {
          await connection.query("rollback").catch(() => undefined);
          throw err;
        }
      }),
    close: () => pool.end(),
  };
}
