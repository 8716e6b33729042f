import type { Queryable } from "../database.ts";

/**
 * An answer cut short (client gone, upstream failure, shutdown) is still stored, marked
 * incomplete with the reason. The index serves history reads, oldest first.
 */
export async function up(db: Queryable): Promise<void> {
  await db.query(`alter table messages add column if not exists incomplete boolean not null default false`);
  await db.query(`alter table messages add column if not exists error_code varchar(64)`);
  await db.query(`create index if not exists messages_conversation_created_idx on messages (conversation_id, created_at)`);
}
