/**
 * The answers this process is streaming, by answer id, each with the way to stop it: what
 * POST /api/answers/{id}/stop reaches. An answer leaves when its stream ends or when it is
 * stopped, so a second stop finds it gone.
 */
export class OpenAnswers {
  readonly #stops = new Map<string, () => void>();

  /** Registers a streaming answer; call the returned function when its stream has ended. */
  open(answerId: string, stop: () => void): () => void {
    this.#stops.set(answerId, stop);
    return () => {
      if (this.#stops.get(answerId) === stop) this.#stops.delete(answerId);
    };
  }

  /** Stops the answer if it is streaming here; false when it is not (ended, stopped, or never here). */
  stop(answerId: string): boolean {
    const stop = this.#stops.get(answerId);
    if (stop === undefined) return false;
    this.#stops.delete(answerId);
    stop();
    return true;
  }
}
