/**
 * List prices of the Gemini API (the Developer API's paid tier, Standard: not Batch, Flex or
 * Priority), in US dollars per million tokens of text; the output price covers thinking
 * tokens too, which Gemini bills as output. Prompts over 200k tokens cost more on some
 * models; a chat's prompt is far below that.
 *
 * Source: https://ai.google.dev/gemini-api/docs/pricing, as quoted word for word in a
 * transcription of that page dated 2026-10-07; read here 2026-12-03. Prices change: check
 * the page before relying on a figure.
 */
export const PRICING_SOURCE = "https://ai.google.dev/gemini-api/docs/pricing";
export const PRICES_READ = "2026-12-03";

export interface ModelPrice {
  inputPerMillion: number;
  outputPerMillion: number;
  /** Said when the figure is not the page's own, or holds only until a date. */
  note?: string;
}

export const GEMINI_PRICES: Readonly<Record<string, ModelPrice>> = {
  "gemini-3.8-flash": { inputPerMillion: 0.75, outputPerMillion: 3.75, note: "through 2026-12-31; $1.50 and $7.50 from 2027-01-01" },
  "gemini-3.5-flash": { inputPerMillion: 1.5, outputPerMillion: 9.0 },
  "gemini-3.5-flash-lite": { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  // Not in the stored copy of the page; two price tables of third parties agree on it.
  "gemini-3.6-flash": { inputPerMillion: 1.5, outputPerMillion: 7.5, note: "not verified on Google's page" },
  "gemini-2.5-flash": { inputPerMillion: 0.3, outputPerMillion: 2.5 },
  "gemini-2.5-flash-lite": { inputPerMillion: 0.1, outputPerMillion: 0.4 },
};

/** US dollars for these tokens at the model's list price; undefined for a model without one here. */
export function costOf(model: string, tokens: { input: number; output: number; thinking: number }): number | undefined {
  const price = GEMINI_PRICES[model.replace(/^models\//, "")];
  if (price === undefined) return undefined;
  return (tokens.input * price.inputPerMillion + (tokens.output + tokens.thinking) * price.outputPerMillion) / 1_000_000;
}
