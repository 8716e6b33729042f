import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { GeminiModelCheck, replacementIn } from "../src/gemini/model-check.ts";
import { GeminiStatus } from "../src/health/gemini-status.ts";
import { waitFor } from "./support/harness.ts";

const quiet = { info() {}, warn() {}, error() {} };

describe("start-up's check of the configured Gemini models", () => {
  let gemini: GeminiEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
  });
  after(() => gemini.close());

  it("asks models.get for each model: served, shut down (404, final) or refused key", async () => {
    const status = new GeminiStatus();
    const models = [
      { model: "gemini-3.5-flash-lite", variable: "GEMINI_MODEL" },
      { model: "gemini-embedding-001", variable: "EMBEDDING_MODEL" },
      { model: "gemini-2.5-pro", variable: "GEMINI_MODEL" },
    ];
    const check = new GeminiModelCheck({ apiKey: gemini.apiKey, baseUrl: gemini.url, models, status, log: quiet });
    await check.run(new AbortController().signal);
    await check.close();
    assert.deepEqual(
      status.models.map((m) => [m.model, m.answer.kind]),
      [
        ["gemini-3.5-flash-lite", "served"],
        ["gemini-embedding-001", "served"],
        ["gemini-2.5-pro", "not_served"],
      ],
    );
    const refused = new GeminiStatus();
    const wrongKey = new GeminiModelCheck({ apiKey: "not-the-key", baseUrl: gemini.url, models: models.slice(0, 1), status: refused, log: quiet });
    await wrongKey.run(new AbortController().signal);
    await wrongKey.close();
    assert.equal(refused.models[0]!.answer.kind, "refused");
  });

  it("a 429 or no answer leaves the model unverified and asks again until answered; abort stops it", async () => {
    const status = new GeminiStatus();
    await gemini.setFault({ kind: "status", status: 429, route: "models", times: 2 });
    const stop = new AbortController();
    const check = new GeminiModelCheck({ apiKey: gemini.apiKey, baseUrl: gemini.url, models: [{ model: "gemini-3.6-flash", variable: "GEMINI_MODEL" }], status, log: quiet, retryDelayMs: 50 });
    await check.run(stop.signal);
    assert.equal(status.models[0]!.answer.kind, "unverified");
    await waitFor(() => status.models[0]!.answer.kind === "served", 5_000, "the retried check");
    stop.abort();
    await check.close();

    const down = new GeminiStatus();
    const unreachable = new GeminiModelCheck({ apiKey: "k", baseUrl: "http://127.0.0.1:9", models: [{ model: "gemini-3.6-flash", variable: "GEMINI_MODEL" }], status: down, log: quiet, retryDelayMs: 60_000 });
    const gone = new AbortController();
    await unreachable.run(gone.signal);
    gone.abort();
    await unreachable.close();
    assert.equal(down.models[0]!.answer.kind, "unverified");
  });

  it("names a replacement only when the API's message names another model", () => {
    const retired = "Gemini answered 404 NOT_FOUND: This model models/gemini-2.5-flash is no longer available. Please update your code to use a newer model for the latest features and improvements.";
    assert.equal(replacementIn(retired, "gemini-2.5-flash"), undefined);
    assert.equal(replacementIn("models/gemini-2.5-flash is retired; use models/gemini-3.5-flash-lite instead.", "gemini-2.5-flash"), "gemini-3.5-flash-lite");
  });
});
