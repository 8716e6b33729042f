/**
 * The Gemini API's address and the few JSON shapes the service sends and reads, named as in
 * its REST reference (https://ai.google.dev/api). Only the fields used here: the API sends
 * more, and they are ignored.
 */

export const GEMINI_API_URL = "https://generativelanguage.googleapis.com";
export const GEMINI_API_VERSION = "v1beta";

export interface Part {
  text?: string;
  /** True for a thinking model's thought summary, which is not part of the answer. */
  thought?: boolean;
}

export interface Content {
  role: "user" | "model";
  parts: Part[];
}

/** Token counts: in every chunk of a stream the prompt's, in its last one the answer's and the thinking's too. */
export interface UsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
}

/** One event of streamGenerateContent, or an error sent in the stream after its 200. */
export interface GenerateContentResponse {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string }>;
  usageMetadata?: UsageMetadata;
  /** The model that answered: another than the one asked for when Google routes a retired name. */
  modelVersion?: string;
  responseId?: string;
  error?: unknown;
}

export interface BatchEmbedContentsResponse {
  embeddings?: Array<{ values?: number[] }>;
}

/** The model's resource name: "gemini-2.5-flash" and "models/gemini-2.5-flash" both become the latter. */
export function modelResource(model: string): string {
  return `models/${model.replace(/^models\//, "")}`;
}
