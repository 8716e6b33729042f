import { AppError } from "../errors.ts";

export type Phase = "starting" | "ready" | "shutting_down";

/** Where the process is in its life. Owned by the composition root, read by routes and health. */
export class Readiness {
  #phase: Phase = "starting";
  #startupProblem: string | undefined;

  get phase(): Phase {
    return this.#phase;
  }

  /** While starting: what start-up is waiting on (e.g. the database), for health to show. */
  get startupProblem(): string | undefined {
    return this.#startupProblem;
  }

  setStartupProblem(problem: string | undefined): void {
    this.#startupProblem = problem;
  }

  markReady(): void {
    if (this.#phase === "starting") this.#phase = "ready";
    this.#startupProblem = undefined;
  }

  markShuttingDown(): void {
    this.#phase = "shutting_down";
  }

  assertReady(): void {
    if (this.#phase === "starting") {
      throw new AppError("service_starting", "The service is starting up. Please try again in a few seconds.", { retryAfter: 5 });
    }
    if (this.#phase === "shutting_down") {
      throw new AppError("shutting_down", "The server is restarting. Please try again in a moment.", { retryAfter: 5 });
    }
  }
}
