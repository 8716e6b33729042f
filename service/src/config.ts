import path from "node:path";
import { z } from "zod";
import { normalizeRouteBasePath } from "./book/page-url.ts";

/**
 * Every setting the service reads, from the environment, once, at start-up. Anything not
 * set falls back to an embedded default, so `npm start` works with no cloud account; any
 * single variable switches its part to the real service. In production (NODE_ENV=production,
 * as the Space runs it) the cloud services are required instead.
 */

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
  GEMINI_MODEL: z.string().trim().min(1).default("gemini-2.5-flash"),
  EMBEDDING_MODEL: z.string().trim().min(1).optional(),
  EMBEDDING_DIMENSIONS: intFrom(768, 8, 3072),

  VECTOR_STORE: z.enum(["qdrant", "pgvector"], "must be qdrant or pgvector").optional(),
  QDRANT_URL: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  QDRANT_API_KEY: z.string().trim().min(1, "must not be empty").optional(),
  QDRANT_COLLECTION: z.string().trim().min(1).default("docusaurus-book"),

  DATABASE_URL: z.string().refine(isPostgresUrl, "must be a postgres:// or postgresql:// URL").optional(),
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
  HISTORY_TOKEN_BUDGET: intFrom(2000, 0, 100_000),
  SELECTION_MAX_CHARS: intFrom(8000, 100, 100_000),
  RATE_LIMIT_PER_MINUTE: intFrom(20, 0, 100_000),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
  KEEPALIVE_MS: intFrom(15_000, 50, 600_000),
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
  gemini: { apiKey: string | undefined; baseUrl: string | undefined; model: string };
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
  dataDir: string;
  allowedOrigins: string[];
  /** The book site's URL; sources' `url` are then absolute. */
  docsBaseUrl: string | undefined;
  /** Where the book serves its docs: "/docs" by default, "/" with routeBasePath '/'. */
  docsRouteBasePath: string;
  /** Docs folder ingested at start into an empty embedded store; undefined (SAMPLE_DOCS_DIR=off) to skip. */
  sampleDocsDir: string | undefined;
  retrievalTopK: number;
  historyTokenBudget: number;
  selectionMaxChars: number;
  rateLimitPerMinute: number;
  trustProxyHops: number;
  keepAliveMs: number;
  healthCacheMs: number;
  shutdownTimeoutMs: number;
  generationTimeoutMs: number;
  /** Values that must never appear in a log line or a response. */
  secrets: string[];
}

export const LOCAL_EMBEDDING_MODEL = "local-hash-v1";

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
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;

  const provider = e.GEMINI_API_KEY ? "gemini" : "local";
  const sampleDocs = e.SAMPLE_DOCS_DIR ?? defaults.sampleDocsDir;
  return {
    production,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    gemini: { apiKey: e.GEMINI_API_KEY, baseUrl: e.GEMINI_BASE_URL, model: e.GEMINI_MODEL },
    embedding: {
      provider,
      model: e.EMBEDDING_MODEL ?? (provider === "gemini" ? "gemini-embedding-001" : LOCAL_EMBEDDING_MODEL),
      dimensions: e.EMBEDDING_DIMENSIONS,
    },
    vectorStore: {
      kind: usesQdrant ? "qdrant" : "pgvector",
      qdrantUrl: e.QDRANT_URL,
      qdrantApiKey: e.QDRANT_API_KEY,
      collection: e.QDRANT_COLLECTION,
    },
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    allowedOrigins: e.ALLOWED_ORIGINS.split(",").map((o) => o.trim()).filter(Boolean),
    docsBaseUrl: e.DOCS_BASE_URL,
    docsRouteBasePath: e.DOCS_ROUTE_BASE_PATH,
    sampleDocsDir: sampleDocs === undefined || sampleDocs.toLowerCase() === "off" ? undefined : sampleDocs,
    retrievalTopK: e.RETRIEVAL_TOP_K,
    historyTokenBudget: e.HISTORY_TOKEN_BUDGET,
    selectionMaxChars: e.SELECTION_MAX_CHARS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    // The Space's proxy appends the client address to X-Forwarded-For: trust that one hop only.
    trustProxyHops: e.TRUST_PROXY_HOPS ?? (production ? 1 : 0),
    keepAliveMs: e.KEEPALIVE_MS,
    healthCacheMs: e.HEALTH_CACHE_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    generationTimeoutMs: e.GENERATION_TIMEOUT_MS,
    secrets: secretValues(e),
  };
}

function secretValues(e: { GEMINI_API_KEY?: string | undefined; QDRANT_API_KEY?: string | undefined; DATABASE_URL?: string | undefined }): string[] {
  const values = [e.GEMINI_API_KEY, e.QDRANT_API_KEY, e.DATABASE_URL];
  if (e.DATABASE_URL) {
    const password = new URL(e.DATABASE_URL).password;
    if (password) values.push(password, decodeURIComponent(password));
  }
  // Very short values would scrub ordinary words from logs; real secrets are long.
  return [...new Set(values.filter((v): v is string => typeof v === "string" && v.length >= 6))];
}
