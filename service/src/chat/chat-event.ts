import { z } from "zod";
import { HTTP_STATUS, type ErrorCode } from "../errors.ts";

/**
 * The events of a chat's answer stream, each sent as `data: <JSON>`: one metadata, zero or
 * more tokens, then done, or error when the answer fails after it began. The frontend switches
 * on `type`. Written once here: the TypeScript type and the API description (openapi.ts) are
 * derived from these schemas. The service does not validate what it sends (tests do).
 */
export const eventSchemas = z.registry<{ id: string }>();

const conversationId = z.uuid();

const sourceSchema = z
  .object({
    file: z.string().meta({ description: "Path from the book's folder, e.g. `docs/module-01/chapter-01.md`." }),
    heading: z.string().meta({ description: "The heading path joined with ` > `; empty above the first heading." }),
    similarity: z.number().min(-1).max(1).meta({ description: "The vector store's cosine score." }),
    url: z
      .string()
      .meta({
        format: "uri-reference",
        description:
          "The book page: a path on the book's site under DOCS_ROUTE_BASE_PATH (`/docs/guide/setup`), or an absolute URL when DOCS_BASE_URL is set. Absent in answers stored before it was sent.",
      })
      .optional(),
  })
  .register(eventSchemas, { id: "Source" });

const metadataEvent = z.object({ type: z.literal("metadata"), conversation_id: conversationId }).register(eventSchemas, { id: "MetadataEvent" });

const tokenEvent = z
  .object({
    type: z.literal("token"),
    content: z.string(),
    // The service's own words, not the model's: says that the answer was cut, for clients that
    // ignore error events (the widgets already deployed).
    notice: z
      .literal(true)
      .optional()
      .meta({
        description:
          "Set on the one token the service adds just before an `error` event: a short sentence saying the answer was cut, for clients that ignore `error`. It is not part of the stored answer.",
      }),
  })
  .register(eventSchemas, { id: "TokenEvent" });

// conversation_id and saved are always sent, yet optional here: the contract's done event, as
// the previous backend sent it, has sources alone, and clients may rely on no more.
const doneEvent = z
  .object({
    type: z.literal("done"),
    sources: z.array(sourceSchema).meta({ description: "Empty in `selection` mode." }),
    conversation_id: conversationId.optional(),
    saved: z
      .literal(true)
      .optional()
      .meta({ description: "Always true: an answer that streamed but could not be stored ends with an error event (database_unavailable) instead." }),
  })
  .register(eventSchemas, { id: "DoneEvent" });

const errorEvent = z
  .object({
    type: z.literal("error"),
    code: z.enum(Object.keys(HTTP_STATUS) as [ErrorCode, ...ErrorCode[]]).meta({ description: "An error code, as in error responses." }),
    message: z.string(),
    conversation_id: conversationId,
  })
  .register(eventSchemas, { id: "ErrorEvent" });

export const chatEventSchema = z.discriminatedUnion("type", [metadataEvent, tokenEvent, doneEvent, errorEvent]).register(eventSchemas, { id: "ChatEvent" });

export type ChatEvent = z.output<typeof chatEventSchema>;

/** A token event as JSON, written without building the object: it is sent once per piece of every answer. */
export function tokenJson(text: string): string {
  return `{"type":"token","content":${JSON.stringify(text)}}`;
}
