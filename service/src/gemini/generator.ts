import type { AnswerGenerator, GenerationRequest, GenerationResult, TextSink } from "../answer/answer-generator.ts";
import { fromGeminiError } from "./gemini-error.ts";
import { GeminiModel, type GeminiModelOptions } from "./model.ts";
import { promptContents, SYSTEM_INSTRUCTION } from "./prompt.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #gemini: GeminiModel;

  constructor(options: GeminiModelOptions) {
    this.#gemini = new GeminiModel(options);
    this.model = this.#gemini.name;
  }

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<GenerationResult> {
    const contents = promptContents(request);
    try {
      const { usage } = await this.#gemini.stream({ contents, systemInstruction: SYSTEM_INSTRUCTION, temperature: 0.2 }, signal, onText);
      return { usage };
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
