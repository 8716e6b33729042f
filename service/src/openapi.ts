import { z } from "zod";
import { chatEventSchema, eventSchemas } from "./chat/chat-event.ts";
import { chatRequestSchema } from "./chat/chat-request.ts";
import { feedbackRequestSchema } from "./chat/feedback-request.ts";
import type { ErrorCode } from "./errors.ts";

/**
 * The API as OpenAPI 3.1 describes it, served at /openapi.json and shown at /docs. Precise
 * enough for a property-based fuzzer: every status a route can answer is listed with its
 * body, and objects stay open (`additionalProperties` allowed) where the contract says
 * clients ignore unknown fields.
 */

/** JSON Schema 2020-12, as OpenAPI 3.1 embeds it: too open to type closely. */
export type Schema = { readonly [keyword: string]: unknown };
interface Reference {
  $ref: string;
}
interface MediaType {
  schema: Schema | Reference;
  example?: unknown;
  [extension: `x-${string}`]: unknown;
}
interface Header {
  description: string;
  required?: boolean;
  schema: Schema;
}
interface ResponseObject {
  description: string;
  headers?: Record<string, Header | Reference>;
  content?: Record<string, MediaType>;
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  description: string;
  schema: Schema | Reference;
}
interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, MediaType> };
  responses: Record<string, ResponseObject | Reference>;
}
export interface OpenApiDocument {
  openapi: "3.1.0";
  jsonSchemaDialect: string;
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, { get?: Operation; post?: Operation; put?: Operation; delete?: Operation }>;
  components: { schemas: Record<string, Schema>; headers: Record<string, Header> };
}

/**
 * The JSON Schema of a zod schema, as the service reads its input. A nullable field becomes
 * one schema with `type: [..., "null"]` rather than zod's `anyOf` of two, so its limits
 * (`maxLength`...) stay where readers of the description look for them.
 */
function jsonSchemaOf(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    io: "input",
    target: "draft-2020-12",
    override({ jsonSchema }) {
      const [inner, other] = jsonSchema.anyOf ?? [];
      if (jsonSchema.anyOf?.length !== 2 || typeof inner?.type !== "string" || other?.type !== "null") return;
      delete jsonSchema.anyOf;
      Object.assign(jsonSchema, inner, { type: [inner.type, "null"] }, inner.enum ? { enum: [...inner.enum, null] } : {});
    },
  });
  return json;
}

/**
 * The stream's events and their Source, as chat/chat-event.ts defines them, with the
 * discriminator that OpenAPI tools read to pick an event's schema by its `type`.
 */
function chatEventComponents(): Record<string, Schema> {
  const { schemas } = z.toJSONSchema(eventSchemas, { io: "input", target: "draft-2020-12", uri: (id) => ref(id).$ref });
  const components = Object.fromEntries(Object.entries(schemas).map(([id, { $schema: _dialect, $id: _id, ...schema }]) => [id, schema as Schema]));
  const mapping = Object.fromEntries(chatEventSchema.options.map((event) => [event.shape.type.value, ref(eventSchemas.get(event)!.id).$ref]));
  return { ...components, ChatEvent: { ...components.ChatEvent, discriminator: { propertyName: "type", mapping } } };
}

const uuid = jsonSchemaOf(z.uuid());

const ref = (name: string): Reference => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema | Reference, example?: unknown): Record<string, MediaType> => ({
  "application/json": example === undefined ? { schema } : { schema, example },
});
const requestIdHeader = { "X-Request-Id": { $ref: "#/components/headers/X-Request-Id" } };

/** An error answer whose `error.code` is one of `codes`. */
function errorResponse(description: string, codes: readonly ErrorCode[], options: { retryAfter?: boolean } = {}): ResponseObject {
  return {
    description,
    headers: options.retryAfter ? { ...requestIdHeader, "Retry-After": { $ref: "#/components/headers/Retry-After" } } : requestIdHeader,
    content: json(
      { allOf: [ref("ErrorResponse"), { properties: { error: { properties: { code: { enum: codes } } } } }] },
      { error: { code: codes[0], message: "A sentence written for the reader." } },
    ),
  };
}

const internalError = errorResponse("Unexpected failure; the body reveals nothing.", ["internal_error"]);

const answerIdParameter: Parameter = {
  name: "answer_id",
  in: "path",
  required: true,
  description: "The `answer_id` of the answer's `metadata` event (the assistant message's `id` in the conversation).",
  schema: uuid,
};
const answerErrors = {
  "429": errorResponse("Too many stops or votes from this address (a budget apart from questions'). Wait, then try again.", ["rate_limited"], { retryAfter: true }),
  "500": internalError,
  "503": errorResponse("The service is starting or restarting, or the database does not answer.", ["service_starting", "shutting_down", "database_unavailable"], { retryAfter: true }),
};

/** The description, with the selection limit the service runs with (SELECTION_MAX_CHARS). */
export function openApiDocument(options: { selectionMaxChars?: number } = {}): OpenApiDocument {
  const selectionMaxChars = options.selectionMaxChars ?? 8000;
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "Docs chat",
      version: "1.0.0",
      description:
        "Retrieval-augmented chat about a Docusaurus book. Answers stream as Server-Sent Events; conversations are stored and can be read back. Errors are JSON `{\"error\":{\"code\",\"message\"}}`; clients ignore fields they do not know.",
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/", description: "This server" }],
    tags: [
      { name: "chat", description: "Questions, answers and conversations" },
      { name: "health", description: "Readiness and liveness" },
    ],
    paths: {
      "/api/chat": {
        post: {
          operationId: "chat",
          summary: "Ask a question; the answer streams back as Server-Sent Events",
          description: [
            "Every event is one line `data: <JSON>` followed by a blank line; lines starting with `:` are keep-alive comments.",
            "Order: one `metadata` event, zero or more `token` events, then `done` or, when the answer fails after it began, a `token` with `notice: true` saying so and `error`; then the stream ends.",
            "A failure before the first token is answered with an HTTP error status and the error JSON instead of a stream.",
            `In \`selection\` mode the answer comes from \`context\` alone (at most ${selectionMaxChars} characters), with no retrieval.`,
          ].join("\n\n"),
          tags: ["chat"],
          requestBody: {
            required: true,
            content: json(ref("ChatRequest"), { message: "How do I set up the simulator?", mode: "general" }),
          },
          responses: {
            "200": {
              description: "The answer as an event stream; each `data:` line holds one `ChatEvent`.",
              headers: {
                ...requestIdHeader,
                "Cache-Control": { description: "Always `no-cache, no-transform`.", schema: { type: "string" } },
              },
              content: {
                "text/event-stream": {
                  // One server-sent event, as SSE-aware tools (and OpenAPI 3.2's itemSchema) read the stream:
                  // each is a `data: <ChatEvent JSON>` line followed by a blank line.
                  schema: {
                    type: "object",
                    description: "One event of the stream: its `data` is a ChatEvent as JSON. Comment lines (`: keep-alive`) carry no event.",
                    required: ["data"],
                    properties: {
                      data: { type: "string", contentMediaType: "application/json", contentSchema: ref("ChatEvent") },
                      event: { type: "string", enum: ["message"], description: "Never sent: every event is the default `message`." },
                    },
                  },
                  example:
                    'data: {"type":"metadata","conversation_id":"6f1c2d3e-4b5a-4c6d-8e7f-901234567890"}\n\n' +
                    'data: {"type":"token","content":"Install "}\n\n' +
                    'data: {"type":"token","content":"the simulator."}\n\n' +
                    'data: {"type":"done","sources":[{"file":"docs/module-01/chapter-01.md","heading":"Intro > Setup","similarity":0.83}]}\n\n',
                  "x-event-schema": ref("ChatEvent"),
                },
              },
            },
            "400": errorResponse("The body is not a JSON object or breaks a rule of `ChatRequest`.", ["invalid_request"]),
            "404": errorResponse("`conversation_id` names no conversation.", ["not_found"]),
            "413": errorResponse("The body is larger than any valid request.", ["payload_too_large"]),
            "415": errorResponse("The body's charset is not UTF-8.", ["unsupported_media_type"]),
            "429": errorResponse(
              "`rate_limited`: too many questions from this address; `quota_exceeded`: the AI service's quota is spent. Wait, then ask again.",
              ["rate_limited", "quota_exceeded"],
              { retryAfter: true },
            ),
            "500": internalError,
            "502": errorResponse("The AI service failed before the first token, or its vectors do not have the configured size.", ["upstream_error", "embedding_mismatch"]),
            "503": errorResponse(
              "The service is starting or restarting, or a store it needs does not answer. The question may already be stored: then `error.conversation_id` names its conversation.",
              ["service_starting", "shutting_down", "database_unavailable", "retrieval_unavailable"],
              { retryAfter: true },
            ),
            "504": errorResponse("The answer took too long before its first token.", ["upstream_timeout"]),
          },
        },
      },
      "/api/conversation/{id}": {
        get: {
          operationId: "getConversation",
          summary: "A stored conversation, oldest message first",
          tags: ["chat"],
          parameters: [{ name: "id", in: "path", required: true, description: "The `conversation_id` of the `metadata` event.", schema: uuid }],
          responses: {
            "200": { description: "The conversation.", headers: requestIdHeader, content: json(ref("Conversation")) },
            "400": errorResponse("The id is not a UUID.", ["invalid_request"]),
            "404": errorResponse("No conversation has this id.", ["not_found"]),
            "500": internalError,
            "503": errorResponse("The service is starting or restarting, or the database does not answer.", ["service_starting", "shutting_down", "database_unavailable"], {
              retryAfter: true,
            }),
          },
        },
      },
      "/api/answers/{answer_id}/stop": {
        post: {
          operationId: "stopAnswer",
          summary: "Stop an answer while it streams",
          description:
            "The answer's stream then ends with a `done` event marked `stopped: true` (with the sources found), and the answer is stored incomplete with `error_code` `stopped_by_reader`, the text so far kept. No body.",
          tags: ["chat"],
          parameters: [answerIdParameter],
          responses: {
            "202": {
              description: "The answer was streaming in this process; it is being stopped.",
              headers: requestIdHeader,
              content: json(ref("StopResponse"), { answer_id: "6f1c2d3e-4b5a-4c6d-8e7f-901234567890", stopping: true }),
            },
            "400": errorResponse("The id is not a UUID.", ["invalid_request"]),
            "404": errorResponse("No answer has this id.", ["not_found"]),
            "409": errorResponse("The answer is not streaming in this process: it is complete, was stopped, or ended otherwise.", ["answer_not_streaming"]),
            ...answerErrors,
          },
        },
      },
      "/api/answers/{answer_id}/feedback": {
        put: {
          operationId: "putAnswerFeedback",
          summary: "Vote on an answer (a second vote replaces the first)",
          tags: ["chat"],
          parameters: [answerIdParameter],
          requestBody: { required: true, content: json(ref("FeedbackRequest"), { vote: "down", reason: "It names the wrong command." }) },
          responses: {
            "200": { description: "The answer's vote as stored.", headers: requestIdHeader, content: json(ref("FeedbackResponse")) },
            "400": errorResponse("The id is not a UUID, or the body breaks a rule of `FeedbackRequest` (the message names the field).", ["invalid_request"]),
            "404": errorResponse("No answer has this id (a question's id is not an answer's).", ["not_found"]),
            "413": errorResponse("The body is larger than any valid request.", ["payload_too_large"]),
            "415": errorResponse("The body's charset is not UTF-8.", ["unsupported_media_type"]),
            ...answerErrors,
          },
        },
        delete: {
          operationId: "deleteAnswerFeedback",
          summary: "Withdraw the vote on an answer",
          description: "An answer with no vote is fine: the vote is gone either way.",
          tags: ["chat"],
          parameters: [answerIdParameter],
          responses: {
            "204": { description: "The answer has no vote now.", headers: requestIdHeader },
            "400": errorResponse("The id is not a UUID.", ["invalid_request"]),
            "404": errorResponse("No answer has this id (a question's id is not an answer's).", ["not_found"]),
            ...answerErrors,
          },
        },
      },
      "/api/health": {
        get: {
          operationId: "getHealth",
          summary: "Readiness: 200 only when every service is healthy",
          description: "`starting` until start-up (migrations included) has finished. Results are cached for a few seconds.",
          tags: ["health"],
          responses: {
            "200": {
              description: "Healthy.",
              headers: requestIdHeader,
              content: json({ allOf: [ref("HealthReport"), { properties: { status: { const: "healthy" } } }] }),
            },
            "503": {
              description: "Starting, degraded or unhealthy; `services` says which part and why.",
              headers: requestIdHeader,
              content: json({ allOf: [ref("HealthReport"), { properties: { status: { enum: ["starting", "degraded", "unhealthy"] } } }] }),
            },
          },
        },
      },
      "/api/health/live": {
        get: {
          operationId: "getLiveness",
          summary: "Liveness: the process serves HTTP",
          tags: ["health"],
          responses: {
            "200": {
              description: "Alive.",
              headers: requestIdHeader,
              content: json({
                type: "object",
                required: ["status"],
                properties: { status: { const: "ok" }, timestamp: { type: "string", format: "date-time" } },
              }),
            },
          },
        },
      },
    },
    components: {
      headers: {
        "X-Request-Id": { description: "The request's id in the service's logs (echoed when the client sent a safe one).", required: true, schema: { type: "string" } },
        "Retry-After": { description: "Seconds to wait before asking again, when known.", schema: { type: "string", pattern: "^[0-9]+$" } },
      },
      schemas: {
        ChatRequest: jsonSchemaOf(chatRequestSchema(selectionMaxChars)),
        ...chatEventComponents(),
        Message: {
          type: "object",
          required: ["id", "role", "content", "sources", "created_at", "incomplete"],
          properties: {
            id: uuid,
            role: { enum: ["user", "assistant"] },
            content: { type: "string" },
            sources: { anyOf: [{ type: "array", items: ref("Source") }, { type: "null" }] },
            created_at: { type: "string", format: "date-time" },
            incomplete: { type: "boolean", description: "True for an answer that stopped early (an error or a disconnect)." },
            error_code: {
              anyOf: [{ type: "string" }, { type: "null" }],
              description:
                "Why an incomplete answer stopped: an error code, `client_disconnected`, `reader_stalled`, `stopped_by_reader`, or `interrupted` (the service stopped mid-answer, or the answer is still streaming).",
            },
            feedback: {
              anyOf: [ref("Feedback"), { type: "null" }],
              description: "On an answer: the reader's vote, or null when there is none. Absent on a question.",
            },
          },
        },
        Conversation: {
          type: "object",
          required: ["conversation_id", "messages"],
          properties: { conversation_id: uuid, messages: { type: "array", items: ref("Message") } },
        },
        FeedbackRequest: jsonSchemaOf(feedbackRequestSchema),
        Feedback: {
          type: "object",
          required: ["vote", "reason"],
          properties: { vote: { enum: ["up", "down"] }, reason: { anyOf: [{ type: "string", maxLength: 500 }, { type: "null" }] } },
        },
        FeedbackResponse: {
          allOf: [
            ref("Feedback"),
            { type: "object", required: ["answer_id", "updated_at"], properties: { answer_id: uuid, updated_at: { type: "string", format: "date-time" } } },
          ],
        },
        StopResponse: {
          type: "object",
          required: ["answer_id", "stopping"],
          properties: { answer_id: uuid, stopping: { const: true } },
        },
        ServiceHealth: {
          type: "object",
          required: ["status"],
          properties: { status: { enum: ["healthy", "degraded", "unhealthy"] }, message: { type: "string" } },
        },
        HealthReport: {
          type: "object",
          required: ["status", "services", "timestamp"],
          properties: {
            status: { enum: ["starting", "healthy", "degraded", "unhealthy"] },
            services: {
              type: "object",
              description: "One entry per service: `postgres`, `vector_store`, `gemini`.",
              additionalProperties: ref("ServiceHealth"),
            },
            timestamp: { type: "string", format: "date-time" },
          },
        },
        ErrorResponse: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string" },
                message: { type: "string", description: "Written for the reader." },
                conversation_id: { ...uuid, description: "The conversation the question was stored in, when it was." },
              },
            },
          },
        },
      },
    },
  };
}
