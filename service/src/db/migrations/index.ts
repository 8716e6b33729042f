import type { Queryable } from "../database.ts";
import * as adoptChatTables from "./0001-adopt-chat-tables.ts";
import * as messageCompleteness from "./0002-message-completeness.ts";
import * as chunkFullText from "./0003-chunk-full-text.ts";
import * as answerFeedback from "./0004-answer-feedback.ts";
import * as answerUsage from "./0005-answer-usage.ts";
import * as chunkAnchorTitle from "./0006-chunk-anchor-title.ts";

export interface Migration {
  name: string;
  up(db: Queryable): Promise<void>;
}

/** Every migration, oldest first. Listed by hand so the compiled build needs no file globbing. */
export const migrations: Migration[] = [
  { name: "0001-adopt-chat-tables", up: adoptChatTables.up },
  { name: "0002-message-completeness", up: messageCompleteness.up },
  { name: "0003-chunk-full-text", up: chunkFullText.up },
  { name: "0004-answer-feedback", up: answerFeedback.up },
  { name: "0005-answer-usage", up: answerUsage.up },
  { name: "0006-chunk-anchor-title", up: chunkAnchorTitle.up },
];
