/**
 * The one error type of the service. `code` is a stable string a client can switch on,
 * `status` the HTTP status it maps to, `message` text safe to show a reader. Upstream
 * detail goes in `cause`, which is logged (redacted) but never sent.
 */
export type ErrorCode =
  | "invalid_request"
  | "payload_too_large"
  | "not_found"
  | "method_not_allowed"
  | "rate_limited"
  | "quota_exceeded"
  | "upstream_error"
  | "upstream_timeout"
  | "retrieval_unavailable"
  | "database_unavailable"
  | "embedding_mismatch"
  | "service_starting"
  | "shutting_down"
  | "config_invalid"
  | "internal_error";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying, when the upstream said so. */
  readonly retryAfter: number | undefined;
  /** Extra fields for the client, e.g. the conversation a failed question was stored in. */
  readonly details: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    status: number,
    message: string,
    options: { cause?: unknown; retryAfter?: number | undefined; details?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }

  /** The same error with more details for the client. */
  withDetails(details: Record<string, string>): AppError {
    return new AppError(this.code, this.status, this.message, {
      cause: this.cause,
      retryAfter: this.retryAfter,
      details: { ...this.details, ...details },
    });
  }

  toJSON(): { error: { code: ErrorCode; message: string } & Record<string, string> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** True when the error (or anything in its cause chain) is an abort. */
export function isAbortError(value: unknown): boolean {
  for (let e = value; e instanceof Error; e = e.cause) {
    if (e.name === "AbortError") return true;
  }
  return false;
}
