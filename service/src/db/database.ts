/**
 * The little the service needs from a SQL database, implemented by a pg pool (Neon, any
 * Postgres) and by PGlite (the embedded default). Both speak PostgreSQL with $1 parameters.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
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
