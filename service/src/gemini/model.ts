import type { GeminiStreamClient, StreamGenerateRequest, StreamOutcome } from "./stream-client.ts";
import { modelFamily, takesSampling, thinkingConfig, thinkingReserve, type ThinkingConfig, type ThinkingSetting } from "./thinking.ts";

export interface GeminiModelOptions {
  /** Shared by every model of the process: it holds the connection pool. */
  client: GeminiStreamClient;
  model: string;
  thinking: ThinkingSetting;
}

/** What a caller asks of one call: the optional fields are sent only where the model takes them. */
export type ModelRequest = Pick<StreamGenerateRequest, "contents" | "systemInstruction"> & {
  temperature?: number;
  /** Tokens for the visible text; the model's thinking gets room on top of them. */
  textTokens?: number;
};

/**
 * One Gemini model on the shared client. Its family (thinking.ts's table) decides, once, at
 * start-up, which optional fields a call carries: temperature only where the family still
 * takes it, a thinking setting it accepts, and nothing at all for a model the table does not
 * know, rather than a guess.
 */
export class GeminiModel {
  readonly name: string;
  readonly #client: GeminiStreamClient;
  readonly #known: boolean;
  readonly #sampling: boolean;
  readonly #thinking: ThinkingConfig | undefined;

  constructor(options: GeminiModelOptions) {
    this.name = options.model;
    this.#client = options.client;
    this.#known = modelFamily(options.model) !== undefined;
    this.#sampling = takesSampling(options.model);
    this.#thinking = thinkingConfig(options.model, options.thinking);
  }

  /** Streams the text into `onText`; resolves with what the stream said of itself (its token usage, finish reason, model). */
  stream(request: ModelRequest, signal: AbortSignal, onText: (text: string) => void): Promise<StreamOutcome> {
    const { temperature, textTokens, ...body } = request;
    if (!this.#known) return this.#client.stream(this.name, body, signal, onText);
    return this.#client.stream(
      this.name,
      {
        ...body,
        ...(temperature !== undefined && this.#sampling ? { temperature } : {}),
        // Thinking tokens count against maxOutputTokens (docs/platform-facts.md: thinking
        // counts against maxOutputTokens): a cap leaves room for the least thinking the model
        // allows, or the text comes back empty. Dynamic thinking has no bound, so no cap.
        ...(textTokens !== undefined && this.#thinking !== undefined ? { maxOutputTokens: textTokens + thinkingReserve(this.#thinking) } : {}),
        thinkingConfig: this.#thinking,
      },
      signal,
      onText,
    );
  }
}
