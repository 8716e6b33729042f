import type { Queryable } from "../database.ts";

/**
 * Hybrid retrieval: every existing pgvector chunk table gets its full-text column and GIN
 * index. Tables made later get them from the store's ensureCollection. The SQL is written
 * out here, as it ran when released: a migration does not follow the live code.
 */
export async function up(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
      where c.table_schema = current_schema() and c.table_name like 'chunks\\_%' and c.column_name = 'embedding'
      order by c.table_name`,
  );
  for (const { table_name } of rows) {
    const table = quoteIdent(table_name);
    await db.query(`
    alter table ${table} add column if not exists search_text tsvector generated always as (
      setweight(to_tsvector('english', coalesce(heading_path[1], '') || ' ' || coalesce(heading_path[2], '') || ' ' || coalesce(heading_path[3], '') || ' ' || coalesce(heading_path[4], '')), 'A') ||
      setweight(to_tsvector('english', content), 'B')
    ) stored`);
    await db.query(`create index if not exists ${quoteIdent(`${table_name}_search_idx`)} on ${table} using gin (search_text)`);
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
