import type { Queryable } from "../database.ts";
import { addFullTextSearch } from "../../retrieval/pgvector-full-text.ts";

/**
 * Hybrid retrieval: every existing pgvector chunk table gets its full-text column and GIN
 * index. Tables made later get them from the store's ensureCollection.
 */
export async function up(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ table_name: string }>(
    `select c.table_name from information_schema.columns c
      where c.table_schema = current_schema() and c.table_name like 'chunks\\_%' and c.column_name = 'embedding'
      order by c.table_name`,
  );
  for (const { table_name } of rows) await addFullTextSearch(db, table_name);
}
