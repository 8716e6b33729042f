import type { ModelAnswer } from "../gemini/model-check.ts";

/** What start-up learned of one configured model. */
export interface ModelState {
  model: string;
  /** The variable that names it: GEMINI_MODEL, EMBEDDING_MODEL. */
  variable: string;
  answer: ModelAnswer;
}

/**
 * What the service last saw of Gemini, for health: a 429 marks it degraded until a later
 * call succeeds; start-up's check of the configured models (models.get); the model that
 * actually answered when Google routes the configured name to another. Health reads this
 * instead of probing, so a probe never spends quota.
 */
export class GeminiStatus {
  #quotaExceededAt: Date | undefined;
  readonly #models = new Map<string, ModelState>();
  #routed: { configured: string; served: string } | undefined;

  recordSuccess(): void {
    this.#quotaExceededAt = undefined;
  }

  recordQuotaExceeded(): void {
    this.#quotaExceededAt = new Date();
  }

  get quotaExceededAt(): Date | undefined {
    return this.#quotaExceededAt;
  }

  recordModel(model: string, variable: string, answer: ModelAnswer): void {
    this.#models.set(`${variable}:${model}`, { model, variable, answer });
  }

  /** Every model start-up checked, with what Gemini said (none while the check runs). */
  get models(): ModelState[] {
    return [...this.#models.values()];
  }

  /**
   * The model that answered a stream of `configured`. True the first time it differs from
   * the configured one (Google routing a retired name to another model): the caller warns once.
   */
  recordServedModel(configured: string, served: string): boolean {
    const name = configured.replace(/^models\//, "");
    if (served === name || this.#routed?.served === served) return false;
    this.#routed = { configured: name, served };
    return true;
  }

  /** The configured name and the model that answers it, when they differ. */
  get routed(): { configured: string; served: string } | undefined {
    return this.#routed;
  }
}
