import { StreamStop } from "./stream-stop.ts";

// How long stopped answers get to store what they have and send their error event.
const STOP_SETTLE_MS = 2_000;

/** The chat streams in flight, so shutdown can end them cleanly and wait for them. */
export class ActiveStreams {
  readonly #controllers = new Set<AbortController>();
  #drainWaiters: Array<() => void> = [];

  get size(): number {
    return this.#controllers.size;
  }

  /** Registers a stream; call the returned function when it has ended. */
  add(controller: AbortController): () => void {
    this.#controllers.add(controller);
    return () => {
      this.#controllers.delete(controller);
      if (this.#controllers.size === 0) {
        for (const resolve of this.#drainWaiters) resolve();
        this.#drainWaiters = [];
      }
    };
  }

  /**
   * Shutdown: answers may finish on their own for `graceMs`; those left are stopped, each
   * ending with an error event after its partial answer is stored, and waited for a little more.
   * Resolves with how many were still open at the end.
   */
  async stopAll(graceMs: number): Promise<number> {
    if ((await this.drained(graceMs)) === 0) return 0;
    for (const c of this.#controllers) c.abort(new StreamStop("shutting_down"));
    return this.drained(STOP_SETTLE_MS);
  }

  /** Resolves when no stream is left, or after `timeoutMs`. Returns how many were left. */
  async drained(timeoutMs: number): Promise<number> {
    if (this.#controllers.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#drainWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.#controllers.size;
  }
}
