import path from "node:path";
import { z } from "zod";
import { normalizeRouteBasePath } from "./book/page-url.ts";
import { secretValuesOf } from "./secrets.ts";
import { parseThinking, thinkingConfig, type ThinkingSetting } from "./gemini/thinking.ts";
import { telemetryConfig, type TelemetryConfig } from "./telemetry/telemetry-config.ts";

/**
 * Every setting the service reads, from the environment, once, at start-up. Anything not
 * set falls back to an embedded default, so `npm start` works with no cloud account; any
 * single variable switches its part to the real service. In production (NODE_ENV=production,
 * as the Space runs it) the cloud services are required instead.
 */

/** The generation model when GEMINI_MODEL is unset. */
export const DEFAULT_GEMINI_MODEL = "gemini-3.5-flash-lite";

const LOG_LEVELS = { trace: "trace", debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error", fatal: "fatal", silent: "silent" } as const;

const intFrom = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const isPostgresUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === "postgres:" || url.protocol === "postgresql:") && url.hostname !== "";
  } catch {
    return false;
  }
};
const isHttpUrl = (value: string) => {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
};

// Messages name the variable and what is expected, never the value: values may be secrets.
const envSchema = z.object({
  NODE_ENV: z.string().default("development"),
  PORT: intFrom(7860, 0, 65535),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z
    .string()
    .default("INFO")
    .transform((v) => v.trim().toLowerCase())
    .refine((v) => v in LOG_LEVELS, "must be one of DEBUG, INFO, WARNING, ERROR (any case)")
    .transform((v) => LOG_LEVELS[v as keyof typeof LOG_LEVELS]),

  GEMINI_API_KEY: z.string().trim().min(1, "must not be empty").optional(),
  GEMINI_BASE_URL: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  // docs/platform-facts.md: gemini-3.5-flash-lite is GA with no shutdown date; it thinks least
  // (minimal, its default) and costs least of the current Flash line.
  GEMINI_MODEL: z.string().trim().min(1).default(DEFAULT_GEMINI_MODEL),
  GEMINI_THINKING: z.string().optional(),
  QUERY_REWRITE_TIMEOUT_MS: intFrom(1_500, 0, 60_000),
  EMBEDDING_MODEL: z.string().trim().min(1).optional(),
  EMBEDDING_DIMENSIONS: intFrom(768, 8, 3072),

  VECTOR_STORE: z.enum(["qdrant", "pgvector"], "must be qdrant or pgvector").optional(),
  QDRANT_URL: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  QDRANT_API_KEY: z.string().trim().min(1, "must not be empty").optional(),
  QDRANT_COLLECTION: z.string().trim().min(1).default("docusaurus-book"),

  DATABASE_URL: z.string().refine(isPostgresUrl, "must be a postgres:// or postgresql:// URL").optional(),
  DATABASE_TRANSPORT: z.enum(["auto", "tcp", "websocket"], "must be auto, tcp or websocket").default("auto"),
  DATA_DIR: z.string().default(".data"),

  ALLOWED_ORIGINS: z.string().default("http://localhost:3000,http://127.0.0.1:3000"),
  DOCS_BASE_URL: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  DOCS_ROUTE_BASE_PATH: z
    .string()
    .default("/docs")
    .refine((v) => /^\/?[\w\-./~%]*$/.test(v.trim()), "must be a path such as /docs or /")
    .transform(normalizeRouteBasePath),
  SAMPLE_DOCS_DIR: z.string().optional(),

  RETRIEVAL_TOP_K: intFrom(5, 1, 50),
  RELEVANCE_THRESHOLD: z.coerce.number().min(-1, "must be from -1 to 1").max(1, "must be from -1 to 1").optional(),
  HISTORY_TOKEN_BUDGET: intFrom(2000, 0, 100_000),
  SELECTION_MAX_CHARS: intFrom(8000, 100, 100_000),
  RATE_LIMIT_PER_MINUTE: intFrom(20, 0, 100_000),
  ANSWER_RATE_LIMIT_PER_MINUTE: intFrom(60, 0, 100_000),
  MCP_RATE_LIMIT_PER_MINUTE: intFrom(60, 0, 100_000),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
  KEEPALIVE_MS: intFrom(15_000, 50, 600_000),
  SSE_WRITE_TIMEOUT_MS: intFrom(15_000, 100, 600_000),
  HEALTH_CACHE_MS: intFrom(5_000, 0, 600_000),
  // Under Docker's 10 s between SIGTERM and SIGKILL.
  SHUTDOWN_TIMEOUT_MS: intFrom(8_000, 0, 600_000),
  GENERATION_TIMEOUT_MS: intFrom(120_000, 1_000, 3_600_000),
});

export interface Config {
  production: boolean;
  port: number;
  host: string;
  logLevel: string;
  gemini: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    /** How much the model thinks before answering or rewriting (checked against the model's family). */
    thinking: ThinkingSetting;
    /** Longest wait for a follow-up's rewritten search query before the rule stands in; 0: the rule only. */
    rewriteTimeoutMs: number;
  };
  embedding: {
    /** "gemini" when a Gemini key is set, else the deterministic local embedder. */
    provider: "gemini" | "local";
    model: string;
    dimensions: number;
  };
  vectorStore: {
    kind: "qdrant" | "pgvector";
    qdrantUrl: string | undefined;
    qdrantApiKey: string | undefined;
    collection: string;
  };
  /** Postgres URL, or undefined for the embedded PGlite database in `dataDir`. */
  databaseUrl: string | undefined;
  /** How Postgres is reached: its TCP port, or a WebSocket on 443 (Neon's serverless driver). */
  databaseTransport: "tcp" | "websocket";
  dataDir: string;
  allowedOrigins: string[];
  /** The book site's URL; sources' `url` are then absolute. */
  docsBaseUrl: string | undefined;
  /** Where the book serves its docs: "/docs" by default, "/" with routeBasePath '/'. */
  docsRouteBasePath: string;
  /** Docs folder ingested at start into an empty embedded store; undefined (SAMPLE_DOCS_DIR=off) to skip. */
  sampleDocsDir: string | undefined;
  retrievalTopK: number;
  /** Least cosine similarity a passage needs to be used; below it for every passage, the book does not cover the question. */
  relevanceThreshold: number;
  historyTokenBudget: number;
  selectionMaxChars: number;
  rateLimitPerMinute: number;
  /** Stops and votes (/api/answers/...) per minute per client address: a budget apart from questions'. */
  answerRateLimitPerMinute: number;
  /** MCP calls (/mcp) per minute per client address: a budget of their own. */
  mcpRateLimitPerMinute: number;
  trustProxyHops: number;
  keepAliveMs: number;
  /** How long an answer's stream waits for a reader that stopped taking it. */
  sseWriteTimeoutMs: number;
  healthCacheMs: number;
  shutdownTimeoutMs: number;
  generationTimeoutMs: number;
  /** METRICS_TOKEN and where traces go (OTEL_*). */
  telemetry: TelemetryConfig;
  /** Values that must never appear in a log line or a response. */
  secrets: string[];
}

export const LOCAL_EMBEDDING_MODEL = "local-hash-v1";

/**
 * Similarities live on each model's own scale. The local embedder's is the exact cosine of the
 * words a question and a passage share (its vectors' hash collisions left out), measured with
 * npm run eval on three books (the sample, pino's and undici's docs, service/eval-sets/): at
 * 0.15 every plainly unrelated question is silent but one that shares a word with the book
 * ("sea level" in a book of log levels, 0.23), and no answerable question loses its page; 0.18
 * already costs the sample book a page in twenty. Gemini's is a cautious guess, not measured
 * here (no key offline), meant to cut only what is plainly unrelated: measure your book, with
 * `expect: none` questions, and set RELEVANCE_THRESHOLD.
 */
export function defaultRelevanceThreshold(embeddingModel: string): number {
  return embeddingModel === LOCAL_EMBEDDING_MODEL ? 0.15 : 0.45;
}

/**
 * `auto` takes the WebSocket for a Neon host when running on a Space (which sets SPACE_ID):
 * a Space reaches only ports 80, 443 and 8080, never Postgres' 5432, and Neon answers
 * WebSockets on 443. Elsewhere, and for any other host, Postgres' own TCP.
 * docs/platform-facts.md: Space networking; Neon and Postgres.
 */
function databaseTransport(setting: "auto" | "tcp" | "websocket", databaseUrl: string | undefined, onSpace: boolean): "tcp" | "websocket" {
  if (setting !== "auto") return setting;
  const host = databaseUrl ? new URL(databaseUrl).hostname : "";
  return onSpace && /(^|\.)neon\.tech$/.test(host) ? "websocket" : "tcp";
}

export class ConfigError extends Error {
  readonly code = "config_invalid";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Reads and validates the environment. Throws ConfigError naming every offending variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, defaults: { sampleDocsDir?: string } = {}): Config {
  // Treat empty strings as unset: a blank variable in a Space or a .env means "not configured".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ""));
  const parsed = envSchema.safeParse(cleaned);
  // Malformed values and missing ones are reported together, so one start names them all.
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
  const production = cleaned.NODE_ENV === "production";
  // Read from the raw values, so a malformed VECTOR_STORE (already a problem) still lets
  // the required variables be checked.
  const usesQdrant = (cleaned.VECTOR_STORE ?? (cleaned.QDRANT_URL || production ? "qdrant" : "pgvector")) === "qdrant";
  if (production) {
    const required = ["GEMINI_API_KEY", "DATABASE_URL"];
    if (usesQdrant) required.push("QDRANT_URL", "QDRANT_API_KEY");
    for (const name of required) if (cleaned[name] === undefined) problems.push(`${name} is required in production`);
  } else if (usesQdrant && cleaned.QDRANT_URL === undefined) {
    problems.push("QDRANT_URL is required when VECTOR_STORE is qdrant");
  }
  const thinking = parseThinking(cleaned.GEMINI_THINKING);
  if ("error" in thinking) problems.push(`GEMINI_THINKING ${thinking.error}`);
  else {
    try {
      thinkingConfig(cleaned.GEMINI_MODEL ?? DEFAULT_GEMINI_MODEL, thinking);
    } catch (err) {
      problems.push(`GEMINI_THINKING does not suit GEMINI_MODEL: ${(err as Error).message}`);
    }
  }
  const telemetry = telemetryConfig(cleaned, problems);
  if (!parsed.success || problems.length > 0 || "error" in thinking) throw new ConfigError(problems);
  const e = parsed.data;

  const provider = e.GEMINI_API_KEY ? "gemini" : "local";
  const embeddingModel = e.EMBEDDING_MODEL ?? (provider === "gemini" ? "gemini-embedding-001" : LOCAL_EMBEDDING_MODEL);
  const sampleDocs = e.SAMPLE_DOCS_DIR ?? defaults.sampleDocsDir;
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    gemini: { apiKey: e.GEMINI_API_KEY, baseUrl: e.GEMINI_BASE_URL, model: e.GEMINI_MODEL, thinking, rewriteTimeoutMs: e.QUERY_REWRITE_TIMEOUT_MS },
    embedding: {
      provider,
      model: embeddingModel,
      dimensions: e.EMBEDDING_DIMENSIONS,
    },
    vectorStore: {
      kind: usesQdrant ? "qdrant" : "pgvector",
      qdrantUrl: e.QDRANT_URL,
      qdrantApiKey: e.QDRANT_API_KEY,
      collection: e.QDRANT_COLLECTION,
    },
    databaseUrl: e.DATABASE_URL,
    databaseTransport: databaseTransport(e.DATABASE_TRANSPORT, e.DATABASE_URL, cleaned.SPACE_ID !== undefined),
    dataDir: path.resolve(e.DATA_DIR),
    allowedOrigins: e.ALLOWED_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
    docsBaseUrl: e.DOCS_BASE_URL,
    docsRouteBasePath: e.DOCS_ROUTE_BASE_PATH,
    sampleDocsDir: sampleDocs === undefined || sampleDocs.toLowerCase() === "off" ? undefined : sampleDocs,
    retrievalTopK: e.RETRIEVAL_TOP_K,
    relevanceThreshold: e.RELEVANCE_THRESHOLD ?? defaultRelevanceThreshold(embeddingModel),
    historyTokenBudget: e.HISTORY_TOKEN_BUDGET,
    selectionMaxChars: e.SELECTION_MAX_CHARS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    answerRateLimitPerMinute: e.ANSWER_RATE_LIMIT_PER_MINUTE,
    mcpRateLimitPerMinute: e.MCP_RATE_LIMIT_PER_MINUTE,
    // A Space's container sees an internal proxy address, the client's in X-Forwarded-For
    // (README, "Behind the Space's proxy"); one hop is the value no client can forge.
    trustProxyHops: e.TRUST_PROXY_HOPS ?? (production ? 1 : 0),
    keepAliveMs: e.KEEPALIVE_MS,
    sseWriteTimeoutMs: e.SSE_WRITE_TIMEOUT_MS,
    healthCacheMs: e.HEALTH_CACHE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    generationTimeoutMs: e.GENERATION_TIMEOUT_MS,
    telemetry,
    secrets: secretValuesOf(cleaned).map((s) => s.value),
  };
}
