import type { Source } from "../db/conversation-store.ts";
import type { ErrorCode } from "../errors.ts";

/**
 * One event of a chat's answer stream, as `data: <JSON>`: one metadata, zero or more tokens,
 * then done, or error when the answer fails after it began. The frontend switches on `type`.
 */
export type ChatEvent =
  // answer_id: the stored answer this stream writes (what stop and feedback name).
  | { type: "metadata"; conversation_id: string; answer_id: string }
  | { type: "token"; content: string }
  // The service's own words, not the model's: says that the answer was cut, for clients that
  // ignore error events (the widgets already deployed). Sent once, just before the error.
  | { type: "token"; content: string; notice: true }
  // An answer that streamed but could not be stored ends with an error instead: saved is always true.
  // stopped: the reader stopped the answer (POST /api/answers/{id}/stop); sources are those so far.
  | { type: "done"; sources: Source[]; conversation_id: string; saved: true; stopped?: true }
  | { type: "error"; code: ErrorCode; message: string; conversation_id: string };
