/**
 * What the service last saw of Gemini's quota, for health: a 429 marks it degraded until a
 * later call succeeds. Health reads this instead of probing, so a probe never spends quota.
 */
export class GeminiStatus {
  #quotaExceededAt: Date | undefined;

  recordSuccess(): void {
    this.#quotaExceededAt = undefined;
  }

  recordQuotaExceeded(): void {
    this.#quotaExceededAt = new Date();
  }

  get quotaExceededAt(): Date | undefined {
    return this.#quotaExceededAt;
  }
}
