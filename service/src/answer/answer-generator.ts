import type { SearchHit } from "../retrieval/vector-store.ts";

export interface HistoryTurn {
  role: "user" | "assistant";
  content: string;
}

/** Everything an answer is made from. `passages` are numbered [1], [2]... in this order. */
export interface GenerationRequest {
  mode: "general" | "selection";
  question: string;
  history: HistoryTurn[];
  passages: SearchHit[];
  /** The reader's selected text, in selection mode. */
  selection?: string;
}

/** Takes each piece of the answer's text as it is produced. */
export type TextSink = (text: string) => void;

/**
 * The tokens a model call used, as Gemini's usageMetadata reports them in the stream's last
 * chunk: the prompt, the answer's text (candidates), the thinking (thoughts, billed as
 * output), and Gemini's total.
 */
export interface TokenUsage {
  /** The model that answered (Gemini's modelVersion), else the one asked. */
  model: string;
  inputTokens: number;
  outputTokens: number;
  thinkingTokens: number;
  totalTokens: number;
}

/** What a finished answer reports besides its text. */
export interface GenerationResult {
  /** Absent when the generator calls no model (the extractive answerer), or the model did not say. */
  usage?: TokenUsage | undefined;
}

export interface AnswerGenerator {
  /** "gemini-2.5-flash", or "extractive" for the embedded answerer. */
  readonly model: string;
  /**
   * Hands the answer's text to `onText` piece by piece as it is produced, and resolves when
   * the answer is complete. Aborting the signal ends the upstream call.
   */
  stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<GenerationResult | void>;
}
