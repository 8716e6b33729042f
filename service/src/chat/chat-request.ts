import { z } from "zod";

export const MESSAGE_MAX_CHARS = 2000;

// Postgres text cannot hold U+0000: such a message would fail to store, so it is refused up front.
const hasNoNul = (text: string) => !text.includes("\u0000");

/**
 * POST /api/chat body, as the contract defines it. `null` is accepted where a field is
 * optional: Python clients of the previous backend send `"conversation_id": null`.
 */
export function chatRequestSchema(selectionMaxChars: number) {
  return z
    .object({
      message: z
        .string({ error: "message must be a string" })
        .min(1, "message must not be empty")
        .max(MESSAGE_MAX_CHARS, `message must be at most ${MESSAGE_MAX_CHARS} characters`)
        .refine((m) => m.trim().length > 0, "message must not be blank")
        .refine(hasNoNul, "message must not contain NUL characters"),
      mode: z.enum(["general", "selection"], { error: 'mode must be "general" or "selection"' }).nullish().transform((m) => m ?? "general"),
      context: z
        .string({ error: "context must be a string" })
        .max(selectionMaxChars, `context must be at most ${selectionMaxChars} characters`)
        .refine(hasNoNul, "context must not contain NUL characters")
        .nullish()
        .transform((c) => c ?? undefined),
      conversation_id: z.uuid({ error: "conversation_id must be a UUID" }).nullish().transform((c) => c ?? undefined),
    })
    .superRefine((body, ctx) => {
      if (body.mode === "selection" && (body.context === undefined || body.context.trim() === "")) {
        ctx.addIssue({ code: "custom", path: ["context"], message: "context is required when mode is \"selection\"" });
      }
    });
}

export type ChatRequest = z.infer<ReturnType<typeof chatRequestSchema>>;
