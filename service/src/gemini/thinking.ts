/**
 * What each Gemini model family accepts, in one table: how it is told to think (a budget in
 * tokens on 2.5, a level on 3.x, each with the values it lists) and whether it still takes
 * sampling parameters. Thinking models think by default, which delays a reader's first token
 * by seconds; a docs assistant quoting passages gains little from it. A request carrying a
 * field or value the model does not take is refused (400), so the fields are chosen here,
 * once, from the model's name; a model this table does not know gets no optional field at all.
 */

const THINKING_LEVELS = ["minimal", "low", "medium", "high"] as const;
export type ThinkingLevel = (typeof THINKING_LEVELS)[number];

/** GEMINI_THINKING: `off` (the least the model allows), `dynamic` (its own default), a budget in tokens (2.5) or a level (3.x). */
export type ThinkingSetting = { kind: "off" } | { kind: "dynamic" } | { kind: "budget"; tokens: number } | { kind: "level"; level: ThinkingLevel };

/** generationConfig.thinkingConfig: exactly one of the two fields. */
export type ThinkingConfig = { thinkingBudget: number } | { thinkingLevel: ThinkingLevel };

export interface ModelFamily {
  name: string;
  thinking: { kind: "budget"; least: number } | { kind: "level"; levels: readonly ThinkingLevel[]; default: ThinkingLevel };
  /** temperature, topP, topK: still taken (2.5), or deprecated and not sent (3.x). */
  sampling: boolean;
}

const LEVELS_WITH_MINIMAL = ["minimal", "low", "medium", "high"] as const;
const LEVELS_FROM_LOW = ["low", "medium", "high"] as const;

// docs/platform-facts.md: thinking levels per model; sampling parameters deprecated for 3.x since 2026-07-21.
const FAMILIES: ReadonlyArray<{ models: RegExp; family: ModelFamily }> = [
  { models: /^gemini-2\.5-flash(-lite)?(-preview-[\w-]+)?$/, family: { name: "2.5 Flash", thinking: { kind: "budget", least: 0 }, sampling: true } },
  { models: /^gemini-2\.5-pro(-preview-[\w-]+)?$/, family: { name: "2.5 Pro", thinking: { kind: "budget", least: 128 }, sampling: true } },
  {
    models: /^gemini-3\.(7|8)-flash$/,
    family: { name: "3.x Flash, low to high", thinking: { kind: "level", levels: LEVELS_FROM_LOW, default: "medium" }, sampling: false },
  },
  {
    models: /^gemini-3\.(5|6)-flash$/,
    family: { name: "3.x Flash, minimal to high", thinking: { kind: "level", levels: LEVELS_WITH_MINIMAL, default: "medium" }, sampling: false },
  },
  {
    models: /^gemini-3\.(1|5)-flash-lite(-preview)?$/,
    family: { name: "3.x Flash-Lite", thinking: { kind: "level", levels: LEVELS_WITH_MINIMAL, default: "minimal" }, sampling: false },
  },
  {
    models: /^gemini-3-flash-preview$/,
    family: { name: "3 Flash preview", thinking: { kind: "level", levels: LEVELS_WITH_MINIMAL, default: "high" }, sampling: false },
  },
  { models: /^gemini-3\.1-pro-preview$/, family: { name: "3.1 Pro", thinking: { kind: "level", levels: LEVELS_FROM_LOW, default: "high" }, sampling: false } },
  { models: /^gemini-3-pro-preview$/, family: { name: "3 Pro", thinking: { kind: "level", levels: ["low", "high"], default: "high" }, sampling: false } },
];

// The largest thinking budget of any 2.5 model (Pro's).
const MAX_BUDGET = 32_768;

/** The model's family, or undefined for a model this table does not know (it then gets no optional parameter). */
export function modelFamily(model: string): ModelFamily | undefined {
  const name = model.replace(/^models\//, "").toLowerCase();
  return FAMILIES.find((f) => f.models.test(name))?.family;
}

/** Parses GEMINI_THINKING; a message saying what is expected when it is malformed. */
export function parseThinking(raw: string | undefined): ThinkingSetting | { error: string } {
  const value = (raw ?? "off").trim().toLowerCase();
  if (value === "off") return { kind: "off" };
  if (value === "dynamic") return { kind: "dynamic" };
  if ((THINKING_LEVELS as readonly string[]).includes(value)) return { kind: "level", level: value as ThinkingLevel };
  if (/^\d+$/.test(value) && Number(value) <= MAX_BUDGET) return { kind: "budget", tokens: Number(value) };
  return { error: `must be off, dynamic, a thinking budget from 0 to ${MAX_BUDGET} tokens (Gemini 2.5) or one of ${THINKING_LEVELS.join(", ")} (Gemini 3.x)` };
}

/**
 * The thinkingConfig to send with `model`, or undefined to send none (`dynamic`, or a model
 * the table does not know). Throws a message for a setting the model cannot take.
 *
 * `off` is the least each model allows: budget 0 on 2.5 Flash and Flash-Lite, 128 on 2.5
 * Pro (which cannot stop thinking), the first level the model lists on 3.x (`minimal`, or
 * `low` on 3.7 and 3.8 Flash and the Pro models).
 */
export function thinkingConfig(model: string, setting: ThinkingSetting): ThinkingConfig | undefined {
  const family = modelFamily(model);
  if (setting.kind === "dynamic") return undefined;
  if (family === undefined) {
    if (setting.kind === "off") return undefined;
    throw new Error(`${model} is not a model this service knows the thinking settings of: leave GEMINI_THINKING unset (off) or set it to dynamic`);
  }
  const { thinking } = family;
  if (thinking.kind === "budget") {
    if (setting.kind === "off") return { thinkingBudget: thinking.least };
    if (setting.kind === "level") throw new Error(`${model} takes a thinking budget in tokens, not a level`);
    if (setting.tokens < thinking.least) throw new Error(`${model} cannot think less than ${thinking.least} tokens`);
    return { thinkingBudget: setting.tokens };
  }
  if (setting.kind === "off") return { thinkingLevel: thinking.levels[0]! };
  if (setting.kind === "budget") throw new Error(`${model} takes a thinking level (${thinking.levels.join(", ")}), not a budget`);
  if (!thinking.levels.includes(setting.level)) throw new Error(`${model} takes the thinking levels ${thinking.levels.join(", ")} only`);
  return { thinkingLevel: setting.level };
}

/** Whether `model` still takes temperature (the 2.5 family); 3.x and unknown models get none. */
export function takesSampling(model: string): boolean {
  return modelFamily(model)?.sampling ?? false;
}

// Google gives no token figure for a thinking level, and a level may still think on a hard
// prompt: a cap this much above the text lets the thinking through. The cap only bounds a
// call that is cut at its first line anyway, so a generous reserve costs nothing.
const LEVEL_THINKING_RESERVE = 8_192;

/**
 * Output tokens the thinking of a call with this config may spend: they count against
 * maxOutputTokens (docs/platform-facts.md: thinking counts against maxOutputTokens), so a
 * cap must leave them room or the answer comes back empty with MAX_TOKENS.
 */
export function thinkingReserve(config: ThinkingConfig): number {
  return "thinkingBudget" in config ? config.thinkingBudget : LEVEL_THINKING_RESERVE;
}
