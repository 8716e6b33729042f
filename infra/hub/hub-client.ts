import { HubApiError } from "@huggingface/hub";
import type { z } from "zod";
import { ApiError, apiErrorFromResponse, type ApiErrorOptions } from "../http/api-error.ts";
import { retryingFetch, type RetryOptions } from "../http/retrying-fetch.ts";

/**
 * The one client for the Hub: a base URL, a token and a retrying fetch. Calls that
 * @huggingface/hub has (create, delete, commit) go through the SDK with this fetch; the
 * Space endpoints it lacks (secrets, variables, runtime, restart, hardware, logs) go
 * through `request`. Either way a failure surfaces as one ApiError.
 */
export type HubClientOptions = {
  hubUrl: string;
  token: string;
  fetch?: typeof fetch;
  retry?: Omit<RetryOptions, "fetch">;
};

export type HubClient = {
  readonly hubUrl: string;
  /** Pass to @huggingface/hub functions as `fetch`. */
  readonly fetch: typeof fetch;
  /** Pass to @huggingface/hub functions as credentials. */
  readonly credentials: { accessToken: string };
  readonly token: string;
  request<T>(method: string, path: string, options?: { body?: unknown; schema?: z.ZodType<T>; signal?: AbortSignal }): Promise<T>;
  /** A raw authenticated response (for streams); non-OK answers throw. */
  raw(path: string, init?: RequestInit): Promise<Response>;
};

/** What to check when the Hub refuses the token, added to the error's message when it is restated. */
function hubHint(error: ApiError): string {
  // The Hub answers 401 both for a bad token and for a repo the token cannot see.
  if (error.code === "unauthorized") {
    return ". The Hugging Face token (hfToken or HF_TOKEN) is invalid or expired, or it cannot see this repo (a private Space of another account answers 401 too): check the owner and name, and the token";
  }
  if (error.code === "forbidden") return ". The Hugging Face token (hfToken or HF_TOKEN) lacks the rights for this: it needs write access to the owner's Spaces";
  return "";
}

const hubError = (options: Omit<ApiErrorOptions, "service" | "hint">) => new ApiError({ ...options, service: "hub", hint: hubHint });

export function createHubClient(options: HubClientOptions): HubClient {
  const hubUrl = options.hubUrl.replace(/\/+$/, "");
  const fetchWithRetry = retryingFetch({ ...options.retry, fetch: options.fetch });
  const authorization = { Authorization: `Bearer ${options.token}` };

  async function raw(path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${hubUrl}${path}`;
    let response: Response;
    try {
      response = await fetchWithRetry(url, { ...init, headers: { ...authorization, ...(init.headers as Record<string, string>) } });
    } catch (error) {
      if ((error as Error)?.name === "AbortError") throw error;
      throw hubError({ status: 0, url, message: "the Hub did not answer", cause: error });
    }
    if (!response.ok) throw await apiErrorFromResponse(response, { service: "hub", fallbackUrl: url, hint: hubHint });
    return response;
  }

  return {
    hubUrl,
    fetch: fetchWithRetry,
    credentials: { accessToken: options.token },
    token: options.token,
    raw,
    async request<T>(method: string, path: string, opts: { body?: unknown; schema?: z.ZodType<T>; signal?: AbortSignal } = {}) {
      const response = await raw(path, {
        method,
        signal: opts.signal,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body), headers: { "Content-Type": "application/json" } }),
      });
      const text = await response.text();
      let json: unknown = undefined;
      if (text) {
        try {
          json = JSON.parse(text);
        } catch {
          json = text;
        }
      }
      if (!opts.schema) return json as T;
      const parsed = opts.schema.safeParse(json);
      if (!parsed.success) {
        throw hubError({
          status: response.status,
          url: response.url || `${hubUrl}${path}`,
          message: `unexpected answer from ${method} ${path}: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"} ${i.message}`).join("; ")}`,
          code: "invalid_response",
        });
      }
      return parsed.data;
    },
  };
}

/** Runs an @huggingface/hub call and turns its error into our ApiError. */
export async function viaSdk<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HubApiError) {
      throw hubError({
        status: error.statusCode,
        url: error.url,
        requestId: error.requestId,
        // The SDK appends URL and request id to its message; we add our own trailer.
        message: String(error.message).replace(/\. URL: .*$/s, ""),
        body: error.data,
        cause: error,
      });
    }
    if (error instanceof ApiError) throw error;
    if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
      throw hubError({ status: 0, url: "", message: "the Hub did not answer", cause: error });
    }
    throw error;
  }
}
