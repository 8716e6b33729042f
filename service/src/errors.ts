/**
 * The one error type of the service. `code` is a stable string a client can switch on,
 * `message` text safe to show a reader; the HTTP status follows from the code, by the one
 * table below. Upstream detail goes in `cause`, which is logged (redacted) but never sent.
 */
export const HTTP_STATUS = {
  invalid_request: 400,
  // A credential was missing or wrong (/metrics' bearer token).
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  // The answer asked to stop has ended already (complete, stopped, or streamed by another process).
  answer_not_streaming: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  // The client went away: nobody reads this status; 499 is nginx's "client closed request".
  client_disconnected: 499,
  // The client stopped reading the answer's stream (its connection open, its buffers full).
  reader_stalled: 499,
  // The reader asked to stop the answer (POST /api/answers/{id}/stop): stored with what was written.
  stopped_by_reader: 499,
  internal_error: 500,
  upstream_error: 502,
  // The embedding model's vectors do not fit the configuration or the collection: the
  // service's fault, not the reader's, and seen by a reader only when Gemini's vectors do.
  embedding_mismatch: 502,
  retrieval_unavailable: 503,
  database_unavailable: 503,
  service_starting: 503,
  shutting_down: 503,
  upstream_timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof HTTP_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Seconds a client should wait before retrying, when the upstream said so. */
  readonly retryAfter: number | undefined;
  /** Extra fields for the client, e.g. the conversation a failed question was stored in. */
  readonly details: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfter?: number | undefined; details?: Record<string, string> } = {}) {
    super(message, { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
  }

  /** The HTTP status of the code. */
  get status(): number {
    return HTTP_STATUS[this.code];
  }

  /** The same error with more details for the client. */
  withDetails(details: Record<string, string>): AppError {
    return new AppError(this.code, this.message, {
      cause: this.cause,
      retryAfter: this.retryAfter,
      details: { ...this.details, ...details },
    });
  }

  toJSON(): { error: { code: ErrorCode; message: string } & Record<string, string> } {
    return { error: { ...this.details, code: this.code, message: this.message } };
  }
}

/** True when the error (or anything in its cause chain) is an abort. */
export function isAbortError(value: unknown): boolean {
  for (let e = value; e instanceof Error; e = e.cause) {
    if (e.name === "AbortError") return true;
  }
  return false;
}
