/**
 * The little the service needs from a SQL database, implemented by a pg pool (Neon, any
 * Postgres) and by PGlite (the embedded default). Both speak PostgreSQL with $1 parameters.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * A statement of every chat, its text fixed: a Postgres server keeps its parse and plan per
   * connection (a named, protocol-level prepared statement, which Neon's pooler supports) instead
   * of making them on every call. PGlite runs it as any other.
   */
  prepared?: boolean;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
}

export interface Database extends Queryable {
  readonly kind: "postgres" | "pglite";
  /** host and port a networked database is reached at, for messages about a connection that does not open. */
  readonly endpoint?: { host: string; port: number };
  /** Runs fn on one connection, so session state such as an advisory lock stays with it. */
  withConnection<T>(fn: (connection: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn in a transaction on one connection: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
