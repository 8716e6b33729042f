import { z } from "zod";
import { AppError, isAbortError } from "../errors.ts";

/**
 * A failed Gemini call: a non-2xx answer, or an error the API sent inside a stream after its
 * 200. The body is read once, here: what callers need (status, the API's status name, the
 * wait the server asked for) are fields.
 */
export class GeminiError extends Error {
  /** The HTTP status (for an error inside a stream, the error's own code). */
  readonly status: number;
  /** The google.rpc status name, e.g. "RESOURCE_EXHAUSTED", when the body gave one. */
  readonly code: string | undefined;
  /** Seconds the server asked to wait before trying again (RetryInfo), when it did. */
  readonly retryDelaySeconds: number | undefined;

  constructor(status: number, message: string, options: { code?: string | undefined; retryDelaySeconds?: number | undefined } = {}) {
    super(message);
    this.name = "GeminiError";
    this.status = status;
    this.code = options.code;
    this.retryDelaySeconds = options.retryDelaySeconds;
  }

  /** Quota (429) and server errors pass; worth trying again after a wait. */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }
}

// google.rpc.Status as the API sends it: {"error":{"code","message","status","details"}}.
// Read leniently: a proxy's or a future API's body must still give an error, not a parse failure.
const statusBody = z.object({
  error: z.object({
    code: z.number().int().optional().catch(undefined),
    message: z.string().optional().catch(undefined),
    status: z.string().optional().catch(undefined),
    details: z.array(z.looseObject({ "@type": z.string().optional(), retryDelay: z.string().optional() })).catch([]).optional(),
  }),
});

const RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";

/**
 * The error of an answer with a non-2xx `httpStatus` and this body text, or (`httpStatus`
 * undefined) of an error event inside a stream, whose status is the body's own code.
 */
export function geminiError(httpStatus: number | undefined, text: string, statusText?: string): GeminiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = statusBody.safeParse(json);
  if (!parsed.success) {
    const status = httpStatus ?? 500;
    return new GeminiError(status, `Gemini answered ${status}${statusText ? ` ${statusText}` : ""}: ${text.slice(0, 300)}`);
  }
  const { code, message, status: name, details } = parsed.data.error;
  const status = httpStatus ?? (code !== undefined && code >= 400 && code < 600 ? code : 500);
  const retryDelay = details?.find((d) => d["@type"] === RETRY_INFO)?.retryDelay;
  return new GeminiError(status, `Gemini answered ${status}${name ? ` ${name}` : ""}: ${message ?? text.slice(0, 300)}`, {
    code: name,
    retryDelaySeconds: retryDelay === undefined ? undefined : durationSeconds(retryDelay),
  });
}

/** A protobuf Duration in its JSON form ("12s", "0.5s") as whole seconds, rounded up. */
function durationSeconds(duration: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim());
  return match ? Math.ceil(Number(match[1])) : undefined;
}

/**
 * The one place Gemini failures become AppErrors. The upstream message stays in `cause`
 * (logged, scrubbed); the client sees a message written for a reader.
 */
export function fromGeminiError(err: unknown, what: "generation" | "embedding"): unknown {
  if (isAbortError(err) || err instanceof AppError) return err;
  if (err instanceof GeminiError) {
    if (err.status === 429) {
      return new AppError("quota_exceeded", "The AI service's usage quota is exhausted for now. Please try again in a minute.", {
        cause: err,
        retryAfter: err.retryDelaySeconds,
      });
    }
    if (err.status === 400 || err.status === 401 || err.status === 403) {
      return new AppError("upstream_error", `The AI service refused the ${what} request (check GEMINI_API_KEY and the model name).`, { cause: err });
    }
    if (err.status === 404) {
      return new AppError("upstream_error", `The configured Gemini model for ${what} does not exist.`, { cause: err });
    }
    return new AppError("upstream_error", `The AI service failed during ${what}. Please try again.`, { cause: err });
  }
  return new AppError("upstream_error", `The AI service could not be reached during ${what}.`, { cause: err });
}
