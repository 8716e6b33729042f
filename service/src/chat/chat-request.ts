import { z } from "zod";

export const MESSAGE_MAX_CHARS = 2000;

// Postgres text cannot hold U+0000: such a message would fail to store, so it is refused up front.
const hasNoNul = (text: string) => !text.includes("\u0000");

// The not-blank rule as a JSON Schema pattern, for the API description (a refine has none).
const NOT_BLANK = "\\S";

/**
 * POST /api/chat body, as the contract defines it. `null` is accepted where a field is
 * optional: Python clients of the previous backend send `"conversation_id": null`.
 * The API description is generated from this schema (openapi.ts); `.meta()` adds what the
 * refinements check, which JSON Schema cannot read from them.
 */
export function chatRequestSchema(selectionMaxChars: number) {
  return z
    .object({
      message: z
        .string({ error: "message must be a string" })
        .min(1, "message must not be empty")
        .max(MESSAGE_MAX_CHARS, `message must be at most ${MESSAGE_MAX_CHARS} characters`)
        .refine((m) => m.trim().length > 0, "message must not be blank")
        .refine(hasNoNul, "message must not contain NUL characters")
        .meta({ pattern: NOT_BLANK, description: "The question." }),
      mode: z
        .enum(["general", "selection"], { error: 'mode must be "general" or "selection"' })
        .nullish()
        .meta({ default: "general", description: "`selection` answers from `context` alone." })
        .transform((m) => m ?? "general"),
      context: z
        .string({ error: "context must be a string" })
        .max(selectionMaxChars, `context must be at most ${selectionMaxChars} characters`)
        .refine(hasNoNul, "context must not contain NUL characters")
        .nullish()
        .meta({ description: "The passage the reader selected; required in `selection` mode." })
        .transform((c) => c ?? undefined),
      conversation_id: z
        .uuid({ error: "conversation_id must be a UUID" })
        .nullish()
        .meta({ description: "Continue this conversation; absent or null starts a new one." })
        .transform((c) => c ?? undefined),
    })
    .superRefine((body, ctx) => {
      if (body.mode === "selection" && (body.context === undefined || body.context.trim() === "")) {
        ctx.addIssue({ code: "custom", path: ["context"], message: "context is required when mode is \"selection\"" });
      }
    })
    .meta({
      // The rule above: `selection` needs a non-blank context; any other mode ignores it.
      anyOf: [
        { properties: { mode: { enum: ["general", null] } } },
        { required: ["mode", "context"], properties: { mode: { const: "selection" }, context: { type: "string", pattern: NOT_BLANK } } },
      ],
    });
}

export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;
