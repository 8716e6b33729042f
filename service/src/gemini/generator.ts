import type { AnswerGenerator, GenerationRequest, GenerationResult, TextSink } from "../answer/answer-generator.ts";
import { fromGeminiError } from "./gemini-error.ts";
import { promptContents, SYSTEM_INSTRUCTION } from "./prompt.ts";
import type { GeminiStreamClient } from "./stream-client.ts";
import { thinkingConfig, type ThinkingConfig, type ThinkingSetting } from "./thinking.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #client: GeminiStreamClient;
  readonly #thinking: ThinkingConfig | undefined;

  constructor(options: { client: GeminiStreamClient; model: string; thinking: ThinkingSetting }) {
    this.model = options.model;
    this.#client = options.client;
    this.#thinking = thinkingConfig(options.model, options.thinking);
  }

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<GenerationResult> {
    const contents = promptContents(request);
    try {
      const { usage } = await this.#client.stream(this.model, { contents, systemInstruction: SYSTEM_INSTRUCTION, temperature: 0.2, thinkingConfig: this.#thinking }, signal, onText);
      return { usage };
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
