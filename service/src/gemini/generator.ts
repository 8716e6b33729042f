import type { AnswerGenerator, GenerationRequest, TextSink } from "../answer/answer-generator.ts";
import { fromGeminiError } from "./gemini-error.ts";
import { promptContents, SYSTEM_INSTRUCTION } from "./prompt.ts";
import { GeminiStreamClient } from "./stream-client.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #client: GeminiStreamClient;

  constructor(options: { apiKey: string; model: string; baseUrl?: string | undefined }) {
    this.model = options.model;
    this.#client = new GeminiStreamClient({ apiKey: options.apiKey, baseUrl: options.baseUrl });
  }

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<void> {
    const contents = promptContents(request);
    try {
      await this.#client.stream(this.model, { contents, systemInstruction: SYSTEM_INSTRUCTION, temperature: 0.2 }, signal, onText);
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
