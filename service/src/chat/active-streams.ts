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

  abortAll(reason: unknown): void {
    for (const c of this.#controllers) c.abort(reason);
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
