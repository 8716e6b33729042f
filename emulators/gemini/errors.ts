// Error bodies of the Gemini API (generativelanguage.googleapis.com), as the real service sends
// them: google.rpc.Status JSON `{"error":{"code","message","status","details"?}}`. Messages and
// details follow bodies quoted in public bug reports (quota 429 with QuotaFailure, Help and
// RetryInfo; key errors with ErrorInfo reason API_KEY_INVALID).
// Test code, never shipped.

export type GeminiErrorBody = { error: { code: number; message: string; status: string; details?: unknown[] } };

const STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

const DEFAULT_MESSAGES: Record<number, string> = {
  400: "Request contains an invalid argument.",
  403: "The caller does not have permission",
  404: "Requested entity was not found.",
  500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  503: "The model is overloaded. Please try again later.",
  504: "Deadline expired before operation could complete.",
};

export function errorBody(code: number, message?: string, details?: unknown[]): GeminiErrorBody {
  return {
    error: {
      code,
      message: message ?? DEFAULT_MESSAGES[code] ?? "Emulated error.",
      status: STATUS_NAMES[code] ?? (code >= 500 ? "INTERNAL" : "FAILED_PRECONDITION"),
      ...(details ? { details } : {}),
    },
  };
}

/** A wrong key: 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID. */
export function invalidKeyBody(): GeminiErrorBody {
  const message = "API key not valid. Please pass a valid API key.";
  return errorBody(400, message, [
    {
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
      domain: "googleapis.com",
      metadata: { service: "generativelanguage.googleapis.com" },
    },
    { "@type": "type.googleapis.com/google.rpc.LocalizedMessage", locale: "en-US", message },
  ]);
}

/** No key at all: the real API answers 403, not 400. */
export function missingKeyBody(): GeminiErrorBody {
  return errorBody(
    403,
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
  );
}

/** Quota exhausted: 429 with QuotaFailure, Help and (unless null) RetryInfo "Ns". */
export function quotaBody(model: string, kind: "generate" | "embed", retryDelaySeconds: number | null): GeminiErrorBody {
  const metric =
    kind === "embed" ? "generativelanguage.googleapis.com/embed_content_free_tier_requests" : "generativelanguage.googleapis.com/generate_content_free_tier_requests";
  const quotaId = kind === "embed" ? "EmbedContentRequestsPerMinutePerProjectPerModel-FreeTier" : "GenerateRequestsPerMinutePerProjectPerModel-FreeTier";
  const retry = retryDelaySeconds === null ? "" : `\nPlease retry in ${retryDelaySeconds}.${String(Math.floor(Math.random() * 1e9)).padStart(9, "0")}s.`;
  const message =
    "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, head to: https://ai.dev/usage?tab=rate-limit. " +
    `\n* Quota exceeded for metric: ${metric}, limit: 10, model: ${model}${retry}`;
  const details: unknown[] = [
    { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] },
    {
      "@type": "type.googleapis.com/google.rpc.QuotaFailure",
      violations: [{ quotaMetric: metric, quotaId, quotaDimensions: { location: "global", model }, quotaValue: "10" }],
    },
  ];
  if (retryDelaySeconds !== null) details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryDelaySeconds}s` });
  return errorBody(429, message, details);
}

/** An unknown model, or one that does not support the method called. */
export function modelNotFoundBody(model: string, method: string, apiVersion = "v1beta"): GeminiErrorBody {
  return errorBody(
    404,
    `models/${model} is not found for API version ${apiVersion}, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`,
  );
}
