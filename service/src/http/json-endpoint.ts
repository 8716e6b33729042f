import { Pool } from "undici";

/** A JSON answer as it came: the status, and the body as text for the caller to read. */
export interface JsonAnswer {
  status: number;
  text: string;
}

/** A request body already written as JSON, sent as it is (see QdrantStore.hybridSearch). */
export class JsonText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/**
 * A JSON API on one origin, reached through undici's request API over a keep-alive pool.
 *
 * Each chat makes two upstream JSON calls before its answer starts (the question's embedding,
 * the passage search): through the SDKs, which sit on fetch, they cost several times the CPU
 * (figures in the docs). Qdrant's other calls (collection admin, upserts, scrolls) use it too,
 * so the service has one transport per upstream.
 */
export class JsonEndpoint {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #headers: Record<string, string>;

  /** `baseUrl` may carry a path prefix; `headers` go with every request (an API key). */
  constructor(baseUrl: string, headers: Record<string, string> = {}) {
    const url = new URL(baseUrl);
    this.#pool = new Pool(url.origin);
    this.#prefix = url.pathname.replace(/\/+$/, "");
    this.#headers = { ...headers, "content-type": "application/json", accept: "application/json" };
  }

  /** POSTs `body` as JSON to `path`: see request(). */
  post(path: string, body: unknown, signal?: AbortSignal): Promise<JsonAnswer> {
    return this.request("POST", path, body, signal);
  }

  /**
   * Sends `body` (if any) as JSON to `path` (under the base URL's path, with any query).
   * Rejects only when no answer came. For idempotent calls only (every call made through
   * this is one: an embedding, a search, a write by id): a connection that drops before the
   * answer, such as a kept-alive one the server closed as it was reused, is tried once more.
   */
  async request(method: "GET" | "POST" | "PUT", path: string, body?: unknown, signal?: AbortSignal): Promise<JsonAnswer> {
    const options = {
      method,
      path: `${this.#prefix}/${path.replace(/^\/+/, "")}`,
      headers: this.#headers,
      ...(body === undefined ? {} : { body: body instanceof JsonText ? body.text : JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.#pool.request(options);
        return { status: answer.statusCode, text: await answer.body.text() };
      } catch (err) {
        // As fetch does: an aborted call rejects with the signal's reason.
        if (signal?.aborted) throw signal.reason;
        if (attempt === 1 && isDroppedConnection(err)) continue;
        throw err;
      }
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

function isDroppedConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "UND_ERR_SOCKET" || code === "ECONNRESET";
}
