import type { Queryable } from "../database.ts";

/**
 * A reader's vote on an answer: one row per answer (a second vote replaces the first), gone
 * with its answer. Timestamps in UTC without a zone, as the contract's tables keep them. No
 * client address: a vote is about the answer, not about who gave it. The index serves the
 * author's report, which reads votes by period.
 */
export async function up(db: Queryable): Promise<void> {
  await db.query(`
    create table if not exists answer_feedback (
      answer_id uuid primary key references messages(id) on delete cascade,
      vote varchar(4) not null check (vote in ('up', 'down')),
      reason text,
      created_at timestamp not null default (now() at time zone 'utc'),
      updated_at timestamp not null default (now() at time zone 'utc')
    )`);
  await db.query(`create index if not exists answer_feedback_updated_idx on answer_feedback (updated_at)`);
}
