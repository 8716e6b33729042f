import type { Attributes } from "@opentelemetry/api";
import type { TokenUsage } from "../answer/answer-generator.ts";

/**
 * The OpenTelemetry GenAI semantic conventions this service emits, pinned here because they
 * are still in development and their names move between versions (`gen_ai.system` became
 * `gen_ai.provider.name`). Version: the GenAI conventions repository
 * (open-telemetry/semantic-conventions-genai, which took them over from the core repository at
 * v1.42.0), schema URL below, on the core conventions v1.44.0. Names and values checked against
 * its attribute registry (docs/registry/attributes/gen-ai.md) and its client inference span
 * (docs/gen-ai/client-inference.md), 2026-12-03. A newer version is a deliberate change here.
 */
export const GEN_AI_SCHEMA_URL = "https://opentelemetry.io/schemas/gen-ai/1.42.0";

export const GEN_AI = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  requestTemperature: "gen_ai.request.temperature",
  requestMaxTokens: "gen_ai.request.max_tokens",
  requestStream: "gen_ai.request.stream",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  responseFinishReasons: "gen_ai.response.finish_reasons",
  usageInputTokens: "gen_ai.usage.input_tokens",
  usageOutputTokens: "gen_ai.usage.output_tokens",
  usageReasoningOutputTokens: "gen_ai.usage.reasoning.output_tokens",
  embeddingsDimensionCount: "gen_ai.embeddings.dimension.count",
  dataSourceId: "gen_ai.data_source.id",
} as const;

/** The registry's value for generativelanguage.googleapis.com (the AI Studio API), which the service calls. */
export const GEMINI_PROVIDER = "gcp.gemini";

/** The operations named by the registry that this service performs. */
export const GEN_AI_OPERATION = { generateContent: "generate_content", embeddings: "embeddings", retrieval: "retrieval" } as const;

/** What the model stopped on, when the stream ended before saying: the registry's value. */
export const FINISH_REASON_ERROR = "error";

/** A Gemini generateContent call's request, as span attributes (never its contents); a field not sent (temperature to a 3.x model) is left out. */
export function generationRequestAttributes(request: { model: string; temperature: number | undefined; maxOutputTokens: number | undefined; server: URL }): Attributes {
  return {
    [GEN_AI.operationName]: GEN_AI_OPERATION.generateContent,
    [GEN_AI.providerName]: GEMINI_PROVIDER,
    [GEN_AI.requestModel]: request.model,
    ...(request.temperature !== undefined ? { [GEN_AI.requestTemperature]: request.temperature } : {}),
    ...(request.maxOutputTokens !== undefined ? { [GEN_AI.requestMaxTokens]: request.maxOutputTokens } : {}),
    [GEN_AI.requestStream]: true,
    "server.address": request.server.hostname,
    "server.port": Number(request.server.port) || (request.server.protocol === "https:" ? 443 : 80),
  };
}

/**
 * What the stream's last chunks said, as span attributes; a stream that ended without them
 * (failed, cut, aborted) gets the registry's `error` finish reason. Gemini's reasons are
 * lower-cased ("STOP" is `stop`), as the registry's examples write them.
 */
export function generationResponseAttributes(
  outcome: { usage: TokenUsage | undefined; finishReason: string | undefined; responseModel: string | undefined; responseId: string | undefined } | undefined,
): Attributes {
  if (outcome === undefined) return { [GEN_AI.responseFinishReasons]: [FINISH_REASON_ERROR] };
  return {
    [GEN_AI.responseFinishReasons]: [outcome.finishReason?.toLowerCase() ?? FINISH_REASON_ERROR],
    ...(outcome.responseModel ? { [GEN_AI.responseModel]: outcome.responseModel } : {}),
    ...(outcome.responseId ? { [GEN_AI.responseId]: outcome.responseId } : {}),
    ...(outcome.usage ? usageAttributes(outcome.usage) : {}),
  };
}

/**
 * A Gemini call's usage as span attributes. Per the conventions, output tokens include the
 * reasoning (thinking) tokens, reported again on their own; Gemini's candidatesTokenCount
 * leaves them out, so they are added here.
 */
export function usageAttributes(usage: TokenUsage): Attributes {
  return {
    [GEN_AI.usageInputTokens]: usage.inputTokens,
    [GEN_AI.usageOutputTokens]: usage.outputTokens + usage.thinkingTokens,
    [GEN_AI.usageReasoningOutputTokens]: usage.thinkingTokens,
  };
}
