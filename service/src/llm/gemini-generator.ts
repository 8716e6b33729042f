import { GoogleGenAI, type Content } from "@google/genai";
import { groundedQuestion, SYSTEM_INSTRUCTION } from "../chat/prompt.ts";
import type { AnswerGenerator, GenerationRequest } from "./answer-generator.ts";
import { fromGeminiError } from "./gemini-errors.ts";

/** Streams answers from Gemini. One client per process: it holds the connection pool. */
export class GeminiGenerator implements AnswerGenerator {
  readonly model: string;
  readonly #ai: GoogleGenAI;

  constructor(options: { apiKey: string; model: string; baseUrl?: string | undefined }) {
    this.model = options.model;
    this.#ai = new GoogleGenAI({ apiKey: options.apiKey, httpOptions: options.baseUrl ? { baseUrl: options.baseUrl } : {} });
  }

  async *stream(request: GenerationRequest, signal: AbortSignal): AsyncIterable<string> {
    const contents: Content[] = [
      ...request.history.map((turn) => ({ role: turn.role === "assistant" ? "model" : "user", parts: [{ text: turn.content }] })),
      { role: "user", parts: [{ text: groundedQuestion(request) }] },
    ];
    try {
      const stream = await this.#ai.models.generateContentStream({
        model: this.model,
        contents,
        config: { systemInstruction: SYSTEM_INSTRUCTION, temperature: 0.2, abortSignal: signal },
      });
      for await (const chunk of stream) {
        const text = chunk.text;
        if (text) yield text;
      }
    } catch (err) {
      throw fromGeminiError(err, "generation");
    }
  }
}
