/**
 * The one error type for calls to the Hub and Vercel APIs. It carries what a reader needs
 * to follow up (status, URL, request id) and never a token: URLs are stripped of their
 * query string and messages come from the server's error body, not from our request. What
 * to check next is the client's to say (infra/hub/, infra/vercel/): it knows its service.
 */
export type ApiService = "hub" | "vercel";

export type ApiErrorCode =
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "bad_request"
  | "server_error"
  | "network_error"
  | "invalid_response";

export type ApiErrorOptions = {
  service: ApiService;
  status: number;
  url: string;
  requestId?: string | undefined;
  message: string;
  body?: unknown;
  code?: ApiErrorCode;
  cause?: unknown;
  /** What to check, from the client of the service (see ApiError.hint). */
  hint?: (error: ApiError) => string;
};

export class ApiError extends Error {
  readonly service: ApiService;
  readonly code: ApiErrorCode;
  /** 0 when no answer came back (network error). */
  readonly status: number;
  readonly url: string;
  readonly requestId: string | undefined;
  /** The server's parsed error body, for callers that branch on it. */
  readonly body: unknown;
  /** The message without the trailer, to restate the error with more context. */
  readonly detail: string;
  /** What to check, from the client of the service: added when the error is restated. */
  readonly hint: ((error: ApiError) => string) | undefined;

  constructor(options: ApiErrorOptions) {
    const url = safeUrl(options.url);
    const trailer = [`${options.service} ${options.status || "no response"}`, url, options.requestId && `request id ${options.requestId}`]
      .filter(Boolean)
      .join(", ");
    super(`${options.message} (${trailer})`, { cause: options.cause });
    this.name = "ApiError";
    this.service = options.service;
    this.status = options.status;
    this.code = options.code ?? codeForStatus(options.status);
    this.url = url;
    this.requestId = options.requestId;
    this.body = options.body;
    this.detail = options.message;
    this.hint = options.hint;
  }

  /** The same error, its message saying what was being done and what to check. */
  during(action: string): ApiError {
    return new ApiError({
      service: this.service,
      status: this.status,
      url: this.url,
      requestId: this.requestId,
      body: this.body,
      code: this.code,
      cause: this,
      hint: this.hint,
      message: `${action}: ${this.detail}${this.hint?.(this) ?? ""}`,
    });
  }
}

/** Runs a step and restates an ApiError it throws with what the step was. */
export async function step<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof ApiError ? error.during(action) : error;
  }
}

export function isApiError(value: unknown, code?: ApiErrorCode): value is ApiError {
  return value instanceof ApiError && (code === undefined || value.code === code);
}

function codeForStatus(status: number): ApiErrorCode {
  if (status === 0) return "network_error";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server_error";
  return "bad_request";
}

/** Origin and path only: a query string may carry anything. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return "(invalid url)";
  }
}

const REQUEST_ID_HEADERS = ["x-request-id", "x-vercel-id", "x-amzn-trace-id"] as const;

export function requestIdOf(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return undefined;
}

/** Builds the error from a non-OK response: the message is the server's own, cut short. */
export async function apiErrorFromResponse(
  response: Response,
  client: { service: ApiService; fallbackUrl: string; hint?: (error: ApiError) => string },
): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return new ApiError({
    service: client.service,
    status: response.status,
    url: response.url || client.fallbackUrl,
    requestId: requestIdOf(response.headers),
    message: messageOf(body) ?? `HTTP ${response.status} ${response.statusText}`.trim(),
    body,
    hint: client.hint,
  });
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim() ? body.trim().slice(0, 300) : undefined;
  if (!body || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === "string") return error.slice(0, 300);
  if (error && typeof error === "object" && typeof (error as Record<string, unknown>).message === "string") {
    return String((error as Record<string, unknown>).message).slice(0, 300);
  }
  if (typeof record.message === "string") return record.message.slice(0, 300);
  return undefined;
}
