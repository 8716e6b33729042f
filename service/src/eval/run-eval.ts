import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { migrate } from "../db/migrate.ts";
import { openDatabase } from "../db/open-database.ts";
import { createPgliteDatabase } from "../db/pglite.ts";
import { buildDependencies, createEmbedder } from "../dependencies.ts";
import { ingestDocs, type IngestSummary } from "../ingest/ingest.ts";
import { createLogger } from "../logger.ts";
import { createVectorStore } from "../retrieval/create-vector-store.ts";
import type { VectorStore } from "../retrieval/vector-store.ts";
import { scoreTurn, totals, type ScoredTurn, type Totals, type TurnScore } from "./metrics.ts";
import { normalizeFile, QuestionSetError, type EvalQuestion } from "./question-set.ts";

export interface TurnResult extends TurnScore {
  /** "q3" for a single question or a first turn, "q3.2" for its follow-up. */
  id: string;
  ask: string;
  expected: string[] | null;
  followUp: boolean;
  /** What the passages were searched with (a follow-up made standalone). */
  searchQuery: string;
  /** The best passage's similarity: where a relevance threshold would cut (null when none was kept). */
  topSimilarity: number | null;
  /** Distinct pages retrieved, best first. */
  retrieved: string[];
  /** Time to store the question and retrieve its passages (the work before the answer streams). */
  retrievalMs: number;
}

export interface EvalReport {
  setup: { store: string; collection: string; embedder: string; generator: string; rewriter: string; k: number; ingest: IngestSummary | null };
  turns: TurnResult[];
  totals: Totals;
}

export interface EvalOptions {
  config: Config;
  questions: EvalQuestion[];
  /** A docs folder to ingest first; when absent, the sample book in embedded mode. */
  docsDir?: string | undefined;
  signal?: AbortSignal;
}

/**
 * Runs each question through the chat service as the API would: in a conversation of its
 * own, with its follow-up asked after the first answer was written and stored. Conversations
 * go to a throwaway in-memory database, never to the configured one. The vector store is
 * the configured one (Qdrant, pgvector in DATABASE_URL's Postgres), or, fully embedded,
 * pgvector in that same throwaway database with the sample book ingested.
 */
export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const { config, questions } = options;
  const signal = options.signal ?? new AbortController().signal;
  const scratch = await createPgliteDatabase(undefined);
  let storeDb: Database | undefined;
  try {
    await migrate(scratch);
    const embedded = config.vectorStore.kind === "pgvector" && config.databaseUrl === undefined;
    if (config.vectorStore.kind === "pgvector") storeDb = embedded ? scratch : await openDatabase(config, { role: "npm run eval" });
    const store = createVectorStore(config, storeDb);
    const docsDir = options.docsDir ?? (embedded ? config.sampleDocsDir : undefined);
    const ingest = docsDir
      ? await ingestDocs({ docsDir, embedder: createEmbedder(config, "ingest"), store, book: config, signal })
      : null;

    await checkExpectedPages(questions, store);

    const logger = createLogger({ level: "silent", secrets: config.secrets });
    const deps = await buildDependencies(config, logger, { db: scratch, store });
    const k = config.retrievalTopK;
    const turns: TurnResult[] = [];
    for (const question of questions) {
      let conversationId: string | undefined;
      for (const [index, turn] of question.turns.entries()) {
        signal.throwIfAborted();
        const started = performance.now();
        const prepared = await deps.chat.prepare({ message: turn.ask, mode: "general", context: undefined, conversation_id: conversationId }, signal);
        if (!prepared.ok) throw prepared.error;
        const retrievalMs = performance.now() - started;
        conversationId = prepared.conversationId;
        // Only a turn with a follow-up needs its answer: the follow-up reads it as history.
        if (index + 1 < question.turns.length) {
          const outcome = await deps.chat.answer(prepared, signal, { text: () => {}, delivered: async () => true });
          signal.throwIfAborted();
          if (outcome.kind === "failed" || outcome.kind === "client_gone" || outcome.kind === "shutting_down") throw outcome.error;
        }
        const retrieved = [...new Set(prepared.sources.map((s) => s.file))];
        turns.push({
          id: index === 0 ? question.id : `${question.id}.${index + 1}`,
          ask: turn.ask,
          expected: turn.expected,
          followUp: index > 0,
          searchQuery: prepared.searchQuery,
          topSimilarity: prepared.sources.length === 0 ? null : Math.max(...prepared.sources.map((s) => s.similarity)),
          retrieved,
          retrievalMs: Math.round(retrievalMs * 10) / 10,
          ...scoreTurn(turn, retrieved, k),
        });
      }
    }
    const scored: ScoredTurn[] = turns.map((t) => ({ followUp: t.followUp, expected: t.expected, score: t }));
    return {
      setup: { store: store.kind, collection: store.collection, embedder: deps.embedder.model, generator: deps.generator.model, rewriter: deps.rewriter.kind, k, ingest },
      turns,
      totals: totals(scored),
    };
  } finally {
    if (storeDb && storeDb !== scratch) await storeDb.close().catch(() => undefined);
    await scratch.close().catch(() => undefined);
  }
}

/** A page the store does not hold is a typo in the set: say so rather than score a miss. */
async function checkExpectedPages(questions: readonly EvalQuestion[], store: VectorStore): Promise<void> {
  const stored = new Set((await store.listPoints()).map((p) => normalizeFile(p.file_path)));
  if (stored.size === 0) throw new QuestionSetError(`The ${store.kind} collection ${store.collection} is empty: ingest the book first, or pass --docs.`);
  const unknown = new Set(questions.flatMap((q) => q.turns.flatMap((t) => t.expected ?? [])).filter((file) => !stored.has(file)));
  if (unknown.size > 0) throw new QuestionSetError(`Expected page(s) not in the collection: ${[...unknown].join(", ")}. Name pages by their path under the docs folder.`);
}
