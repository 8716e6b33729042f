import * as pulumi from "@pulumi/pulumi";
import type { RetryEvent } from "../http/retrying-fetch.ts";

/**
 * Progress lines from inside a provider. The dynamic provider's process has no engine
 * connection, so pulumi.log writes them to its stdout, which the engine shows in the
 * update's output.
 */
export function progress(message: string): void {
  void pulumi.log.info(message);
}

export function warning(message: string): void {
  void pulumi.log.warn(message);
}

/** The line a retried call prints, so a long wait (a rate limit's window) is never silent. */
export function reportRetry(service: "Hub" | "Vercel"): (event: RetryEvent) => void {
  return (event) => {
    const cause = event.status === 0 ? "did not answer" : `answered ${event.status}${event.status === 429 ? " (rate limited)" : ""}`;
    const wait = event.reason === "RateLimit" ? "as its RateLimit header says" : event.reason === "Retry-After" ? "as its Retry-After header says" : "before trying again";
    progress(`${service} ${cause} to ${event.method} ${new URL(event.url).pathname}: waiting ${formatSeconds(event.delayMs)} ${wait} (attempt ${event.attempt + 1} of ${event.attempts})`);
  };
}

const formatSeconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);
