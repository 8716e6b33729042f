import { normalizeFile, type EvalTurn } from "./question-set.ts";

/** What the pipeline retrieved for one turn, scored against the expected page. */
export interface TurnScore {
  /** Rank of the first expected page among the distinct pages retrieved, from 1; null when absent. */
  rank: number | null;
  hitAt1: boolean;
  hitAtK: boolean;
  reciprocalRank: number;
  /** For a question the book does not cover: true when nothing was retrieved. */
  silent: boolean;
}

/**
 * Ranks pages, not passages: two passages of one page count once, at the better place,
 * since the reader is sent to a page.
 */
export function scoreTurn(turn: EvalTurn, retrievedFiles: readonly string[], k: number): TurnScore {
  const pages = [...new Set(retrievedFiles.map(normalizeFile))];
  if (turn.expected === null) {
    return { rank: null, hitAt1: false, hitAtK: false, reciprocalRank: 0, silent: pages.length === 0 };
  }
  const index = pages.findIndex((page) => turn.expected!.includes(page));
  const rank = index === -1 ? null : index + 1;
  return {
    rank,
    hitAt1: rank === 1,
    hitAtK: rank !== null && rank <= k,
    reciprocalRank: rank === null ? 0 : 1 / rank,
    silent: pages.length === 0,
  };
}

export interface ScoredTurn {
  followUp: boolean;
  expected: string[] | null;
  score: TurnScore;
}

export interface Totals {
  /** Turns with an expected page. */
  answerable: number;
  hitAt1: number;
  hitAtK: number;
  mrr: number;
  /** Second turns with an expected page, and the share of them found in the top k (and first). */
  followUps: number;
  followUpHitRate: number;
  followUpHitAt1: number;
  /** Turns the book does not cover, and the share answered with no passage at all. */
  outOfScope: number;
  silenceRate: number;
}

export function totals(turns: readonly ScoredTurn[]): Totals {
  const answerable = turns.filter((t) => t.expected !== null);
  const followUps = answerable.filter((t) => t.followUp);
  const outOfScope = turns.filter((t) => t.expected === null);
  const share = (list: readonly ScoredTurn[], pick: (t: ScoredTurn) => number) =>
    list.length === 0 ? 0 : round(list.reduce((sum, t) => sum + pick(t), 0) / list.length);
  return {
    answerable: answerable.length,
    hitAt1: share(answerable, (t) => Number(t.score.hitAt1)),
    hitAtK: share(answerable, (t) => Number(t.score.hitAtK)),
    mrr: share(answerable, (t) => t.score.reciprocalRank),
    followUps: followUps.length,
    followUpHitRate: share(followUps, (t) => Number(t.score.hitAtK)),
    followUpHitAt1: share(followUps, (t) => Number(t.score.hitAt1)),
    outOfScope: outOfScope.length,
    silenceRate: share(outOfScope, (t) => Number(t.score.silent)),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
