import type { Config } from "../config.ts";
import type { Embedder } from "./embedder.ts";
import { GeminiEmbedder } from "./gemini-embedder.ts";
import { LocalEmbedder } from "./local-embedder.ts";

/** Gemini when a key is configured, else the deterministic local embedder. */
export function createEmbedder(config: Pick<Config, "embedding" | "gemini">): Embedder {
  const { provider, model, dimensions } = config.embedding;
  if (provider === "gemini" && config.gemini.apiKey) {
    return new GeminiEmbedder({ apiKey: config.gemini.apiKey, baseUrl: config.gemini.baseUrl, model, dimensions });
  }
  return new LocalEmbedder({ dimensions });
}
