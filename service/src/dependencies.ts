import { runningBundleHash } from "./bundle-manifest.ts";
import type { Config } from "./config.ts";
import type { Logger } from "./logger.ts";
import { ActiveStreams } from "./chat/active-streams.ts";
import { PassageSearch } from "./chat/passage-search.ts";
import { OpenAnswers } from "./chat/open-answers.ts";
import { ChatService } from "./chat/chat-service.ts";
import { SearchQueryRewriter, type QueryRewriter } from "./chat/search-query.ts";
import { ConversationStore } from "./db/conversation-store.ts";
import type { Database } from "./db/database.ts";
import { FeedbackStore } from "./db/feedback-store.ts";
import { openDatabase } from "./db/open-database.ts";
import type { Embedder } from "./embeddings/embedder.ts";
import { LocalEmbedder } from "./embeddings/local-embedder.ts";
import { GeminiStatus } from "./health/gemini-status.ts";
import { HealthService } from "./health/health-service.ts";
import { Readiness } from "./health/readiness.ts";
import type { AnswerGenerator, TokenUsage } from "./answer/answer-generator.ts";
import { ExtractiveGenerator } from "./answer/extractive-generator.ts";
import { GeminiEmbedder } from "./gemini/embedder.ts";
import { GeminiGenerator } from "./gemini/generator.ts";
import { GeminiModelCheck } from "./gemini/model-check.ts";
import { GeminiQueryModel } from "./gemini/query-model.ts";
import { GeminiStreamClient } from "./gemini/stream-client.ts";
import { BookTools } from "./mcp/book-tools.ts";
import { createVectorStore } from "./retrieval/create-vector-store.ts";
import { createMetrics, NO_METRICS, type MetricsRegistry } from "./telemetry/metrics.ts";
import type { VectorStore } from "./retrieval/vector-store.ts";
import type { AppDependencies } from "./app.ts";

/** Every long-lived object of the process: the composition root's output. */
export interface Dependencies extends AppDependencies {
  config: Config;
  db: Database;
  embedder: Embedder;
  store: VectorStore;
  generator: AnswerGenerator;
  rewriter: QueryRewriter;
  /** Start-up's check that Gemini serves the configured models; undefined without a key. */
  modelCheck: GeminiModelCheck | undefined;
}

/**
 * Parts a test may supply itself (an in-memory database, an emulator-backed store), and
 * whether spans are recorded (server.ts says so once tracing has started).
 */
export type DependencyOverrides = Partial<Pick<Dependencies, "db" | "embedder" | "store" | "generator" | "rewriter" | "tracing">>;

export async function buildDependencies(config: Config, logger: Logger, overrides: DependencyOverrides = {}): Promise<Dependencies> {
  const db = overrides.db ?? (await openDatabase(config, { logger, role: "the server (npm start)" }));
  const embedder = overrides.embedder ?? createEmbedder(config);
  const store = overrides.store ?? createVectorStore(config, db);
  const streams = new ActiveStreams();
  // Kept only when /metrics is served: without METRICS_TOKEN nothing is counted.
  const token = config.telemetry.metricsToken;
  const scraped: MetricsRegistry | undefined = token ? await createMetrics({ streamsOpen: () => streams.size }) : undefined;
  const metrics = scraped?.metrics ?? NO_METRICS;
  const geminiStatus = new GeminiStatus();
  // One Gemini client (one connection pool) serves answers and rewrites.
  const onModelVersion = (model: string, served: string) => {
    if (geminiStatus.recordServedModel(model, served)) logger.warn({ model, served }, "Gemini answers the configured model with another: Google routes this name to a newer model");
  };
  const onUsage = scraped ? (usage: TokenUsage) => metrics.countTokens(usage) : undefined;
  const gemini = config.gemini.apiKey ? new GeminiStreamClient({ apiKey: config.gemini.apiKey, baseUrl: config.gemini.baseUrl, onUsage, onModelVersion }) : undefined;
  const generator =
    overrides.generator ?? (gemini ? new GeminiGenerator({ client: gemini, model: config.gemini.model, thinking: config.gemini.thinking }) : new ExtractiveGenerator());
  const rewriter =
    overrides.rewriter ??
    new SearchQueryRewriter({
      model: gemini && new GeminiQueryModel({ client: gemini, model: config.gemini.model, thinking: config.gemini.thinking }),
      timeoutMs: config.gemini.rewriteTimeoutMs,
      log: logger,
    });

  const conversations = new ConversationStore(db);
  const checked = [
    ...(overrides.generator ? [] : [{ model: config.gemini.model, variable: "GEMINI_MODEL" }]),
    ...(!overrides.embedder && config.embedding.provider === "gemini" ? [{ model: config.embedding.model, variable: "EMBEDDING_MODEL" }] : []),
  ];
  const modelCheck =
    config.gemini.apiKey && checked.length > 0
      ? new GeminiModelCheck({ apiKey: config.gemini.apiKey, baseUrl: config.gemini.baseUrl, models: checked, status: geminiStatus, log: logger })
      : undefined;
  const readiness = new Readiness();
  const chat = new ChatService({
    conversations,
    embedder,
    store,
    generator,
    rewriter,
    geminiStatus,
    metrics,
    settings: config,
  });
  const health = new HealthService({ db, store, embedder, generator, geminiStatus, readiness, cacheMs: config.healthCacheMs, version: runningBundleHash() });

  return {
    config,
    logger,
    db,
    embedder,
    store,
    generator,
    rewriter,
    modelCheck,
    chat,
    conversations,
    feedback: new FeedbackStore(db),
    bookTools: new BookTools({ passages: new PassageSearch({ embedder, store, settings: config }), store, book: config }),
    health,
    readiness,
    streams,
    answers: new OpenAnswers(),
    tracing: overrides.tracing ?? false,
    metrics,
    metricsScrape: scraped && token ? { registry: scraped.registry, token } : undefined,
    settings: config,
  };
}

/**
 * Gemini when a key is configured, else the deterministic local embedder. A reader waiting
 * on a question is not kept for long retries: past a couple of seconds the quota error is
 * reported with its Retry-After. Ingest runs unattended and waits as long as the server asks.
 */
export function createEmbedder(config: Pick<Config, "embedding" | "gemini">, purpose: "query" | "ingest" = "query"): Embedder {
  const { provider, model, dimensions } = config.embedding;
  if (provider === "gemini" && config.gemini.apiKey) {
    const patience = purpose === "query" ? { maxAttempts: 3, maxDelayMs: 2_000 } : {};
    return new GeminiEmbedder({ apiKey: config.gemini.apiKey, baseUrl: config.gemini.baseUrl, model, dimensions, ...patience });
  }
  return new LocalEmbedder({ dimensions });
}

/** True when tables and vectors live in the embedded PGlite database (no cloud account). */
export function isEmbedded(config: Pick<Config, "databaseUrl" | "vectorStore">): boolean {
  return config.databaseUrl === undefined && config.vectorStore.kind === "pgvector";
}
