import type { Database } from "../db/database.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import type { AnswerGenerator } from "../answer/answer-generator.ts";
import type { VectorStore } from "../retrieval/vector-store.ts";
import type { GeminiStatus } from "./gemini-status.ts";
import type { Readiness } from "./readiness.ts";
import { isTimeout, timeoutMessage } from "../http/unreachable.ts";

export type Status = "starting" | "healthy" | "degraded" | "unhealthy";

export interface ServiceHealth {
  status: "healthy" | "degraded" | "unhealthy";
  message?: string;
  [key: string]: unknown;
}

export interface HealthReport {
  status: Status;
  services: Record<string, ServiceHealth>;
  timestamp: string;
  /** The hash of the bundle this process was built from, when it runs from one: how a deploy knows its build answers. */
  version?: string;
}

export interface HealthOptions {
  db: Database;
  store: VectorStore;
  embedder: Embedder;
  generator: AnswerGenerator;
  geminiStatus: GeminiStatus;
  readiness: Readiness;
  cacheMs: number;
  checkTimeoutMs?: number;
  version?: string | undefined;
}

/**
 * One row of each table the service reads, at most: "select 1" succeeds on a database whose
 * tables cannot be read (a corrupt file of the embedded database), where every request fails.
 */
const TABLES_READ = `select (select 1 from conversations limit 1) as conversations,
                            (select 1 from messages limit 1) as messages,
                            (select 1 from schema_migrations limit 1) as migrations`;

/**
 * Readiness as the contract defines it, one entry per service. Results are cached for
 * `cacheMs` and concurrent callers share one check, so a flood of probes costs the
 * databases one query each per period. Gemini is never called: its state comes from traffic.
 */
export class HealthService {
  readonly #o: HealthOptions;
  #cached: { at: number; report: HealthReport } | undefined;
  #inFlight: Promise<HealthReport> | undefined;

  constructor(options: HealthOptions) {
    this.#o = options;
  }

  async report(): Promise<HealthReport> {
    const now = Date.now();
    if (this.#cached && now - this.#cached.at < this.#o.cacheMs && this.#cached.report.status !== "starting") {
      return this.#cached.report;
    }
    this.#inFlight ??= this.#check().finally(() => {
      this.#inFlight = undefined;
    });
    const report = await this.#inFlight;
    this.#cached = { at: Date.now(), report };
    return report;
  }

  async #check(): Promise<HealthReport> {
    const [postgres, vectorStore] = await Promise.all([this.#postgres(), this.#vectorStore()]);
    const gemini = this.#gemini();
    const services = { postgres, vector_store: vectorStore, gemini };
    const { readiness } = this.#o;

    let status: Status;
    if (readiness.refusal !== undefined) {
      status = "unhealthy";
      services.postgres = { ...postgres, status: "unhealthy", message: readiness.refusal };
    } else if (readiness.phase === "starting") {
      status = "starting";
      if (readiness.startupProblem) services.postgres = { ...postgres, message: readiness.startupProblem };
    } else if (readiness.phase === "shutting_down") status = "unhealthy";
    else if (Object.values(services).some((s) => s.status === "unhealthy")) status = "unhealthy";
    else if (Object.values(services).some((s) => s.status === "degraded")) status = "degraded";
    else status = "healthy";

    const { version } = this.#o;
    return { status, services, timestamp: new Date().toISOString(), ...(version ? { version } : {}) };
  }

  async #postgres(): Promise<ServiceHealth> {
    const started = performance.now();
    try {
      await this.#withTimeout(this.#o.db.query(TABLES_READ));
      return { status: "healthy", kind: this.#o.db.kind, latency_ms: Math.round(performance.now() - started) };
    } catch (err) {
      const { endpoint } = this.#o.db;
      const message = endpoint && isTimeout(err) ? `The database does not answer: ${timeoutMessage("Postgres", endpoint)}` : "The database does not answer, or cannot read its tables.";
      return { status: "unhealthy", kind: this.#o.db.kind, message };
    }
  }

  async #vectorStore(): Promise<ServiceHealth> {
    const { store, embedder } = this.#o;
    const base = { kind: store.kind, collection: store.collection };
    let info;
    try {
      info = await this.#withTimeout(store.info());
    } catch (err) {
      const message = store.endpoint && isTimeout(err) ? `The vector store does not answer: ${timeoutMessage("Qdrant", store.endpoint)}` : "The vector store does not answer.";
      return { status: "unhealthy", ...base, message };
    }
    const details = {
      ...base,
      points: info.pointCount,
      vector_size: info.vectorSize,
      embedding_model: info.embeddingModel,
      query_embedding_model: embedder.model,
      query_vector_size: embedder.dimensions,
    };
    if (!info.exists || info.pointCount === 0) {
      return { status: "degraded", ...details, message: "The collection is empty or missing: run `npm run ingest -- <docs dir>`." };
    }
    if (info.vectorSize !== embedder.dimensions) {
      return {
        status: "degraded",
        ...details,
        message: `The collection holds ${info.vectorSize}-dimension vectors but questions are embedded with ${embedder.dimensions}: re-ingest the book or set EMBEDDING_DIMENSIONS.`,
      };
    }
    if (info.embeddingModel !== null && info.embeddingModel !== embedder.model) {
      return {
        status: "degraded",
        ...details,
        message: `The collection was embedded with ${info.embeddingModel} but questions are embedded with ${embedder.model}: vectors of different models do not match, so re-ingest the book (npm run ingest).`,
      };
    }
    const mode = store.searchMode?.();
    if (mode?.hybrid === false) {
      return { status: "degraded", ...details, search: "vector", message: mode.reason ?? "Hybrid search is unavailable: search is by vector alone." };
    }
    return { status: "healthy", ...details, ...(mode ? { search: "hybrid" } : {}) };
  }

  #gemini(): ServiceHealth {
    const { generator, embedder, geminiStatus } = this.#o;
    const details = { model: generator.model, embedding_model: embedder.model };
    if (generator.model === "extractive") {
      return { status: "healthy", mode: "embedded", ...details, message: "GEMINI_API_KEY is not set: answers quote passages." };
    }
    const routed = geminiStatus.routed;
    const served = routed ? { served_model: routed.served } : {};
    const models = geminiStatus.models;
    const missing = models.find((m) => m.answer.kind === "not_served");
    if (missing?.answer.kind === "not_served") {
      const instead = missing.answer.replacement ? `; the API names ${missing.answer.replacement} instead` : "";
      return {
        status: "unhealthy",
        mode: "gemini",
        ...details,
        message: `Gemini does not serve the model ${missing.model} (${missing.variable})${instead}: set ${missing.variable} to a model Google serves today. Gemini said: ${missing.answer.message}`,
      };
    }
    const refused = models.find((m) => m.answer.kind === "refused");
    if (refused?.answer.kind === "refused") {
      return { status: "unhealthy", mode: "gemini", ...details, message: `Gemini refused GEMINI_API_KEY when asked for ${refused.model}: ${refused.answer.message}` };
    }
    const unverified = models.find((m) => m.answer.kind === "unverified");
    if (unverified?.answer.kind === "unverified") {
      return { status: "degraded", mode: "gemini", ...details, ...served, message: `Could not yet check that Gemini serves ${unverified.model} (${unverified.variable}): ${unverified.answer.reason}. Asking again.` };
    }
    const since = geminiStatus.quotaExceededAt;
    if (since) {
      return { status: "degraded", mode: "gemini", ...details, ...served, message: "Gemini answered 429 (quota exhausted) since " + since.toISOString() };
    }
    if (routed) {
      return { status: "healthy", mode: "gemini", ...details, ...served, message: `Gemini answers ${routed.configured} with ${routed.served}: Google routes this name to another model; set GEMINI_MODEL to the model you mean.` };
    }
    return { status: "healthy", mode: "gemini", ...details };
  }

  #withTimeout<T>(promise: Promise<T>): Promise<T> {
    const ms = this.#o.checkTimeoutMs ?? 3_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`health check timed out after ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }
}
