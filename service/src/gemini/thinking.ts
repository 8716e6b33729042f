/**
 * How much a Gemini model thinks before it answers. Thinking models (2.5, 3) think by
 * default, which delays a reader's first token by seconds; a docs assistant quoting passages
 * gains little from it. The two families are told in two different fields, and a request
 * carrying both is refused (400), so the field is chosen here, once, from the model's name.
 */

const THINKING_LEVELS = ["minimal", "low", "medium", "high"] as const;
export type ThinkingLevel = (typeof THINKING_LEVELS)[number];

/** GEMINI_THINKING: `off` (the least the model allows), `dynamic` (its own default), a budget in tokens (2.5) or a level (3). */
export type ThinkingSetting = { kind: "off" } | { kind: "dynamic" } | { kind: "budget"; tokens: number } | { kind: "level"; level: ThinkingLevel };

/** generationConfig.thinkingConfig: exactly one of the two fields. */
export type ThinkingConfig = { thinkingBudget: number } | { thinkingLevel: ThinkingLevel };

type Family = "2.5-flash" | "2.5-pro" | "3-flash" | "3-pro" | "none";

// The largest thinking budget of any 2.5 model (Pro's).
const MAX_BUDGET = 32_768;

function familyOf(model: string): Family {
  const name = model.replace(/^models\//, "").toLowerCase();
  const pro = /-pro\b/.test(name);
  if (/^gemini-2\.5-/.test(name)) return pro ? "2.5-pro" : "2.5-flash";
  if (/^gemini-3(\.\d+)?-/.test(name)) return pro ? "3-pro" : "3-flash";
  return "none";
}

/** Parses GEMINI_THINKING; a message saying what is expected when it is malformed. */
export function parseThinking(raw: string | undefined): ThinkingSetting | { error: string } {
  const value = (raw ?? "off").trim().toLowerCase();
  if (value === "off") return { kind: "off" };
  if (value === "dynamic") return { kind: "dynamic" };
  if ((THINKING_LEVELS as readonly string[]).includes(value)) return { kind: "level", level: value as ThinkingLevel };
  if (/^\d+$/.test(value) && Number(value) <= MAX_BUDGET) return { kind: "budget", tokens: Number(value) };
  return { error: `must be off, dynamic, a thinking budget from 0 to ${MAX_BUDGET} tokens (Gemini 2.5) or one of ${THINKING_LEVELS.join(", ")} (Gemini 3)` };
}

/**
 * The thinkingConfig to send with `model`, or undefined to send none (a model without
 * thinking, or `dynamic`). Throws a message for a setting the model's family cannot take.
 *
 * `off` is the least each model allows: budget 0 on 2.5 Flash and Flash-Lite, 128 on 2.5
 * Pro (which cannot stop thinking), level `minimal` on Gemini 3 Flash, `low` on 3 Pro.
 */
export function thinkingConfig(model: string, setting: ThinkingSetting): ThinkingConfig | undefined {
  const family = familyOf(model);
  if (family === "none" || setting.kind === "dynamic") return undefined;
  if (setting.kind === "off") {
    if (family === "2.5-flash") return { thinkingBudget: 0 };
    if (family === "2.5-pro") return { thinkingBudget: 128 };
    return { thinkingLevel: family === "3-flash" ? "minimal" : "low" };
  }
  if (setting.kind === "budget") {
    if (!family.startsWith("2.5")) throw new Error(`${model} takes a thinking level (${THINKING_LEVELS.join(", ")}), not a budget`);
    if (family === "2.5-pro" && setting.tokens < 128) throw new Error(`${model} cannot think less than 128 tokens`);
    return { thinkingBudget: setting.tokens };
  }
  if (!family.startsWith("3")) throw new Error(`${model} takes a thinking budget in tokens, not a level`);
  if (family === "3-pro" && (setting.level === "minimal" || setting.level === "medium")) throw new Error(`${model} takes the thinking levels low and high only`);
  return { thinkingLevel: setting.level };
}
