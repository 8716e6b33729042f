import { AppError, isAbortError } from "../errors.ts";

/** A non-2xx answer of Qdrant's REST API: the status, and the start of the body for the logs. */
export class QdrantError extends Error {
  readonly status: number;
  constructor(status: number, body: string) {
    super(`Qdrant answered ${status}: ${body.slice(0, 300)}`);
    this.name = "QdrantError";
    this.status = status;
  }
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
  if (err instanceof QdrantError) {
    if (err.status === 401 || err.status === 403) return unavailable("The vector store (Qdrant) refused the credentials: check QDRANT_API_KEY.", err);
    if (err.status === 404) return unavailable(`The Qdrant collection ${collection} does not exist: check QDRANT_COLLECTION or run the ingest.`, err);
    if (err.status === 429 || err.status >= 500) return unavailable("The vector store (Qdrant) failed. Please try again.", err);
    return unavailable("The vector store (Qdrant) rejected the request.", err);
  }
  // No answer at all: connection refused, DNS, TLS, a dropped socket.
  return unavailable("The vector store (Qdrant) could not be reached.", err);
}

function unavailable(message: string, cause: unknown): AppError {
  return new AppError("retrieval_unavailable", message, { cause });
}
