// How long the emulated model thinks before its first token, and how many output tokens the
// thinking spends, from the request's generationConfig.thinkingConfig as Google's thinking
// docs describe it: Gemini 2.5 models take thinkingBudget and think by default (dynamic
// thinking) unless it is 0 (Flash and Flash-Lite only; Pro cannot stop thinking); Gemini 3.x
// models take one of the levels the model lists (docs/platform-facts.md: thinking levels per
// model), minimal being as good as off. Sending both fields is a 400, and so is a level to a
// 2.5 model, a level the model does not list, or a frequency or presence penalty to a 3.x
// model. The delay is a fraction of the profile's full thinking time, the tokens the same
// fraction of FULL_THINKING_TOKENS, and they count against maxOutputTokens.
// Test code, never shipped.
import { errorBody, type GeminiErrorBody } from "./errors.ts";
import type { KnownModel } from "./models.ts";

/** A budget of this many tokens or more thinks as long as dynamic thinking does. */
const FULL_BUDGET = 8_192;
/** Thinking tokens of a request that thinks fully (dynamic, level high); a budget spends itself. */
const FULL_THINKING_TOKENS = 8_192;
const LEVELS: Record<string, number> = { minimal: 0, low: 0.25, medium: 0.5, high: 1 };

export type Thinking = { ok: true; share: number; tokens: number } | { ok: false; error: GeminiErrorBody };

type ThinkingConfig = { thinkingBudget?: unknown; thinkingLevel?: unknown };
type GenerationConfig = { thinkingConfig?: ThinkingConfig; maxOutputTokens?: unknown; presencePenalty?: unknown; frequencyPenalty?: unknown };

const generationConfigOf = (request: unknown) => (request as { generationConfig?: GenerationConfig } | undefined)?.generationConfig ?? {};

const thought = (share: number): Thinking => ({ ok: true, share, tokens: Math.round(share * FULL_THINKING_TOKENS) });

/** The share (0 to 1) of the full thinking time this request thinks and its thinking tokens, or its 400. */
export function thinkingOf(model: KnownModel, request: unknown): Thinking {
  const generationConfig = generationConfigOf(request);
  const config = generationConfig.thinkingConfig ?? {};
  const budget = config.thinkingBudget;
  const level = config.thinkingLevel;
  const spec = model.thinking;
  const invalid = (message: string): Thinking => ({ ok: false, error: errorBody(400, message) });
  if (budget !== undefined && level !== undefined) return invalid("You can only set only one of thinking budget and thinking level.");
  if (model.sampling === false && (generationConfig.presencePenalty !== undefined || generationConfig.frequencyPenalty !== undefined)) {
    return invalid(`Penalty is not enabled for models/${model.info.baseModelId}`);
  }
  if (level !== undefined) {
    if (spec?.kind !== "level") return invalid("Thinking level is not supported for this model.");
    const name = typeof level === "string" ? level.toLowerCase() : undefined;
    const share = name === undefined ? undefined : LEVELS[name];
    if (share === undefined) return invalid(`Invalid thinking level: ${String(level)}`);
    if (!spec.levels.includes(name!)) return invalid(`Thinking level ${name!.toUpperCase()} is not supported for models/${model.info.baseModelId}.`);
    return thought(share);
  }
  if (budget === undefined || budget === -1) return thought(spec?.kind === "level" ? (LEVELS[spec.default] ?? 1) : 1); // the model's default
  if (typeof budget !== "number" || !Number.isInteger(budget) || budget < -1) return invalid(`The thinking budget (${String(budget)}) is invalid.`);
  if (budget === 0) {
    if (spec?.kind === "budget" && spec.least > 0) return invalid("Budget 0 is invalid. This model only works in thinking mode.");
    return { ok: true, share: 0, tokens: 0 };
  }
  return { ok: true, share: Math.min(1, budget / FULL_BUDGET), tokens: Math.min(budget, FULL_THINKING_TOKENS) };
}

/**
 * The answer's pieces as far as maxOutputTokens lets them go after the thinking, and how the
 * answer ends: MAX_TOKENS, with no text at all when the thinking spent the whole cap.
 */
export function fitToOutputCap(
  pieces: string[],
  thinkingTokens: number,
  request: unknown,
  tokensOf: (text: string) => number,
): { pieces: string[]; thoughtsTokenCount: number; finishReason: "STOP" | "MAX_TOKENS" } {
  const cap = generationConfigOf(request).maxOutputTokens;
  if (typeof cap !== "number" || !Number.isInteger(cap) || cap <= 0) return { pieces, thoughtsTokenCount: thinkingTokens, finishReason: "STOP" };
  if (thinkingTokens >= cap) return { pieces: [""], thoughtsTokenCount: cap, finishReason: "MAX_TOKENS" };
  let left = cap - thinkingTokens;
  const kept: string[] = [];
  for (const piece of pieces) {
    const tokens = tokensOf(piece);
    if (tokens > left) return { pieces: kept.length > 0 ? kept : [""], thoughtsTokenCount: thinkingTokens, finishReason: "MAX_TOKENS" };
    kept.push(piece);
    left -= tokens;
  }
  return { pieces: kept, thoughtsTokenCount: thinkingTokens, finishReason: "STOP" };
}

/** For the OpenAI-compatible route: reasoning_effort "none" turns thinking off, as the docs map it. */
export function openAiThinkingShare(request: unknown): number {
  const effort = (request as { reasoning_effort?: unknown } | undefined)?.reasoning_effort;
  if (effort === "none") return 0;
  return typeof effort === "string" ? (LEVELS[effort] ?? 1) : 1;
}
