import { randomUUID } from "node:crypto";
import type { TokenUsage } from "../answer/answer-generator.ts";
import { AppError } from "../errors.ts";
import type { Database, QueryOptions, QueryResult } from "./database.ts";
import { utcTimestamp } from "./utc-timestamp.ts";

export type Role = "user" | "assistant";

export interface Source {
  file: string;
  heading: string;
  similarity: number;
  /** The page, at the section (`#anchor`) when the chunk was ingested with one. */
  url?: string;
  /** The page's title. */
  title?: string;
  /** The section heading's id on its page. */
  anchor?: string;
}

export interface StoredMessage {
  id: string;
  role: Role;
  content: string;
  sources: Source[] | null;
  incomplete: boolean;
  /** Why an incomplete answer stopped; null for a complete one. */
  error_code: string | null;
  created_at: string;
}

export interface NewMessage {
  conversationId: string;
  role: Role;
  content: string;
  sources?: Source[] | null;
  incomplete?: boolean;
  /** Why an incomplete answer stopped (an AppError code, "client_disconnected"...). */
  errorCode?: string | null;
}

// Timestamps are written in UTC whatever the session time zone: the columns have none.
// clock_timestamp, not now(): two messages of one transaction must still sort in order.
const UTC_NOW = "(clock_timestamp() at time zone 'utc')";

/** The statements of every chat: planned once per connection (QueryOptions). */
const PREPARED: QueryOptions = { prepared: true };

/** The error code of an answer whose placeholder was never completed: the process stopped mid-answer. */
const INTERRUPTED = "interrupted";

export const DATABASE_UNAVAILABLE = "The conversation database is unavailable. Please try again shortly.";

/**
 * Conversations and their messages, in the tables the previous backend created. A database
 * failure leaves here as a 503 database_unavailable AppError (the driver's error its cause).
 */
export class ConversationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async #query<R = Record<string, unknown>>(sql: string, params: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    try {
      return await this.#db.query<R>(sql, params, options);
    } catch (err) {
      throw new AppError("database_unavailable", DATABASE_UNAVAILABLE, { cause: err });
    }
  }

  async exists(conversationId: string): Promise<boolean> {
    const { rows } = await this.#query(`select 1 from conversations where id = $1`, [conversationId], PREPARED);
    return rows.length > 0;
  }

  /**
   * Stores the reader's question, creating the conversation when `conversationId` is
   * undefined. Returns the conversation id and the message id.
   */
  async addUserMessage(conversationId: string | undefined, content: string): Promise<{ conversationId: string; messageId: string }> {
    if (conversationId !== undefined) {
      return { conversationId, messageId: await this.addMessage({ conversationId, role: "user", content }) };
    }
    // One statement, so one round trip and atomic without a transaction: the message's
    // foreign key is checked at the statement's end, when the conversation row exists.
    const id = randomUUID();
    const messageId = randomUUID();
    await this.#query(
      `with conversation as (
         insert into conversations (id, created_at, updated_at) values ($1, ${UTC_NOW}, ${UTC_NOW}) returning id
       )
       insert into messages (id, conversation_id, role, content, sources, incomplete, error_code, created_at)
       select $2::uuid, id, 'user', $3::text, null, false, null, ${UTC_NOW} from conversation`,
      [id, messageId, content],
    );
    return { conversationId: id, messageId };
  }

  /**
   * Stores the reader's question and, a microsecond after it, a placeholder for its answer:
   * an empty assistant message marked incomplete with the code "interrupted", which
   * completeAnswer fills in. A process killed mid-answer thus leaves the answer visibly
   * interrupted instead of missing. One statement: both rows or neither.
   */
  async addQuestion(conversationId: string | undefined, content: string): Promise<{ conversationId: string; questionId: string; answerId: string }> {
    const questionId = randomUUID();
    const answerId = randomUUID();
    const id = conversationId ?? randomUUID();
    // A new conversation is inserted; an existing one is marked updated (and must exist).
    const conversation =
      conversationId === undefined
        ? `insert into conversations (id, created_at, updated_at) values ($1, ${UTC_NOW}, ${UTC_NOW}) returning id`
        : `update conversations set updated_at = ${UTC_NOW} where id = $1 returning id`;
    const { rowCount } = await this.#query(
      `with conversation as (${conversation}),
       question as (
         insert into messages (id, conversation_id, role, content, sources, incomplete, error_code, created_at)
         select $2::uuid, id, 'user', $4::text, null, false, null,
                greatest(${UTC_NOW}, (select max(created_at) + interval '1 microsecond' from messages where conversation_id = $1))
           from conversation
         returning conversation_id, created_at
       )
       insert into messages (id, conversation_id, role, content, sources, incomplete, error_code, created_at)
       select $3::uuid, conversation_id, 'assistant', '', null, true, '${INTERRUPTED}', created_at + interval '1 microsecond' from question`,
      [id, questionId, answerId, content],
      PREPARED,
    );
    if (rowCount === 0) throw new AppError("not_found", "No conversation has this conversation_id.");
    return { conversationId: id, questionId, answerId };
  }

  /**
   * Fills in the placeholder addQuestion stored: the answer as far as it went, how it ended,
   * and the tokens its generation used when the model reported them.
   */
  async completeAnswer(
    answerId: string,
    answer: { content: string; sources: Source[] | null; incomplete: boolean; errorCode: string | null; usage?: TokenUsage | undefined },
  ): Promise<void> {
    const usage = answer.usage;
    await this.#query(
      `with answer as (
         update messages set content = $2::text, sources = $3::jsonb, incomplete = $4::boolean, error_code = $5::varchar,
                model = $6::varchar, input_tokens = $7::integer, output_tokens = $8::integer, thinking_tokens = $9::integer, total_tokens = $10::integer
          where id = $1 returning conversation_id
       )
       update conversations set updated_at = ${UTC_NOW} where id in (select conversation_id from answer)`,
      [
        answerId,
        answer.content,
        answer.sources === null ? null : JSON.stringify(answer.sources),
        answer.incomplete,
        answer.errorCode,
        usage?.model ?? null,
        usage?.inputTokens ?? null,
        usage?.outputTokens ?? null,
        usage?.thinkingTokens ?? null,
        usage?.totalTokens ?? null,
      ],
      PREPARED,
    );
  }

  /**
   * Adds a message to an existing conversation and marks the conversation updated, in one
   * statement. A conversation that no longer exists is a not_found error.
   *
   * The message is dated at least a microsecond after the conversation's last one: PGlite's
   * clock moves in whole milliseconds, and two messages of one millisecond would otherwise
   * sort by their random ids.
   */
  async addMessage(m: NewMessage): Promise<string> {
    const id = randomUUID();
    const { rowCount } = await this.#query(
      `with conversation as (
         update conversations set updated_at = ${UTC_NOW} where id = $2 returning id
       )
       insert into messages (id, conversation_id, role, content, sources, incomplete, error_code, created_at)
       select $1::uuid, id, $3::varchar, $4::text, $5::jsonb, $6::boolean, $7::varchar,
              greatest(${UTC_NOW}, (select max(created_at) + interval '1 microsecond' from messages where conversation_id = $2))
         from conversation`,
      [id, m.conversationId, m.role, m.content, m.sources == null ? null : JSON.stringify(m.sources), m.incomplete ?? false, m.errorCode ?? null],
      PREPARED,
    );
    if (rowCount === 0) throw new AppError("not_found", "No conversation has this conversation_id.");
    return id;
  }

  /** True when an assistant message (an answer, complete or not) has this id. */
  async isAnswer(messageId: string): Promise<boolean> {
    const { rows } = await this.#query(`select 1 from messages where id = $1 and role = 'assistant'`, [messageId]);
    return rows.length > 0;
  }

  /** Every message of a conversation, oldest first; null when the conversation does not exist. */
  async messages(conversationId: string): Promise<StoredMessage[] | null> {
    if (!(await this.exists(conversationId))) return null;
    const { rows } = await this.#query<MessageRow>(
      `select id, role, content, sources, incomplete, error_code, created_at from messages
        where conversation_id = $1 order by created_at, id`,
      [conversationId],
    );
    return rows.map(toStoredMessage);
  }

  /** The latest `limit` messages, oldest first: the raw material of a prompt's history. */
  async recentMessages(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const { rows } = await this.#query<MessageRow>(
      `select * from (
         select id, role, content, sources, incomplete, error_code, created_at from messages
          where conversation_id = $1 order by created_at desc, id desc limit $2
       ) latest order by created_at, id`,
      [conversationId, limit],
      PREPARED,
    );
    return rows.map(toStoredMessage);
  }
}

interface MessageRow {
  id: string;
  role: string;
  content: string;
  sources: unknown;
  incomplete: boolean;
  error_code: string | null;
  created_at: Date | string;
}

function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    id: row.id,
    // Rows written by the previous backend may hold other roles; the contract knows only two.
    role: row.role === "assistant" ? "assistant" : "user",
    content: row.content,
    sources: Array.isArray(row.sources) ? (row.sources as Source[]) : null,
    incomplete: row.incomplete ?? false,
    error_code: row.error_code ?? null,
    created_at: utcTimestamp(row.created_at),
  };
}
