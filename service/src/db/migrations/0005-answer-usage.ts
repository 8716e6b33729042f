import type { Queryable } from "../database.ts";

/**
 * The tokens an answer's generation used, as Gemini reported them, on the answer's own row:
 * the update that completes the answer writes them, so there is no second statement and no
 * join to read them, and nullable columns without a default are a catalog change only (no
 * table rewrite, instant on a large table). Null on questions, on the extractive answerer's
 * answers, on answers cut before Gemini's last chunk, and on rows older than this migration.
 */
export async function up(db: Queryable): Promise<void> {
  await db.query(`alter table messages add column if not exists model varchar(128)`);
  await db.query(`alter table messages add column if not exists input_tokens integer`);
  await db.query(`alter table messages add column if not exists output_tokens integer`);
  await db.query(`alter table messages add column if not exists thinking_tokens integer`);
  await db.query(`alter table messages add column if not exists total_tokens integer`);
}
