import { pageTitle } from "../book/page-title.ts";
import { pageUrl, type BookLocation } from "../book/page-url.ts";
import type { Database } from "../db/database.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import type { VectorStore } from "../retrieval/vector-store.ts";
import { daysOf, type Period } from "./period.ts";
import { groupQuestions, type QuestionGroup } from "./question-groups.ts";
import { citedPages, countsByDay, downVotes, uncoveredQuestions, weakestAnswers, type DayCounts, type DownVote, type WeakAnswer } from "./report-queries.ts";

export interface PageRef {
  file: string;
  title: string;
  url: string;
}

/** What the author of the book learns from a period of readers' questions. No reader is named in it. */
export interface AuthorReport {
  period: Period;
  generatedAt: string;
  totals: Omit<DayCounts, "day">;
  days: DayCounts[];
  /** Questions answered from no passage, grouped by wording, most asked first. */
  notCovered: QuestionGroup[];
  grouping: { embedder: string; similarity: number };
  votedDown: DownVote[];
  lowestSimilarity: WeakAnswer[];
  /** Pages the period's answers cited, most cited first. */
  mostCited: Array<PageRef & { answers: number }>;
  /** Pages the store holds that no answer of the period cited. */
  neverCited: PageRef[];
}

export interface ReportOptions {
  db: Database;
  store: VectorStore;
  embedder: Embedder;
  book: BookLocation;
  period: Period;
  /** Least cosine similarity for two wordings to be one question. */
  groupSimilarity: number;
  /** Rows of the lists that could be long (down votes, weakest answers). */
  limit?: number;
  now?: Date;
  signal?: AbortSignal;
}

export async function buildAuthorReport(options: ReportOptions): Promise<AuthorReport> {
  const { db, period } = options;
  const limit = options.limit ?? 20;
  const [counts, uncovered, votedDown, lowestSimilarity, cited, pages] = await Promise.all([
    countsByDay(db, period),
    uncoveredQuestions(db, period),
    downVotes(db, period, limit),
    weakestAnswers(db, period, limit),
    citedPages(db, period),
    options.store.listPages(),
  ]);
  const days = daysOf(period).map((day) => ({ day, asked: 0, answeredFromBook: 0, notCovered: 0, votedUp: 0, votedDown: 0, ...counts.get(day) }));
  const totals = { asked: 0, answeredFromBook: 0, notCovered: 0, votedUp: 0, votedDown: 0 };
  for (const day of days) for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += day[key];

  const stored = new Map(pages.map((p) => [p.file_path, p]));
  const ref = (file: string, title?: string | null): PageRef => {
    const page = stored.get(file);
    return { file, title: page?.title ?? title ?? pageTitle(file), url: page?.url ?? pageUrl(options.book, file) };
  };
  const citedFiles = new Set(cited.map((c) => c.file));
  return {
    period,
    generatedAt: (options.now ?? new Date()).toISOString(),
    totals,
    days,
    notCovered: await groupQuestions(uncovered, options.embedder, options.groupSimilarity, options.signal),
    grouping: { embedder: options.embedder.model, similarity: options.groupSimilarity },
    votedDown,
    lowestSimilarity,
    mostCited: cited.map((c) => ({ ...ref(c.file, c.title), answers: c.answers })),
    neverCited: pages.filter((p) => !citedFiles.has(p.file_path)).map((p) => ref(p.file_path)),
  };
}
