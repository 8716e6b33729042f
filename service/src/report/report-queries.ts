import type { Queryable } from "../db/database.ts";
import type { Source } from "../db/conversation-store.ts";
import { utcTimestamp as iso } from "../db/utc-timestamp.ts";
import { bounds, type Period } from "./period.ts";

/**
 * What the author's report reads from the conversation tables, for one period. An answer's
 * question is the reader's message just before it in its conversation. An answer from no
 * passage is one whose stored sources are `[]` (the book was searched and nothing was close
 * enough); a selection answer, never searched, stores null. Nothing here reads or returns a
 * conversation id or anything about the reader.
 */

export interface DayCounts {
  day: string;
  asked: number;
  answeredFromBook: number;
  notCovered: number;
  votedUp: number;
  votedDown: number;
}

export interface UncoveredQuestion {
  question: string;
  askedAt: string;
}

export interface DownVote {
  votedAt: string;
  reason: string | null;
  question: string;
  answer: string;
  sources: Source[];
}

export interface WeakAnswer {
  askedAt: string;
  question: string;
  /** The best source's similarity. */
  similarity: number;
  sources: Source[];
}

export interface CitedPage {
  file: string;
  /** Answers that cited the page at least once. */
  answers: number;
  title: string | null;
}

// The stored sources as an array whatever the row holds (rows of the previous backend too).
const SOURCES = `(case when jsonb_typeof(a.sources) = 'array' then a.sources else '[]'::jsonb end)`;
const QUESTION = `(select q.content from messages q
                    where q.conversation_id = a.conversation_id and q.role = 'user' and q.created_at <= a.created_at
                    order by q.created_at desc, q.id desc limit 1)`;
const IN_PERIOD = (column: string) => `${column} >= $1::timestamp and ${column} < $2::timestamp`;

export async function countsByDay(db: Queryable, period: Period): Promise<Map<string, Omit<DayCounts, "day">>> {
  const { from, to } = bounds(period);
  const [messages, votes] = await Promise.all([
    db.query<{ day: string; asked: string; answered: string; not_covered: string }>(
      `select to_char(a.created_at, 'YYYY-MM-DD') as day,
              count(*) filter (where a.role = 'user') as asked,
              count(*) filter (where a.role = 'assistant' and jsonb_array_length(${SOURCES}) > 0) as answered,
              count(*) filter (where a.role = 'assistant' and a.sources = '[]'::jsonb) as not_covered
         from messages a where ${IN_PERIOD("a.created_at")} group by 1`,
      [from, to],
    ),
    db.query<{ day: string; up: string; down: string }>(
      `select to_char(updated_at, 'YYYY-MM-DD') as day, count(*) filter (where vote = 'up') as up, count(*) filter (where vote = 'down') as down
         from answer_feedback where ${IN_PERIOD("updated_at")} group by 1`,
      [from, to],
    ),
  ]);
  const days = new Map<string, Omit<DayCounts, "day">>();
  const day = (key: string) => days.get(key) ?? days.set(key, { asked: 0, answeredFromBook: 0, notCovered: 0, votedUp: 0, votedDown: 0 }).get(key)!;
  for (const row of messages.rows) Object.assign(day(row.day), { asked: Number(row.asked), answeredFromBook: Number(row.answered), notCovered: Number(row.not_covered) });
  for (const row of votes.rows) Object.assign(day(row.day), { votedUp: Number(row.up), votedDown: Number(row.down) });
  return days;
}

/** Every question answered from no passage in the period, oldest first. */
export async function uncoveredQuestions(db: Queryable, period: Period): Promise<UncoveredQuestion[]> {
  const { from, to } = bounds(period);
  const { rows } = await db.query<{ question: string | null; asked_at: Date | string }>(
    `select ${QUESTION} as question, a.created_at as asked_at from messages a
      where a.role = 'assistant' and a.sources = '[]'::jsonb and ${IN_PERIOD("a.created_at")}
      order by a.created_at`,
    [from, to],
  );
  return rows.filter((r) => r.question !== null).map((r) => ({ question: r.question!, askedAt: iso(r.asked_at) }));
}

/** Answers voted down in the period, latest vote first. */
export async function downVotes(db: Queryable, period: Period, limit: number): Promise<DownVote[]> {
  const { from, to } = bounds(period);
  const { rows } = await db.query<{ voted_at: Date | string; reason: string | null; question: string | null; answer: string; sources: unknown }>(
    `select f.updated_at as voted_at, f.reason, ${QUESTION} as question, a.content as answer, ${SOURCES} as sources
       from answer_feedback f join messages a on a.id = f.answer_id
      where f.vote = 'down' and ${IN_PERIOD("f.updated_at")}
      order by f.updated_at desc limit $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({ votedAt: iso(r.voted_at), reason: r.reason, question: r.question ?? "", answer: r.answer, sources: r.sources as Source[] }));
}

/** Answers from the book whose best passage was the least similar to the question, least first. */
export async function weakestAnswers(db: Queryable, period: Period, limit: number): Promise<WeakAnswer[]> {
  const { from, to } = bounds(period);
  const { rows } = await db.query<{ asked_at: Date | string; question: string | null; similarity: number | string; sources: unknown }>(
    `select * from (
       select a.created_at as asked_at, ${QUESTION} as question, ${SOURCES} as sources,
              (select max(case when jsonb_typeof(s->'similarity') = 'number' then (s->>'similarity')::float8 end) from jsonb_array_elements(${SOURCES}) s) as similarity
         from messages a where a.role = 'assistant' and ${IN_PERIOD("a.created_at")}
     ) answers where similarity is not null
     order by similarity, asked_at limit $3`,
    [from, to, limit],
  );
  return rows.map((r) => ({ askedAt: iso(r.asked_at), question: r.question ?? "", similarity: Number(r.similarity), sources: r.sources as Source[] }));
}

/** Pages cited by the period's answers, most cited first. */
export async function citedPages(db: Queryable, period: Period): Promise<CitedPage[]> {
  const { from, to } = bounds(period);
  const { rows } = await db.query<{ file: string; answers: string; title: string | null }>(
    `select s->>'file' as file, count(distinct a.id) as answers, max(s->>'title') as title
       from messages a cross join lateral jsonb_array_elements(${SOURCES}) s
      where a.role = 'assistant' and ${IN_PERIOD("a.created_at")} and jsonb_typeof(s->'file') = 'string'
      group by 1 order by 2 desc, 1`,
    [from, to],
  );
  return rows.map((r) => ({ file: r.file, answers: Number(r.answers), title: r.title }));
}

/** True once the database has the tables the report reads (the server has migrated it). */
export async function hasFeedbackTable(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ found: string | null }>(`select to_regclass('answer_feedback')::text as found`);
  return rows[0]?.found !== null && rows[0]?.found !== undefined;
}
