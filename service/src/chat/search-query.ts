import type { HistoryTurn } from "../answer/answer-generator.ts";

/**
 * Makes a follow-up's search query standalone. "How do I switch to it?" finds nothing on
 * its own words; the conversation says what "it" is. The query only steers retrieval: the
 * model is still asked the reader's own question.
 */
export interface QueryRewriter {
  /** "rule", or the model that rewrites. */
  readonly kind: string;
  rewrite(question: string, history: readonly HistoryTurn[], signal: AbortSignal): Promise<string>;
}

// Words that point back at something said before, and openings that continue a thought.
const BACK_REFERENCES = new Set(["it", "its", "itself", "they", "them", "their", "this", "that", "these", "those", "there", "he", "she", "one", "ones", "former", "latter", "same"]);
const CONTINUATIONS = /^\s*(and|but|also|so|then|what about|how about|and if|what if|why not|or)\b/i;
// A question this short ("Do they overlap?", "Why?") rarely stands alone.
const FEW_WORDS = 3;
// Earlier questions joined at most: a long chain drifts to older topics.
const MAX_EARLIER = 2;

/** Whether a question leans on earlier turns: it points back, continues, or is very short. */
export function leansOnHistory(question: string): boolean {
  const words = question.toLowerCase().match(/[\p{L}\p{N}_'-]+/gu) ?? [];
  if (CONTINUATIONS.test(question)) return true;
  if (words.some((w) => BACK_REFERENCES.has(w.replace(/'s$/, "")))) return true;
  return words.length <= FEW_WORDS;
}

/**
 * The rule used without a model: a question that leans on history is searched together with
 * the reader's earlier questions, back to the first one that stood on its own (two at most).
 * The answers are left out: they repeat the passages already found, not the reader's intent.
 */
export function ruleQuery(question: string, history: readonly HistoryTurn[]): string {
  if (!leansOnHistory(question)) return question;
  const earlier: string[] = [];
  for (let i = history.length - 1; i >= 0 && earlier.length < MAX_EARLIER; i--) {
    const turn = history[i]!;
    if (turn.role !== "user") continue;
    earlier.unshift(turn.content);
    if (!leansOnHistory(turn.content)) break;
  }
  return earlier.length === 0 ? question : [...earlier, question].join("\n");
}

export class RuleRewriter implements QueryRewriter {
  readonly kind = "rule";
  async rewrite(question: string, history: readonly HistoryTurn[]): Promise<string> {
    return ruleQuery(question, history);
  }
}
