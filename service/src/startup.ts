import { setTimeout as sleep } from "node:timers/promises";
import { migrate, SchemaTooNewError } from "./db/migrate.ts";
import { isEmbedded, type Dependencies } from "./dependencies.ts";
import { ingestDocs } from "./ingest/ingest.ts";

/**
 * What happens after the server listens: migrations (retried until the database answers,
 * so a Postgres outage at boot heals without a restart), the sample corpus in embedded
 * mode when the store is empty, a check of the collection against the embedder, then ready.
 * Resolves with the book the store holds (undefined when aborted).
 */
export async function startUp(deps: Dependencies, signal: AbortSignal): Promise<BookSummary | null | undefined> {
  const { logger, readiness } = deps;
  // Beside the migrations, and awaited before ready, so health never says healthy for a
  // model Google no longer serves; a 429 or a network error does not hold start-up.
  const modelsChecked = deps.modelCheck?.run(signal).catch((err: unknown) => logger.warn({ err }, "Gemini model check failed"));
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(deps.db, { log: logger });
      break;
    } catch (err) {
      if (signal.aborted) return undefined;
      if (err instanceof SchemaTooNewError) {
        // Retrying cannot help, and writing to a schema this code does not know could corrupt it.
        readiness.refuse(err.message);
        logger.error({ databaseSchema: err.databaseVersion, codeSchema: err.codeVersion }, err.message);
        return undefined;
      }
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      readiness.setStartupProblem(`Waiting for the database (attempt ${attempt}): migrations could not run.`);
      logger.warn({ err, attempt, retryInMs: delayMs }, "migrations failed; retrying");
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return undefined;
    }
  }

  const stored = await seedAndCheck(deps, signal);
  // Not awaited: a slow Qdrant must not hold readiness; health shows the mode once known.
  void prepareSearch(deps);
  await modelsChecked;
  if (signal.aborted) return undefined;
  readiness.markReady();
  // Counting the files lists every point: after ready, so a large collection delays nothing.
  const book = stored && (await countFiles(deps, stored));
  logger.info({ book }, "ready");
  return book;
}

/** What the store holds when the service becomes ready: the banner's "book" line. */
export interface BookSummary {
  files: number;
  chunks: number;
  /** Embedding model of the stored chunks; null when none are stored. */
  model: string | null;
  /** The sample book's folder, when this start seeded it into an empty store. */
  seededFrom?: string;
}

/**
 * Seeds the sample book when the store is empty (embedded mode only) and warns when the
 * stored vectors do not fit the embedder. A store that holds anything is left as it is: it
 * is the book someone ingested. Null when the store does not answer.
 */
async function seedAndCheck(deps: Dependencies, signal: AbortSignal): Promise<Omit<BookSummary, "files"> | null> {
  const { logger, store, embedder } = deps;
  try {
    let info = await store.info();
    let seededFrom: string | undefined;
    const sample = deps.config.sampleDocsDir;
    if (info.pointCount === 0 && sample && isEmbedded(deps.config)) {
      try {
        const summary = await ingestDocs({ docsDir: sample, embedder, store, book: deps.config, signal });
        logger.info({ ingest: summary, docsDir: sample }, "the store was empty: sample book ingested");
        seededFrom = sample;
        info = await store.info();
      } catch (err) {
        if (signal.aborted) return null;
        logger.error({ err }, "sample book could not be ingested; chat will find no passages");
      }
    }
    if (info.vectorSize !== null && info.vectorSize !== embedder.dimensions) {
      logger.warn({ collection: info.collection, vectorSize: info.vectorSize, embedderDimensions: embedder.dimensions }, "vector size mismatch: re-ingest the book");
    } else if (info.embeddingModel !== null && info.embeddingModel !== embedder.model) {
      logger.warn({ collection: info.collection, stored: info.embeddingModel, configured: embedder.model }, "embedding model mismatch: re-ingest the book");
    }
    return { chunks: info.pointCount, model: info.embeddingModel, ...(seededFrom ? { seededFrom } : {}) };
  } catch (err) {
    logger.warn({ err }, "vector store not reachable at start-up");
    return null;
  }
}

/** Gives the store what hybrid search needs (Qdrant's text indexes) and logs, once, the search mode in force. */
async function prepareSearch(deps: Dependencies): Promise<void> {
  const { store, logger } = deps;
  if (!store.prepareSearch) return;
  try {
    const mode = await store.prepareSearch();
    if (mode.created) logger.info({ collection: store.collection, indexes: mode.created }, "created the text indexes hybrid search needs");
    if (mode.hybrid) logger.info({ collection: store.collection, searchMode: "hybrid" }, "search mode: hybrid (vectors and words, fused)");
    else logger.warn({ collection: store.collection, searchMode: "vector", reason: mode.reason }, "search mode: vectors alone");
  } catch (err) {
    logger.warn({ err }, "could not prepare hybrid search at start-up; search mode unknown until the first question");
  }
}

async function countFiles(deps: Dependencies, stored: Omit<BookSummary, "files">): Promise<BookSummary | null> {
  try {
    const files = stored.chunks === 0 ? 0 : new Set((await deps.store.listPoints()).map((p) => p.file_path)).size;
    return { files, ...stored };
  } catch (err) {
    deps.logger.warn({ err }, "vector store not reachable at start-up");
    return null;
  }
}
