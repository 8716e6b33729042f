import type { z } from "zod";
import { AppError } from "../errors.ts";

/** Parses a request body with a zod schema; a failure is a 400 naming each offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new AppError("invalid_request", "The request body must be a JSON object (Content-Type: application/json).");
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map((i) => i.message);
    throw new AppError("invalid_request", problems.join("; "));
  }
  return result.data;
}
