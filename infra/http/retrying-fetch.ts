import { safeUrl } from "./api-error.ts";

/**
 * A fetch that retries 429 and 5xx answers and network failures with exponential backoff,
 * waiting what the server says when it says it: the Hub's `RateLimit: "api";r=0;t=N`
 * (N seconds until its window resets; huggingface_hub waits N+1) or Retry-After. Both SDKs
 * and our own clients take it, so every call to the Hub and Vercel gets the same policy.
 */
export type RetryOptions = {
  fetch?: typeof fetch;
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** The longest wait a RateLimit header may ask for (the Hub's window is 5 minutes). */
  maxRateLimitWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each wait: `reason` says where the delay came from. */
  onRetry?: (event: RetryEvent) => void;
};

export type RetryEvent = { attempt: number; attempts: number; delayMs: number; status: number; method: string; url: string; reason: "RateLimit" | "Retry-After" | "backoff" };

const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRateLimitWaitMs: 301_000 } as const;

export function retryingFetch(options: RetryOptions = {}): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const maxRateLimitWaitMs = options.maxRateLimitWaitMs ?? DEFAULT_RETRY.maxRateLimitWaitMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async function fetchWithRetry(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    // A streamed body cannot be sent twice: such requests get one attempt.
    const replayable = !(init?.body instanceof ReadableStream);
    const limit = replayable ? attempts : 1;
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    for (let attempt = 1; ; attempt++) {
      const request = input instanceof Request && attempt < limit ? input.clone() : input;
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await inner(request, init);
      } catch (error) {
        if (init?.signal?.aborted || (error as Error)?.name === "AbortError") throw error;
        failure = error;
      }
      const retryable = response === undefined || response.status === 429 || response.status >= 500 || (await isConflictingOperation(response));
      if (!retryable || attempt >= limit) {
        if (response) return response;
        throw failure;
      }
      const rateLimit = rateLimitResetMs(response?.headers.get("ratelimit") ?? null);
      const retryAfter = retryAfterMs(response?.headers.get("retry-after") ?? null);
      const [delayMs, reason]: [number, RetryEvent["reason"]] =
        rateLimit !== undefined
          ? [Math.min(maxRateLimitWaitMs, rateLimit), "RateLimit"]
          : retryAfter !== undefined
            ? [Math.min(maxDelayMs, retryAfter), "Retry-After"]
            : [Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1)), "backoff"];
      await response?.body?.cancel().catch(() => {});
      options.onRetry?.({ attempt, attempts: limit, delayMs, status: response?.status ?? 0, method, url: safeUrl(url), reason });
      await sleep(delayMs);
    }
  };
}

/** The Hub's 409 "another conflicting operation is in progress", which huggingface_hub retries (unlike "already exists"). */
async function isConflictingOperation(response: Response): Promise<boolean> {
  if (response.status !== 409) return false;
  return /conflicting operation/i.test(await response.clone().text().catch(() => ""));
}

/** Retry-After is either seconds or an HTTP date. */
function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait a `RateLimit` header asks for: its `t` (seconds until the window resets) plus
 * one, as huggingface_hub does. `"api";r=0;t=55` -> 56 000 ms; no `t` -> undefined.
 */
export function rateLimitResetMs(value: string | null): number | undefined {
  const seconds = value ? /(?:^|;)\s*t=(\d+)/.exec(value)?.[1] : undefined;
  return seconds === undefined ? undefined : (Number(seconds) + 1) * 1000;
}
