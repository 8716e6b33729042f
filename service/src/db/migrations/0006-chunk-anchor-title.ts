import type { Queryable } from "../database.ts";

/**
 * Sources land on their section: every existing pgvector chunk table gets the section's
 * heading id (`anchor`) and the page's `title`, empty until the next ingest fills them.
 * Tables made later have them from the store's ensureCollection.
 */
export async function up(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
      where c.table_schema = current_schema() and c.table_name like 'chunks\\_%' and c.column_name = 'embedding'
      order by c.table_name`,
  );
  for (const { table_name } of rows) {
    const table = `"${table_name.replace(/"/g, '""')}"`;
    await db.query(`alter table ${table} add column if not exists anchor text, add column if not exists title text`);
  }
}
