import type { GeminiStreamClient, StreamGenerateRequest } from "./stream-client.ts";
import { thinkingConfig, type ThinkingConfig, type ThinkingSetting } from "./thinking.ts";

export interface GeminiModelOptions {
  /** Shared by every model of the process: it holds the connection pool. */
  client: GeminiStreamClient;
  model: string;
  thinking: ThinkingSetting;
}

/** One Gemini model on the shared client, its thinking setting checked once, at start-up. */
export class GeminiModel {
  readonly name: string;
  readonly #client: GeminiStreamClient;
  readonly #thinking: ThinkingConfig | undefined;

  constructor(options: GeminiModelOptions) {
    this.name = options.model;
    this.#client = options.client;
    this.#thinking = thinkingConfig(options.model, options.thinking);
  }

  stream(request: Omit<StreamGenerateRequest, "thinkingConfig">, signal: AbortSignal, onText: (text: string) => void): Promise<void> {
    return this.#client.stream(this.name, { ...request, thinkingConfig: this.#thinking }, signal, onText);
  }
}
