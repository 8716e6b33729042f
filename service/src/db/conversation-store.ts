import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "./database.ts";

export type Role = "user" | "assistant";

export interface Source {
  file: string;
  heading: string;
  similarity: number;
  url?: string;
}

export interface StoredMessage {
  id: string;
  role: Role;
  content: string;
  sources: Source[] | null;
  incomplete: boolean;
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

/** Conversations and their messages, in the tables the previous backend created. */
export class ConversationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async exists(conversationId: string): Promise<boolean> {
    const { rows } = await this.#db.query(`select 1 from conversations where id = $1`, [conversationId]);
    return rows.length > 0;
  }

  /**
   * Stores the reader's question, creating the conversation when `conversationId` is
   * undefined, in one transaction. Returns the conversation id and the message id.
   */
  async addUserMessage(conversationId: string | undefined, content: string): Promise<{ conversationId: string; messageId: string }> {
    return this.#db.transaction(async (tx) => {
      const id = conversationId ?? randomUUID();
      if (conversationId === undefined) {
        await tx.query(`insert into conversations (id, created_at, updated_at) values ($1, ${UTC_NOW}, ${UTC_NOW})`, [id]);
      }
      const messageId = await insertMessage(tx, { conversationId: id, role: "user", content });
      return { conversationId: id, messageId };
    });
  }

  async addMessage(message: NewMessage): Promise<string> {
    return this.#db.transaction((tx) => insertMessage(tx, message));
  }

  /** Every message of a conversation, oldest first; null when the conversation does not exist. */
  async messages(conversationId: string): Promise<StoredMessage[] | null> {
    if (!(await this.exists(conversationId))) return null;
    const { rows } = await this.#db.query<MessageRow>(
      `select id, role, content, sources, incomplete, created_at from messages
        where conversation_id = $1 order by created_at, id`,
      [conversationId],
    );
    return rows.map(toStoredMessage);
  }

  /** The latest `limit` messages, oldest first: the raw material of a prompt's history. */
  async recentMessages(conversationId: string, limit: number): Promise<StoredMessage[]> {
    const { rows } = await this.#db.query<MessageRow>(
      `select * from (
         select id, role, content, sources, incomplete, created_at from messages
          where conversation_id = $1 order by created_at desc, id desc limit $2
       ) latest order by created_at, id`,
      [conversationId, limit],
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
  created_at: Date | string;
}

async function insertMessage(tx: Queryable, m: NewMessage): Promise<string> {
  const id = randomUUID();
  await tx.query(
    `insert into messages (id, conversation_id, role, content, sources, incomplete, error_code, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6, $7, ${UTC_NOW})`,
    [id, m.conversationId, m.role, m.content, m.sources == null ? null : JSON.stringify(m.sources), m.incomplete ?? false, m.errorCode ?? null],
  );
  await tx.query(`update conversations set updated_at = ${UTC_NOW} where id = $1`, [m.conversationId]);
  return id;
}

function toStoredMessage(row: MessageRow): StoredMessage {
  const created = row.created_at instanceof Date ? row.created_at : new Date(`${row.created_at}Z`);
  return {
    id: row.id,
    // Rows written by the previous backend may hold other roles; the contract knows only two.
    role: row.role === "assistant" ? "assistant" : "user",
    content: row.content,
    sources: Array.isArray(row.sources) ? (row.sources as Source[]) : null,
    incomplete: row.incomplete ?? false,
    created_at: created.toISOString(),
  };
}
