import type { HistoryTurn } from "../answer/answer-generator.ts";
import { isAbortError } from "../errors.ts";

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

/** A model asked to make a follow-up standalone. It only asks: when to ask, and what stands in, is decided here. */
export interface QueryModel {
  /** The model's name, reported as the rewriter's kind. */
  readonly name: string;
  /** The model's query for the follow-up, possibly empty; throws when the call fails or `signal` aborts. */
  standaloneQuery(question: string, history: readonly HistoryTurn[], signal: AbortSignal): Promise<string>;
}

export interface RewriteLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

// A search query is a line, not an answer.
const MAX_QUERY_CHARS = 300;

/**
 * The search query of every question. One that stands on its own is searched as asked, at no
 * cost. A follow-up is made standalone by the model when there is one ("How do I switch to
 * it?" after a question on pgvector becomes "How do I switch to pgvector?"); without one, or
 * when its call fails, outlasts `timeoutMs` or gives no usable line, the rule stands in: the
 * search goes on, a little less precise. A `timeoutMs` of 0 leaves follow-ups to the rule.
 */
export class SearchQueryRewriter implements QueryRewriter {
  readonly kind: string;
  readonly #model: QueryModel | undefined;
  readonly #timeoutMs: number;
  readonly #log: RewriteLog | undefined;

  constructor(options: { model?: QueryModel | undefined; timeoutMs?: number; log?: RewriteLog } = {}) {
    const timeoutMs = options.timeoutMs ?? 0;
    this.#model = timeoutMs > 0 ? options.model : undefined;
    this.kind = this.#model?.name ?? "rule";
    this.#timeoutMs = timeoutMs;
    this.#log = options.log;
  }

  async rewrite(question: string, history: readonly HistoryTurn[], signal: AbortSignal): Promise<string> {
    if (history.length === 0 || !leansOnHistory(question)) return question;
    if (this.#model === undefined) return ruleQuery(question, history);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let query: string;
    try {
      query = await this.#model.standaloneQuery(question, history, AbortSignal.any([signal, timeout]));
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const reason = timeout.aborted ? "timeout" : isAbortError(err) ? "aborted" : "error";
      this.#log?.warn({ reason, timeoutMs: this.#timeoutMs }, "query rewrite failed; the rule stands in");
      return ruleQuery(question, history);
    }
    return query.length > 0 && query.length <= MAX_QUERY_CHARS ? query : ruleQuery(question, history);
  }
}
