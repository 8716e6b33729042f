import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { ActiveStreams } from "./chat/active-streams.ts";
import { ChatService } from "./chat/chat-service.ts";
import { ConversationStore } from "./db/conversation-store.ts";
import type { Database } from "./db/database.ts";
import { openDatabase } from "./db/open-database.ts";
import { createEmbedder } from "./embeddings/create-embedder.ts";
import type { Embedder } from "./embeddings/embedder.ts";
import { GeminiStatus } from "./health/gemini-status.ts";
import { HealthService } from "./health/health-service.ts";
import { Readiness } from "./health/readiness.ts";
import type { AnswerGenerator } from "./answer/answer-generator.ts";
import { ExtractiveGenerator } from "./answer/extractive-generator.ts";
import { GeminiGenerator } from "./gemini/generator.ts";
import { createVectorStore } from "./retrieval/create-vector-store.ts";
import type { VectorStore } from "./retrieval/vector-store.ts";
import type { AppDependencies } from "./app.ts";

/** Every long-lived object of the process: the composition root's output. */
export interface Dependencies extends AppDependencies {
  config: Config;
  db: Database;
  embedder: Embedder;
  store: VectorStore;
  generator: AnswerGenerator;
}

/** Parts a test may supply itself (an in-memory database, an emulator-backed store). */
export type DependencyOverrides = Partial<Pick<Dependencies, "db" | "embedder" | "store" | "generator">>;

export async function buildDependencies(config: Config, logger: Logger, overrides: DependencyOverrides = {}): Promise<Dependencies> {
  const db = overrides.db ?? (await openDatabase(config, { logger, role: "the server (npm start)" }));
  const embedder = overrides.embedder ?? createEmbedder(config);
  const store = overrides.store ?? createVectorStore(config, db);
  const generator =
    overrides.generator ??
    (config.gemini.apiKey
      ? new GeminiGenerator({ apiKey: config.gemini.apiKey, model: config.gemini.model, baseUrl: config.gemini.baseUrl })
      : new ExtractiveGenerator());

  const conversations = new ConversationStore(db);
  const geminiStatus = new GeminiStatus();
  const readiness = new Readiness();
  const chat = new ChatService({
    conversations,
    embedder,
    store,
    generator,
    geminiStatus,
    settings: config,
  });
  const health = new HealthService({ db, store, embedder, generator, geminiStatus, readiness, cacheMs: config.healthCacheMs });

  return {
    config,
    logger,
    db,
    embedder,
    store,
    generator,
    chat,
    conversations,
    health,
    readiness,
    streams: new ActiveStreams(),
    settings: config,
  };
}

/** True when tables and vectors live in the embedded PGlite database (no cloud account). */
export function isEmbedded(config: Pick<Config, "databaseUrl" | "vectorStore">): boolean {
  return config.databaseUrl === undefined && config.vectorStore.kind === "pgvector";
}
