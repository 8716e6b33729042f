import { AppError } from "../errors.ts";

/** What a reader is told when the service stops: a request refused, or an answer cut. */
export const SHUTTING_DOWN_MESSAGE = "The server is restarting. Please try again in a moment.";

export type Phase = "starting" | "ready" | "shutting_down";

/** Where the process is in its life. Owned by the composition root, read by routes and health. */
export class Readiness {
  #phase: Phase = "starting";
  #startupProblem: string | undefined;
  #refusal: string | undefined;

  get phase(): Phase {
    return this.#phase;
  }

  /** While starting: what start-up is waiting on (e.g. the database), for health to show. */
  get startupProblem(): string | undefined {
    return this.#startupProblem;
  }

  /** Why start-up stopped for good (a database schema newer than the code), for health to show. */
  get refusal(): string | undefined {
    return this.#refusal;
  }

  /** Start-up will not finish: the service stays "starting" for requests and health says why. */
  refuse(reason: string): void {
    this.#refusal = reason;
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
    if (this.#phase === "starting" && this.#refusal !== undefined) {
      throw new AppError("service_starting", "The service cannot start on its database as it stands; its operator has been told why.");
    }
    if (this.#phase === "starting") {
      throw new AppError("service_starting", "The service is starting up. Please try again in a few seconds.", { retryAfter: 5 });
    }
    if (this.#phase === "shutting_down") {
      throw new AppError("shutting_down", SHUTTING_DOWN_MESSAGE, { retryAfter: 5 });
    }
  }
}
