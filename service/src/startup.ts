import { setTimeout as sleep } from "node:timers/promises";
import { migrate, SchemaTooNewError } from "./db/migrate.ts";
import { isEmbedded, type Dependencies } from "./dependencies.ts";
import { ingestDocs } from "./ingest/ingest.ts";

/**
 * What happens after the server listens: migrations (retried until the database answers,
 * so a Postgres outage at boot heals without a restart), the sample corpus in embedded
 * mode, a check of the collection against the embedder, then ready.
 */
export async function startUp(deps: Dependencies, signal: AbortSignal): Promise<void> {
  const { logger, readiness } = deps;
  for (let attempt = 1; ; attempt++) {
    try {
      await migrate(deps.db, { log: logger });
      break;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof SchemaTooNewError) {
        // Retrying cannot help, and writing to a schema this code does not know could corrupt it.
        readiness.refuse(err.message);
        logger.error({ databaseSchema: err.databaseVersion, codeSchema: err.codeVersion }, err.message);
        return;
      }
      const delayMs = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
      readiness.setStartupProblem(`Waiting for the database (attempt ${attempt}): migrations could not run.`);
      logger.warn({ err, attempt, retryInMs: delayMs }, "migrations failed; retrying");
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
    }
  }

  if (isEmbedded(deps.config) && deps.config.sampleDocsDir) {
    try {
      const summary = await ingestDocs({ docsDir: deps.config.sampleDocsDir, embedder: deps.embedder, store: deps.store, docsBaseUrl: deps.config.docsBaseUrl, signal });
      logger.info({ ingest: summary }, "sample corpus ingested");
    } catch (err) {
      logger.error({ err }, "sample corpus could not be ingested; chat will find no passages");
    }
  }

  try {
    const info = await deps.store.info();
    if (info.vectorSize !== null && info.vectorSize !== deps.embedder.dimensions) {
      logger.warn({ collection: info.collection, vectorSize: info.vectorSize, embedderDimensions: deps.embedder.dimensions }, "vector size mismatch: re-ingest the book");
    } else if (info.embeddingModel !== null && info.embeddingModel !== deps.embedder.model) {
      logger.warn({ collection: info.collection, stored: info.embeddingModel, configured: deps.embedder.model }, "embedding model mismatch: re-ingest the book");
    }
  } catch (err) {
    logger.warn({ err }, "vector store not reachable at start-up");
  }
  readiness.markReady();
  logger.info("ready");
}
