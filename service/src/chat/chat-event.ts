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
    similarity: z
      .number()
      .min(-1)
      .max(1)
      .meta({ description: "Cosine similarity to the question: the vector store's score; with the embedded local embedder, the exact cosine of the words both share." }),
    url: z
      .string()
      .meta({
        format: "uri-reference",
        description:
          "The book page: a path on the book's site under DOCS_ROUTE_BASE_PATH (`/docs/guide/setup`), or an absolute URL when DOCS_BASE_URL is set; it ends with `#anchor` (the section) when the passage has one. Absent in answers stored before it was sent.",
      })
      .optional(),
    title: z
      .string()
      .meta({ description: "The page's title (front matter `title`, else its first `#` heading, else its file name's words). Absent in answers stored before it was sent." })
      .optional(),
    anchor: z
      .string()
      .meta({
        description:
          "The id Docusaurus gives the passage's section heading (`configure-the-store`), which `url` ends with. Absent above a page's first heading and for passages ingested before anchors were.",
      })
      .optional(),
  })
  .register(eventSchemas, { id: "Source" });

// answer_id is always sent, yet optional here for the reason conversation_id is in done: the
// contract's metadata event has conversation_id alone.
const metadataEvent = z
  .object({
    type: z.literal("metadata"),
    conversation_id: conversationId,
    answer_id: z.uuid().optional().meta({ description: "The answer this stream writes: what `/api/answers/{answer_id}/stop` and `/feedback` name." }),
  })
  .register(eventSchemas, { id: "MetadataEvent" });

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
    stopped: z
      .literal(true)
      .optional()
      .meta({ description: "The reader stopped the answer (`/api/answers/{answer_id}/stop`): it ends here, with the sources found." }),
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
