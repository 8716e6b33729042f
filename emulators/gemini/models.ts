// The models the Gemini emulator knows, with the metadata models.get returns (fields as in the
// real API's Model resource): the Flash generation models Google serves today, the 2.5 models
// still served for anyone pinned to them, and the two embedding models the project meets:
// gemini-embedding-001 (3072-d, Matryoshka) and text-embedding-004 (768-d), which made the
// previous backend's vectors. Models Google has shut down answer 404 (gemini-shutdown.ts).
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

/** How a generation model is told to think: a budget (2.5), or one of its levels (3.x). */
export type ThinkingSpec = { kind: "budget"; least: number } | { kind: "level"; levels: readonly string[]; default: string };

export type KnownModel = { info: ModelInfo; kind: "generation" | "embedding"; embeddingSize?: number; thinking?: ThinkingSpec; sampling?: boolean };

const GENERATION_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"];

const MINIMAL_TO_HIGH = ["minimal", "low", "medium", "high"];
const LOW_TO_HIGH = ["low", "medium", "high"];

// docs/platform-facts.md: thinking levels per model (the 3.x models no longer take sampling parameters).
function generation(id: string, displayName: string, description: string, thinking: ThinkingSpec, version = "001"): KnownModel {
  const gemini3 = thinking.kind === "level";
  return {
    kind: "generation",
    thinking,
    sampling: !gemini3,
    info: {
      name: `models/${id}`,
      baseModelId: id,
      version,
      displayName,
      description,
      inputTokenLimit: 1_048_576,
      outputTokenLimit: 65_536,
      supportedGenerationMethods: GENERATION_METHODS,
      ...(gemini3 ? {} : { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2 }),
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
  ["gemini-3.8-flash", generation("gemini-3.8-flash", "Gemini 3.8 Flash", "Gemini 3.8 Flash.", { kind: "level", levels: LOW_TO_HIGH, default: "medium" }, "3.8")],
  ["gemini-3.7-flash", generation("gemini-3.7-flash", "Gemini 3.7 Flash", "Gemini 3.7 Flash.", { kind: "level", levels: LOW_TO_HIGH, default: "medium" }, "3.7")],
  ["gemini-3.6-flash", generation("gemini-3.6-flash", "Gemini 3.6 Flash", "Gemini 3.6 Flash.", { kind: "level", levels: MINIMAL_TO_HIGH, default: "medium" }, "3.6")],
  ["gemini-3.5-flash", generation("gemini-3.5-flash", "Gemini 3.5 Flash", "Gemini 3.5 Flash.", { kind: "level", levels: MINIMAL_TO_HIGH, default: "medium" }, "3.5")],
  [
    "gemini-3.5-flash-lite",
    generation("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", "Gemini 3.5 Flash-Lite.", { kind: "level", levels: MINIMAL_TO_HIGH, default: "minimal" }, "3.5"),
  ],
  [
    "gemini-3.1-flash-lite",
    generation("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite", "Gemini 3.1 Flash-Lite.", { kind: "level", levels: MINIMAL_TO_HIGH, default: "minimal" }, "3.1"),
  ],
  [
    "gemini-3-flash-preview",
    generation("gemini-3-flash-preview", "Gemini 3 Flash Preview", "Preview version of Gemini 3 Flash.", { kind: "level", levels: MINIMAL_TO_HIGH, default: "high" }, "3-flash-preview"),
  ],
  ["gemini-2.5-flash-lite", generation("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", "Stable version of Gemini 2.5 Flash-Lite.", { kind: "budget", least: 0 })],
  ["gemini-embedding-001", embedding("gemini-embedding-001", "Gemini Embedding 001", "001", 3072, ["embedContent", "countTextTokens", "countTokens"])],
  ["text-embedding-004", embedding("text-embedding-004", "Text Embedding 004", "004", 768, ["embedContent"])],
]);

/** "models/x" and "x" name the same model. */
export function modelId(name: string): string {
  return name.startsWith("models/") ? name.slice("models/".length) : name;
}
