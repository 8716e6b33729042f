import { z } from "zod";

export const FEEDBACK_REASON_MAX_CHARS = 500;

/**
 * PUT /api/answers/{answer_id}/feedback body. The reason's limit counts the characters sent
 * (what the API description says); it is stored trimmed, and a blank one as none. `null` is
 * accepted for the optional reason, as the chat body accepts it for its optional fields.
 */
export const feedbackRequestSchema = z.object({
  vote: z.enum(["up", "down"], { error: 'vote must be "up" or "down"' }).meta({ description: "The reader's verdict on the answer." }),
  reason: z
    .string({ error: "reason must be a string" })
    .max(FEEDBACK_REASON_MAX_CHARS, `reason must be at most ${FEEDBACK_REASON_MAX_CHARS} characters`)
    .refine((r) => !r.includes("\u0000"), "reason must not contain NUL characters")
    .nullish()
    .meta({ description: `Why, in the reader's words (at most ${FEEDBACK_REASON_MAX_CHARS} characters, trimmed; blank is none).` })
    .transform((r) => (r === undefined || r === null || r.trim() === "" ? null : r.trim())),
});

export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>;
