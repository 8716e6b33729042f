import { ApiError } from "@google/genai";
import { AppError, isAbortError } from "../errors.ts";

/**
 * The one place Gemini failures become AppErrors. The upstream message stays in `cause`
 * (logged, scrubbed); the client sees a message written for a reader.
 */
export function fromGeminiError(err: unknown, what: "generation" | "embedding"): unknown {
  if (isAbortError(err) || err instanceof AppError) return err;
  if (err instanceof ApiError) {
    if (err.status === 429) {
      return new AppError("quota_exceeded", 429, "The AI service's usage quota is exhausted for now. Please try again in a minute.", {
        cause: err,
        retryAfter: retryDelaySeconds(err),
      });
    }
    if (err.status === 400 || err.status === 401 || err.status === 403) {
      return new AppError("upstream_error", 502, `The AI service refused the ${what} request (check GEMINI_API_KEY and the model name).`, { cause: err });
    }
    if (err.status === 404) {
      return new AppError("upstream_error", 502, `The configured Gemini model for ${what} does not exist.`, { cause: err });
    }
    return new AppError("upstream_error", 502, `The AI service failed during ${what}. Please try again.`, { cause: err });
  }
  return new AppError("upstream_error", 502, `The AI service could not be reached during ${what}.`, { cause: err });
}

/** True for failures worth retrying with backoff: quota (429) and server errors. */
export function isRetryableGeminiError(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 429 || err.status >= 500);
}

/**
 * Seconds the server asked us to wait: google.rpc.RetryInfo's `retryDelay` ("12s") in the
 * error body's details, when present.
 */
export function retryDelaySeconds(err: unknown): number | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const match = /"retryDelay"\s*:\s*"(\d+(?:\.\d+)?)s"/.exec(err.message);
  return match ? Math.ceil(Number(match[1])) : undefined;
}

/** A non-2xx answer as the SDK reports it: its ApiError, whose message is the JSON error body. */
export function geminiApiError(status: number, text: string, statusText?: string): ApiError {
  let message: string;
  try {
    message = JSON.stringify(JSON.parse(text));
  } catch {
    message = JSON.stringify({ error: { message: text, code: status, status: statusText } });
  }
  return new ApiError({ message, status });
}
