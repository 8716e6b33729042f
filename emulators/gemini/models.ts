// The models the Gemini emulator knows, with the metadata models.get returns (fields as in the
// real API's Model resource). Current Flash generation models and the two embedding models
// the project meets: gemini-embedding-001 (3072-d, Matryoshka) and the deprecated
// text-embedding-004 (768-d) that made the previous backend's vectors.
// Test code, never shipped.

export type ModelInfo = {
  name: string;
  baseModelId: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  temperature?: number;
  topP?: number;
  topK?: number;
  maxTemperature?: number;
  thinking?: boolean;
};

export type KnownModel = { info: ModelInfo; kind: "generation" | "embedding"; embeddingSize?: number };

const GENERATION_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"];

function generation(id: string, displayName: string, description: string, version = "001"): KnownModel {
  return {
    kind: "generation",
    info: {
      name: `models/${id}`,
      baseModelId: id,
      version,
      displayName,
      description,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: GENERATION_METHODS,
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxTemperature: 2,
      thinking: true,
    },
  };
}

function embedding(id: string, displayName: string, version: string, size: number, methods: string[]): KnownModel {
  return {
    kind: "embedding",
    embeddingSize: size,
    info: {
      name: `models/${id}`,
      baseModelId: id,
      version,
      displayName,
      description: "Obtain a distributed representation of a text.",
      inputTokenLimit: 2048,
      outputTokenLimit: 1,
      supportedGenerationMethods: methods,
    },
  };
}

export const KNOWN_MODELS: ReadonlyMap<string, KnownModel> = new Map([
  ["gemini-2.5-flash", generation("gemini-2.5-flash", "Gemini 2.5 Flash", "Stable version of Gemini 2.5 Flash, our mid-size multimodal model that supports up to 1 million tokens.")],
  ["gemini-2.5-flash-lite", generation("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", "Stable version of Gemini 2.5 Flash-Lite.")],
  ["gemini-2.5-pro", generation("gemini-2.5-pro", "Gemini 2.5 Pro", "Stable release of Gemini 2.5 Pro.")],
  ["gemini-3-flash-preview", generation("gemini-3-flash-preview", "Gemini 3 Flash Preview", "Preview version of Gemini 3 Flash.", "3-flash-preview")],
  ["gemini-embedding-001", embedding("gemini-embedding-001", "Gemini Embedding 001", "001", 3072, ["embedContent", "countTextTokens", "countTokens"])],
  ["text-embedding-004", embedding("text-embedding-004", "Text Embedding 004", "004", 768, ["embedContent"])],
]);

/** "models/x" and "x" name the same model. */
export function modelId(name: string): string {
  return name.startsWith("models/") ? name.slice("models/".length) : name;
}
