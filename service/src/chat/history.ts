import type { HistoryTurn } from "../answer/answer-generator.ts";
import type { StoredMessage } from "../db/conversation-store.ts";
import { estimateTokens } from "../text/tokens.ts";

/**
 * The latest turns of a conversation that fit in `tokenBudget`, oldest first. Whole turns
 * only: a truncated turn misleads more than a missing one.
 */
export function historyWithinBudget(messages: readonly StoredMessage[], tokenBudget: number): HistoryTurn[] {
  const turns: HistoryTurn[] = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.content.trim() === "") continue;
    const cost = estimateTokens(m.content);
    if (used + cost > tokenBudget) break;
    used += cost;
    turns.unshift({ role: m.role, content: m.content });
  }
  // Gemini expects the conversation to open with a user turn.
  while (turns[0]?.role === "assistant") turns.shift();
  return turns;
}
