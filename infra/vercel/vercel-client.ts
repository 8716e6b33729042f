import { Vercel } from "@vercel/sdk";
import { HTTPClient } from "@vercel/sdk/lib/http.js";
import { VercelError } from "@vercel/sdk/models/vercelerror.js";
import { ApiError, requestIdOf, type ApiErrorOptions } from "../http/api-error.ts";
import { retryingFetch, type RetryOptions } from "../http/retrying-fetch.ts";
import { reportRetry } from "../providers/progress.ts";

/**
 * The one client for Vercel: @vercel/sdk with our retrying fetch (429 and 5xx, Retry-After)
 * in place of its own retries, so both services share one policy, and its errors turned
 * into ApiError.
 */
type VercelClientOptions = {
  token: string;
  /** Default https://api.vercel.com; the emulator's URL in tests. */
  apiUrl?: string;
  fetch?: typeof fetch;
  retry?: Omit<RetryOptions, "fetch">;
};

/** What every Vercel resource carries: the token (a secret input), the API's URL, the project and its team. */
export type VercelConnection = { token: string; apiUrl?: string; project: string; teamId?: string };

/** The client for a resource's connection. */
export function vercelFor(connection: VercelConnection): Vercel {
  return createVercelClient({ token: connection.token, ...(connection.apiUrl ? { apiUrl: connection.apiUrl } : {}), retry: { onRetry: reportRetry("Vercel") } });
}

function createVercelClient(options: VercelClientOptions): Vercel {
  const fetcher = retryingFetch({ ...options.retry, fetch: options.fetch });
  return new Vercel({
    bearerToken: options.token,
    ...(options.apiUrl ? { serverURL: options.apiUrl.replace(/\/+$/, "") } : {}),
    httpClient: new HTTPClient({ fetcher: (request) => fetcher(request) }),
    retryConfig: { strategy: "none" },
  });
}

/** What to check when Vercel refuses the token, added to the error's message when it is restated. */
function vercelHint(error: ApiError): string {
  // Vercel answers a bad or expired token with 403 and `invalidToken: true`, not 401.
  if (error.code === "unauthorized" || (error.code === "forbidden" && isInvalidToken(error.body))) {
    return ". The Vercel token (vercelToken or VERCEL_TOKEN) is invalid or expired: create one at https://vercel.com/account/tokens and `pulumi config set --secret vercelToken`";
  }
  if (error.code === "forbidden") return ". The Vercel token (vercelToken or VERCEL_TOKEN) lacks the rights for this project or team (check vercelTeamId)";
  return "";
}

function isInvalidToken(body: unknown): boolean {
  const error = (body as { error?: { invalidToken?: unknown } } | undefined)?.error;
  return error?.invalidToken === true;
}

const vercelError = (options: Omit<ApiErrorOptions, "service" | "hint">) => new ApiError({ ...options, service: "vercel", hint: vercelHint });

/** Runs an SDK call and turns its failure into an ApiError. */
export async function vercelCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof VercelError) {
      let body: unknown = error.body;
      try {
        body = JSON.parse(error.body);
      } catch {
        // keep the text
      }
      const apiMessage = (body as { error?: { message?: string } } | undefined)?.error?.message;
      throw vercelError({
        status: error.statusCode,
        url: error.rawResponse.url,
        requestId: requestIdOf(error.headers),
        message: apiMessage ?? `HTTP ${error.statusCode}`,
        body,
      }).during(action);
    }
    if (error instanceof ApiError) throw error.during(action);
    const name = (error as Error)?.name ?? "";
    if (/ResponseValidationError|SDKValidationError/.test(name)) {
      throw vercelError({ status: 200, url: "", code: "invalid_response", message: `${action}: unexpected answer (${(error as Error).message.slice(0, 300)})`, cause: error });
    }
    if (/ConnectionError|RequestTimeoutError/.test(name)) {
      throw vercelError({ status: 0, url: "", message: `${action}: Vercel did not answer`, cause: error });
    }
    throw error;
  }
}
