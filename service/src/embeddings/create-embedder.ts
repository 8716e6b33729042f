import type { Config } from "../config.ts";
import type { Embedder } from "./embedder.ts";
import { GeminiEmbedder } from "../gemini/embedder.ts";
import { LocalEmbedder } from "./local-embedder.ts";

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
