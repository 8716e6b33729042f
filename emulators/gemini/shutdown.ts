// Models Google has shut down, and models it routes to another: what the Gemini emulator
// answers for them. A shut-down model answers every call, models.get included, with the
// real API's 404 NOT_FOUND; a routed one answers, with the other model's modelVersion.
// Test code, never shipped.
import { errorBody, type GeminiErrorBody } from "./errors.ts";

// docs/platform-facts.md: Gemini 2.5 Flash and Pro are gone; 2.0 Flash shut down in June 2026.
export const SHUT_DOWN_MODELS: readonly string[] = [
  "gemini-2.5-flash",
  "gemini-2.5-pro",
  "gemini-2.0-flash",
  "gemini-2.0-flash-001",
  "gemini-2.0-flash-lite",
  "gemini-2.0-flash-lite-001",
];

/** The 404 of a shut-down model, worded as the real API words it (it names no replacement). */
export function shutDownBody(model: string): GeminiErrorBody {
  return errorBody(404, `This model models/${model} is no longer available. Please update your code to use a newer model for the latest features and improvements.`);
}
