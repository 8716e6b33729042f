import { Umzug, type UmzugStorage } from "umzug";
import type { Database, Queryable } from "./database.ts";
import { migrations as allMigrations, type Migration } from "./migrations/index.ts";

// Any constant shared by every replica; two processes migrating at once queue on it.
const MIGRATION_LOCK_KEY = 7_860_001;

const storage: UmzugStorage<Queryable> = {
  async executed({ context }) {
    await context.query(`create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`);
    const { rows } = await context.query<{ name: string }>(`select name from schema_migrations order by name`);
    return rows.map((r) => r.name);
  },
  async logMigration({ name, context }) {
    await context.query(`insert into schema_migrations (name) values ($1) on conflict do nothing`, [name]);
  },
  async unlogMigration({ name, context }) {
    await context.query(`delete from schema_migrations where name = $1`, [name]);
  },
};

export interface MigrationLog {
  info(fields: Record<string, unknown>, message: string): void;
}

/**
 * Applies pending migrations, forward only, each in its own transaction, while holding a
 * session advisory lock so replicas starting together run them once. Returns the names applied.
 */
export async function migrate(db: Database, options: { log?: MigrationLog; migrations?: Migration[] } = {}): Promise<string[]> {
  const list = options.migrations ?? allMigrations;
  return db.withConnection(async (connection) => {
    await connection.query(`select pg_advisory_lock($1)`, [MIGRATION_LOCK_KEY]);
    try {
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
