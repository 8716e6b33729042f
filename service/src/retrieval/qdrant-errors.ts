import { AppError, isAbortError } from "../errors.ts";

/** What the Qdrant client's fetcher throws for a non-2xx answer (its ApiError is not exported). */
interface QdrantHttpError extends Error {
  status: number;
}

function isHttpError(err: unknown): err is QdrantHttpError {
  return err instanceof Error && typeof (err as { status?: unknown }).status === "number";
}

/** The HTTP status Qdrant answered, for the error or the one it wraps; undefined when it never answered. */
export function qdrantStatus(err: unknown): number | undefined {
  if (isHttpError(err)) return err instanceof AppError ? qdrantStatus(err.cause) : err.status;
  return undefined;
}

/**
 * The one place Qdrant failures become AppErrors: every failure of the store is a 503
 * retrieval_unavailable whose message says what to check. A caller's abort passes through.
 */
export function fromQdrantError(err: unknown, collection: string): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof Error && err.name === "TimeoutError") {
    return unavailable("The vector store (Qdrant) did not answer in time.", err);
  }
  if (isAbortError(err)) return err;
  if (isHttpError(err)) {
    if (err.status === 401 || err.status === 403) return unavailable("The vector store (Qdrant) refused the credentials: check QDRANT_API_KEY.", err);
    if (err.status === 404) return unavailable(`The Qdrant collection ${collection} does not exist: check QDRANT_COLLECTION or run the ingest.`, err);
    if (err.status === 429 || err.status >= 500) return unavailable("The vector store (Qdrant) failed. Please try again.", err);
    return unavailable("The vector store (Qdrant) rejected the request.", err);
  }
  // fetch's TypeError ("fetch failed": connection refused, DNS, TLS) and anything else.
  return unavailable("The vector store (Qdrant) could not be reached.", err);
}

function unavailable(message: string, cause: unknown): AppError {
  return new AppError("retrieval_unavailable", 503, message, { cause });
}
