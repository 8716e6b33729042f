import type { Config } from "../config.ts";
import type { Database } from "../db/database.ts";
import { PgvectorStore } from "./pgvector-store.ts";
import { QdrantStore } from "./qdrant-store.ts";
import type { VectorStore } from "./vector-store.ts";

/**
 * Qdrant when configured (the production store), else pgvector in the service's own
 * database. `db` may be left out for Qdrant (the ingest CLI then opens no database).
 */
export function createVectorStore(config: Pick<Config, "vectorStore">, db?: Database): VectorStore {
  const { kind, qdrantUrl, qdrantApiKey, collection } = config.vectorStore;
  if (kind === "qdrant") {
    // loadConfig refuses qdrant without a URL; this guards callers that build a Config by hand.
    if (!qdrantUrl) throw new Error("QDRANT_URL is required when VECTOR_STORE is qdrant");
    return new QdrantStore({ url: qdrantUrl, apiKey: qdrantApiKey, collection });
  }
  if (!db) throw new Error("the pgvector store needs a database");
  return new PgvectorStore({ db, collection });
}
