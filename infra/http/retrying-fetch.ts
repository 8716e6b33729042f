import { safeUrl } from "./api-error.ts";

/**
 * A fetch that retries 429 and 5xx answers and network failures with exponential backoff,
 * waiting what Retry-After says when the server says it. Both SDKs and our own clients take
 * it, so every call to the Hub and Vercel gets the same policy.
 */
export type RetryOptions = {
  fetch?: typeof fetch;
  /** Attempts in all, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (event: { attempt: number; delayMs: number; status: number; url: string }) => void;
};

export const DEFAULT_RETRY = { attempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 } as const;

export function retryingFetch(options: RetryOptions = {}): typeof fetch {
  const inner = options.fetch ?? globalThis.fetch;
  const attempts = Math.max(1, options.attempts ?? DEFAULT_RETRY.attempts);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  return async function fetchWithRetry(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    // A streamed body cannot be sent twice: such requests get one attempt.
    const replayable = !(init?.body instanceof ReadableStream);
    const limit = replayable ? attempts : 1;
    const url = input instanceof Request ? input.url : String(input);
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
      const retryable = response === undefined || response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= limit) {
        if (response) return response;
        throw failure;
      }
      const delayMs = Math.min(
        maxDelayMs,
        retryAfterMs(response?.headers.get("retry-after") ?? null) ?? baseDelayMs * 2 ** (attempt - 1),
      );
      await response?.body?.cancel().catch(() => {});
      options.onRetry?.({ attempt, delayMs, status: response?.status ?? 0, url: safeUrl(url) });
      await sleep(delayMs);
    }
  };
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
