import { AppError } from "../errors.ts";
import { DATABASE_UNAVAILABLE } from "./conversation-store.ts";
import type { Database, QueryResult } from "./database.ts";
import { utcTimestamp } from "./utc-timestamp.ts";

export type Vote = "up" | "down";

/** A reader's vote on an answer, as the API shows it. */
export interface Feedback {
  vote: Vote;
  reason: string | null;
}

export interface StoredFeedback extends Feedback {
  answer_id: string;
  updated_at: string;
}

const UTC_NOW = "(clock_timestamp() at time zone 'utc')";

/**
 * Readers' votes on answers (table answer_feedback, one row per answer). Only an assistant
 * message can be voted on. A database failure leaves as a 503 database_unavailable.
 */
export class FeedbackStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #query<R>(sql: string, params: readonly unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.#db.query<R>(sql, params);
    } catch (err) {
      throw new AppError("database_unavailable", DATABASE_UNAVAILABLE, { cause: err });
    }
  }

  /** Sets the answer's vote, replacing an earlier one. Null when no assistant message has this id. */
  async put(answerId: string, feedback: Feedback): Promise<StoredFeedback | null> {
    const { rows } = await this.#query<FeedbackRow>(
      `insert into answer_feedback (answer_id, vote, reason, created_at, updated_at)
       select id, $2::varchar, $3::text, ${UTC_NOW}, ${UTC_NOW} from messages where id = $1 and role = 'assistant'
       on conflict (answer_id) do update set vote = excluded.vote, reason = excluded.reason, updated_at = excluded.updated_at
       returning answer_id, vote, reason, updated_at`,
      [answerId, feedback.vote, feedback.reason],
    );
    return rows[0] ? toStoredFeedback(rows[0]) : null;
  }

  /**
   * Withdraws the answer's vote (nothing to withdraw is fine). False when no assistant
   * message has this id.
   */
  async remove(answerId: string): Promise<boolean> {
    const { rows } = await this.#query<{ answer: boolean }>(
      `with removed as (delete from answer_feedback where answer_id = $1)
       select exists (select 1 from messages where id = $1 and role = 'assistant') as answer`,
      [answerId],
    );
    return rows[0]?.answer === true;
  }

  /** The votes on a conversation's answers, by answer id. */
  async ofConversation(conversationId: string): Promise<Map<string, Feedback>> {
    const { rows } = await this.#query<FeedbackRow>(
      `select f.answer_id, f.vote, f.reason, f.updated_at
         from answer_feedback f join messages m on m.id = f.answer_id
        where m.conversation_id = $1`,
      [conversationId],
    );
    return new Map(rows.map((row) => [row.answer_id, { vote: row.vote, reason: row.reason }]));
  }
}

interface FeedbackRow {
  answer_id: string;
  vote: Vote;
  reason: string | null;
  updated_at: Date | string;
}

function toStoredFeedback(row: FeedbackRow): StoredFeedback {
  return { answer_id: row.answer_id, vote: row.vote, reason: row.reason, updated_at: utcTimestamp(row.updated_at) };
}
