// How long the emulated model thinks before its first token, from the request's
// generationConfig.thinkingConfig as Google's thinking docs describe it: Gemini 2.5 models
// think by default (dynamic thinking) unless thinkingBudget is 0 (Flash and Flash-Lite only;
// Pro cannot stop thinking); Gemini 3 models take thinkingLevel (minimal, low, medium, high;
// default high), minimal being as good as off. Sending both fields is a 400, and so is a
// thinkingLevel to a 2.5 model. The delay is a fraction of the profile's full thinking time.
// Test code, never shipped.
import { errorBody, type GeminiErrorBody } from "./errors.ts";

/** A budget of this many tokens or more thinks as long as dynamic thinking does. */
const FULL_BUDGET = 8_192;
const LEVELS: Record<string, number> = { minimal: 0, low: 0.25, medium: 0.5, high: 1 };

export type Thinking = { ok: true; share: number } | { ok: false; error: GeminiErrorBody };

type ThinkingConfig = { thinkingBudget?: unknown; thinkingLevel?: unknown };

/** The share (0 to 1) of the full thinking time this request thinks, or its 400. */
export function thinkingOf(model: string, request: unknown): Thinking {
  const generationConfig = (request as { generationConfig?: { thinkingConfig?: ThinkingConfig } } | undefined)?.generationConfig;
  const config = generationConfig?.thinkingConfig ?? {};
  const budget = config.thinkingBudget;
  const level = config.thinkingLevel;
  const invalid = (message: string): Thinking => ({ ok: false, error: errorBody(400, message) });
  if (budget !== undefined && level !== undefined) return invalid("You can only set only one of thinking budget and thinking level.");
  const gemini3 = model.startsWith("gemini-3");
  if (level !== undefined) {
    if (!gemini3) return invalid("Thinking level is not supported for this model.");
    const share = typeof level === "string" ? LEVELS[level.toLowerCase()] : undefined;
    return share === undefined ? invalid(`Invalid thinking level: ${String(level)}`) : { ok: true, share };
  }
  if (budget === undefined || budget === -1) return { ok: true, share: 1 }; // dynamic thinking, the default
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < -1) return invalid(`The thinking budget (${String(budget)}) is invalid.`);
  if (budget === 0) {
    if (model.includes("-pro")) return invalid("Budget 0 is invalid. This model only works in thinking mode.");
    return { ok: true, share: 0 };
  }
  return { ok: true, share: Math.min(1, budget / FULL_BUDGET) };
}

/** For the OpenAI-compatible route: reasoning_effort "none" turns thinking off, as the docs map it. */
export function openAiThinkingShare(request: unknown): number {
  const effort = (request as { reasoning_effort?: unknown } | undefined)?.reasoning_effort;
  if (effort === "none") return 0;
  return typeof effort === "string" ? (LEVELS[effort] ?? 1) : 1;
}
