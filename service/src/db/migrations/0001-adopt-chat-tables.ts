import type { Queryable } from "../database.ts";

/**
 * The previous backend created these tables with SQLAlchemy's create_all. Create them when
 * absent (an empty database); when present, adopt them as they stand, rows included, after
 * checking they have the columns the service reads.
 */
export async function up(db: Queryable): Promise<void> {
  await db.query(`
    create table if not exists conversations (
      id uuid primary key,
      created_at timestamp not null default now(),
      updated_at timestamp not null default now()
    )`);
  await db.query(`
    create table if not exists messages (
      id uuid primary key,
      conversation_id uuid not null references conversations(id) on delete cascade,
      role varchar(20) not null,
      content text not null,
      sources jsonb,
      created_at timestamp not null default now()
    )`);

  const expected: Record<string, string[]> = {
    conversations: ["id", "created_at", "updated_at"],
    messages: ["id", "conversation_id", "role", "content", "sources", "created_at"],
  };
  const { rows } = await db.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name in ('conversations', 'messages')`,
  );
  const missing = Object.entries(expected).flatMap(([table, columns]) =>
    columns.filter((c) => !rows.some((r) => r.table_name === table && r.column_name === c)).map((c) => `${table}.${c}`),
  );
  if (missing.length > 0) {
    throw new Error(`Existing tables cannot be adopted: missing column(s) ${missing.join(", ")}. Fix the schema or point DATABASE_URL at another database.`);
  }
}
