import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { usageBetween } from "../answer-usage.ts";
import { costOf, GEMINI_PRICES } from "../gemini-prices.ts";

describe("the bench's token cost", () => {
  it("prices input at the input rate, output and thinking at the output rate", () => {
    const price = GEMINI_PRICES["gemini-2.5-flash"]!;
    assert.equal(costOf("gemini-2.5-flash", { input: 1_000_000, output: 0, thinking: 0 }), price.inputPerMillion);
    assert.equal(costOf("models/gemini-2.5-flash", { input: 0, output: 600_000, thinking: 400_000 }), price.outputPerMillion);
    assert.equal(costOf("gemini-0-unknown", { input: 1, output: 1, thinking: 1 }), undefined);
  });

  it("takes a scenario's answers as the difference of two readings, per model", () => {
    const before = { withoutUsage: 1, models: [{ model: "gemini-2.5-flash", answers: 10, input: 8_000, output: 500, thinking: 0 }] };
    const after = {
      withoutUsage: 3,
      models: [
        { model: "gemini-2.5-flash", answers: 1_010, input: 808_000, output: 50_500, thinking: 0 },
        { model: "gemini-0-unknown", answers: 2, input: 20, output: 2, thinking: 0 },
      ],
    };
    const usage = usageBetween(before, after);
    assert.equal(usage.answersWithUsage, 1_002);
    assert.equal(usage.answersWithout, 2);
    const [flash, unknown] = usage.models;
    assert.deepEqual(flash!.perAnswer, { input: 800, output: 50, thinking: 0 });
    // 1,000 answers of 800 input and 50 output tokens: 0.8M x $0.30 + 0.05M x $2.50.
    assert.equal(flash!.costPer1000Answers, 0.8 * 0.3 + 0.05 * 2.5);
    assert.equal(unknown!.costPer1000Answers, null);
    assert.match(unknown!.priceNote, /no list price on record for gemini-0-unknown/);
  });
});
