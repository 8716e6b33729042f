import type { Content } from "@google/genai";
import { groundedQuestion, SYSTEM_INSTRUCTION } from "../chat/prompt.ts";
import type { AnswerGenerator, GenerationRequest, TextSink } from "./answer-generator.ts";
import { fromGeminiError } from "./gemini-errors.ts";
import { GeminiStreamClient } from "./gemini-stream.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #client: GeminiStreamClient;

  constructor(options: { apiKey: string; model: string; baseUrl?: string | undefined }) {
    this.model = options.model;
    this.#client = new GeminiStreamClient({ apiKey: options.apiKey, baseUrl: options.baseUrl });
  }

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<void> {
    const contents: Content[] = [
      ...request.history.map((turn) => ({ role: turn.role === "assistant" ? "model" : "user", parts: [{ text: turn.content }] })),
      { role: "user", parts: [{ text: groundedQuestion(request) }] },
    ];
    try {
      await this.#client.stream(this.model, { contents, systemInstruction: SYSTEM_INSTRUCTION, temperature: 0.2 }, signal, onText);
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
