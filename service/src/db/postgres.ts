import { createHash } from "node:crypto";
import { Client as NeonClient, Pool as NeonPool, type NeonConfig } from "@neondatabase/serverless";
import pg from "pg";
import type { Database, Queryable, QueryOptions, QueryResult } from "./database.ts";

// The contract's columns are `timestamp` without time zone, written in UTC. pg would read
// them as local time; parse them as UTC on this pool only (no global type mutation).
const TIMESTAMP_OID = 1114;
const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === TIMESTAMP_OID && format !== "binary") return (value: string) => new Date(value.replace(" ", "T") + "Z");
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** How the connections travel: Postgres' own TCP port, or a WebSocket on 443 (Neon's serverless driver). */
export type DatabaseTransport = "tcp" | "websocket";

export interface PostgresOptions {
  connectionString: string;
  transport?: DatabaseTransport;
  /** Settings of Neon's driver for a proxy other than Neon's own (tests: a local wsproxy). */
  websocket?: Partial<NeonConfig>;
  max?: number;
  connectionTimeoutMillis?: number;
  /** Called for errors of idle clients (server restart, network drop): logged, never fatal. */
  onIdleError?: (err: Error) => void;
}

/** The pool calls the service makes; node-postgres' Pool and Neon's (a re-export of it) both have them. */
type Pool = Pick<pg.Pool, "connect" | "query" | "end" | "on">;

/**
 * Neon's serverless driver: node-postgres' Pool whose connections are WebSockets to
 * wss://{host}/v2, port 443, the one a Space may reach (docs/platform-facts.md: Space
 * networking; Neon and Postgres). Settings go on each client, not on the driver's globals.
 */
function websocketPool(config: pg.PoolConfig, settings: Partial<NeonConfig>): Pool {
  class ConfiguredClient extends NeonClient {
    constructor(clientConfig?: ConstructorParameters<typeof NeonClient>[0]) {
      super(clientConfig);
      Object.assign(this.neonConfig, settings);
    }
  }
  const pool = new NeonPool(config as ConstructorParameters<typeof NeonPool>[0]);
  pool.Client = ConfiguredClient;
  return pool as unknown as Pool;
}

export function createPostgresDatabase(options: PostgresOptions): Database {
  const config: pg.PoolConfig = {
    connectionString: options.connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
    // Neon closes idle connections; keep-alive notices dead ones sooner.
    keepAlive: true,
    types,
    application_name: "docs-chat",
  };
  const pool: Pool = options.transport === "websocket" ? websocketPool(config, options.websocket ?? {}) : new pg.Pool(config);
  // Without a listener an idle client's error would crash the process.
  pool.on("error", (err) => options.onIdleError?.(err));

  const statementName = statementNamer();
  const wrap = (client: Pick<pg.PoolClient, "query">): Queryable => ({
    async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
      const values = params as unknown[] | undefined;
      const result = await (options?.prepared ? client.query({ name: statementName(sql), text: sql, values }) : client.query(sql, values));
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

  const url = new URL(options.connectionString);
  return {
    kind: "postgres",
    // Over WebSockets the connection goes to the host's 443, whatever port the URL names.
    endpoint: { host: url.hostname, port: options.transport === "websocket" ? 443 : Number(url.port || 5432) },
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

/**
 * Names prepared statements from their text: pg parses a name once per connection, and one
 * name must always stand for one text. Each text is hashed once; a hash per call cost more
 * than the lookup. docs/benchmarks.md: Postgres' CPU per chat halved.
 */
function statementNamer(): (sql: string) => string {
  const names = new Map<string, string>();
  return (sql) => {
    let name = names.get(sql);
    if (name === undefined) names.set(sql, (name = `docs_chat_${createHash("sha256").update(sql).digest("hex").slice(0, 24)}`));
    return name;
  };
}
