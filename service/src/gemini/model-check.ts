import { setTimeout as sleep } from "node:timers/promises";
import type { GeminiStatus } from "../health/gemini-status.ts";
import { JsonEndpoint } from "../http/json-endpoint.ts";
import { GEMINI_API_URL, GEMINI_API_VERSION, modelResource } from "./api.ts";
import { geminiError } from "./gemini-error.ts";

/** What models.get said of a model. */
export type ModelAnswer =
  | { kind: "served" }
  /** 404: Google does not serve it (shut down, or never existed); `replacement` when the API names one. */
  | { kind: "not_served"; message: string; replacement: string | undefined }
  /** 400, 401 or 403: the key, not the model, is the problem. */
  | { kind: "refused"; message: string }
  /** 429, a 5xx or no answer at all: nothing known yet; asked again. */
  | { kind: "unverified"; reason: string };

export interface ModelCheckLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ModelCheckOptions {
  apiKey: string;
  baseUrl?: string | undefined;
  /** The models to check, each with the variable that names it. */
  models: Array<{ model: string; variable: string }>;
  status: GeminiStatus;
  log: ModelCheckLog;
  /** First wait before asking again after a 429 or a network error; doubled up to 5 minutes. */
  retryDelayMs?: number;
}

const MAX_RETRY_DELAY_MS = 300_000;

/**
 * Asks Gemini, at start-up, whether it serves the configured models (models.get, `GET
 * /v1beta/models/{model}`), so a retired model shows in health at once instead of in the
 * first reader's error. A 404 is final; a 429 or a network error leaves the model unverified
 * (health: degraded) and it is asked again until an answer comes.
 */
export class GeminiModelCheck {
  readonly #o: ModelCheckOptions;
  readonly #api: JsonEndpoint;

  constructor(options: ModelCheckOptions) {
    this.#o = options;
    this.#api = new JsonEndpoint(`${(options.baseUrl ?? GEMINI_API_URL).replace(/\/+$/, "")}/${GEMINI_API_VERSION}`, { "x-goog-api-key": options.apiKey });
  }

  /**
   * Checks every model once and resolves; models left unverified are asked again in the
   * background until they are answered or `signal` aborts.
   */
  async run(signal: AbortSignal): Promise<void> {
    const pending = await this.#round(this.#o.models, signal);
    if (pending.length > 0 && !signal.aborted) void this.#retry(pending, signal);
  }

  async #retry(models: ModelCheckOptions["models"], signal: AbortSignal): Promise<void> {
    let delayMs = this.#o.retryDelayMs ?? 5_000;
    while (models.length > 0 && !signal.aborted) {
      await sleep(delayMs, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      models = await this.#round(models, signal);
      delayMs = Math.min(MAX_RETRY_DELAY_MS, delayMs * 2);
    }
  }

  /** Asks for each model; returns those still unverified. */
  async #round(models: ModelCheckOptions["models"], signal: AbortSignal): Promise<ModelCheckOptions["models"]> {
    const answers = await Promise.all(models.map(async (m) => ({ ...m, answer: await this.#ask(m.model, signal) })));
    const { status, log } = this.#o;
    for (const { model, variable, answer } of answers) {
      status.recordModel(model, variable, answer);
      if (answer.kind === "served") log.info({ model, variable }, "Gemini serves the configured model");
      else if (answer.kind === "unverified") log.warn({ model, variable, reason: answer.reason }, "could not check the Gemini model; asking again later");
      else log.error({ model, variable, answer: answer.message }, answer.kind === "not_served" ? "Gemini does not serve the configured model" : "Gemini refused the key");
    }
    return answers.filter((a) => a.answer.kind === "unverified").map(({ model, variable }) => ({ model, variable }));
  }

  async #ask(model: string, signal: AbortSignal): Promise<ModelAnswer> {
    let answer;
    try {
      answer = await this.#api.request("GET", modelResource(model), undefined, AbortSignal.any([signal, AbortSignal.timeout(10_000)]));
    } catch (err) {
      return { kind: "unverified", reason: `no answer from Gemini (${(err as Error).message})` };
    }
    if (answer.status === 200) return { kind: "served" };
    const err = geminiError(answer.status, answer.text);
    if (answer.status === 404) return { kind: "not_served", message: err.message, replacement: replacementIn(err.message, model) };
    if (answer.status === 400 || answer.status === 401 || answer.status === 403) return { kind: "refused", message: err.message };
    return { kind: "unverified", reason: err.message };
  }

  close(): Promise<void> {
    return this.#api.close();
  }
}

/**
 * A model the API's message names besides the one asked for, as in "use models/X instead".
 * The 404 of a retired model seen so far names none (docs/platform-facts.md: the message names
 * no replacement), so this is usually undefined.
 */
export function replacementIn(message: string, asked: string): string | undefined {
  for (const match of message.matchAll(/\b(?:models\/)?(gemini-[\w.-]*\w)/g)) {
    if (match[1] !== asked.replace(/^models\//, "")) return match[1];
  }
  return undefined;
}
