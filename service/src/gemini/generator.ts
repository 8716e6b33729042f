import type { AnswerGenerator, GenerationRequest, TextSink } from "../answer/answer-generator.ts";
import { fromGeminiError } from "./gemini-error.ts";
import { promptContents, SYSTEM_INSTRUCTION } from "./prompt.ts";
import type { GeminiStreamClient } from "./stream-client.ts";
import { takesSampling, thinkingConfig, type ThinkingConfig, type ThinkingSetting } from "./thinking.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #client: GeminiStreamClient;
  readonly #thinking: ThinkingConfig | undefined;
  readonly #temperature: number | undefined;

  constructor(options: { client: GeminiStreamClient; model: string; thinking: ThinkingSetting }) {
    this.model = options.model;
    this.#client = options.client;
    this.#thinking = thinkingConfig(options.model, options.thinking);
    this.#temperature = takesSampling(options.model) ? 0.2 : undefined;
  }

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<void> {
    const contents = promptContents(request);
    try {
      await this.#client.stream(this.model, { contents, systemInstruction: SYSTEM_INSTRUCTION, temperature: this.#temperature, thinkingConfig: this.#thinking }, signal, onText);
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
