import { Umzug, type UmzugStorage } from "umzug";
import type { Database, Queryable } from "./database.ts";
import { migrations as allMigrations, type Migration } from "./migrations/index.ts";

// Any constant shared by every replica; two processes migrating at once queue on it.
const MIGRATION_LOCK_KEY = 7_860_001;

const RECORDS_TABLE = `create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`;

async function appliedNames(db: Queryable): Promise<string[]> {
  await db.query(RECORDS_TABLE);
  const { rows } = await db.query<{ name: string }>(`select name from schema_migrations order by name`);
  return rows.map((r) => r.name);
}

const storage: UmzugStorage<Queryable> = {
  executed: ({ context }) => appliedNames(context),
  // Recorded inside the migration's own transaction (see migrate below): a crash between a
  // migration's commit and its record would otherwise run it again on the next start.
  async logMigration() {},
  async unlogMigration({ name, context }) {
    await context.query(`delete from schema_migrations where name = $1`, [name]);
  },
};

/**
 * The database was migrated by a newer version of the service than this one. Running on it
 * could write rows the newer schema does not expect, so start-up stops here.
 */
export class SchemaTooNewError extends Error {
  readonly code = "schema_too_new";
  readonly databaseVersion: string;
  readonly codeVersion: string;
  constructor(unknown: readonly string[], known: readonly string[]) {
    const databaseVersion = unknown.at(-1)!;
    const codeVersion = known.at(-1) ?? "none";
    super(
      `The database schema is at migration ${databaseVersion}, newer than this service's code, which knows migrations up to ${codeVersion}. ` +
        `A newer version of the service migrated it: deploy that version (or a later one); this one will not start on it.`,
    );
    this.name = "SchemaTooNewError";
    this.databaseVersion = databaseVersion;
    this.codeVersion = codeVersion;
  }
}

export interface MigrationLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * Applies pending migrations, forward only, each together with its record in one
 * transaction, while holding a session advisory lock so replicas starting together run them
 * once. Returns the names applied. Throws SchemaTooNewError, changing nothing, when the
 * database holds a migration this code does not know.
 */
export async function migrate(db: Database, options: { log?: MigrationLog; migrations?: Migration[] } = {}): Promise<string[]> {
  const list = options.migrations ?? allMigrations;
  return db.withConnection(async (connection) => {
    await connection.query(`select pg_advisory_lock($1)`, [MIGRATION_LOCK_KEY]);
    try {
      const known = new Set(list.map((m) => m.name));
      const unknown = (await appliedNames(connection)).filter((name) => !known.has(name));
      if (unknown.length > 0) throw new SchemaTooNewError(unknown, list.map((m) => m.name));

      const umzug = new Umzug<Queryable>({
        context: connection,
        storage,
        logger: undefined,
        migrations: list.map((m) => ({
          name: m.name,
          up: async ({ context }) => {
            await context.query("begin");
            try {
              await m.up(context);
              await context.query(`insert into schema_migrations (name) values ($1)`, [m.name]);
              await context.query("commit");
            } catch (err) {
              await context.query("rollback").catch(() => undefined);
              throw new Error(`Migration ${m.name} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
            }
          },
        })),
      });
      const applied = await umzug.up();
      for (const m of applied) options.log?.info({ migration: m.name }, "migration applied");
      return applied.map((m) => m.name);
    } finally {
      await connection.query(`select pg_advisory_unlock($1)`, [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  });
}
