/**
 * Token estimate used for budgets (chunk size, history). Google documents about four
 * characters per Gemini token for English; counting exactly would need a round trip to
 * countTokens per text, which a budget does not warrant.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
