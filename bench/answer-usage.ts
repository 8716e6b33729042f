import { openDatabase } from "../service/src/db/open-database.ts";
import { costOf, GEMINI_PRICES, PRICES_READ } from "./gemini-prices.ts";

/** The tokens stored with the answers of one model (migration 0005-answer-usage's columns). */
export interface ModelTokens {
  model: string;
  answers: number;
  input: number;
  output: number;
  thinking: number;
}

/** A scenario's answers and what they cost, from what the service stored with each. */
export interface UsageSummary {
  /** Answers stored with Gemini's counts; the others were cut or never reached Gemini. */
  answersWithUsage: number;
  answersWithout: number;
  models: Array<ModelTokens & { perAnswer: { input: number; output: number; thinking: number }; costPer1000Answers: number | null; priceNote: string }>;
}

export interface UsageTotals {
  withoutUsage: number;
  models: ModelTokens[];
}

/**
 * Totals over every answer in the run's database, read once the service has stopped (it
 * holds an embedded PGlite folder while it runs). A scenario's share is the difference from
 * the totals read before it.
 */
export async function readUsageTotals(databaseEnv: Record<string, string>): Promise<UsageTotals> {
  const db = await openDatabase({ databaseUrl: databaseEnv.DATABASE_URL, dataDir: databaseEnv.DATA_DIR ?? ".data" }, { role: "the bench" });
  try {
    const { rows } = await db.query<{ model: string | null; answers: string | number; input: string | number | null; output: string | number | null; thinking: string | number | null }>(
      `select model, count(*) as answers, sum(input_tokens) as input, sum(output_tokens) as output, sum(thinking_tokens) as thinking
         from messages where role = 'assistant' group by model order by model`,
    );
    return {
      withoutUsage: Number(rows.find((r) => r.model === null)?.answers ?? 0),
      models: rows
        .filter((r) => r.model !== null)
        .map((r) => ({ model: r.model!, answers: Number(r.answers), input: Number(r.input ?? 0), output: Number(r.output ?? 0), thinking: Number(r.thinking ?? 0) })),
    };
  } finally {
    await db.close();
  }
}

export const NO_USAGE: UsageTotals = { withoutUsage: 0, models: [] };

/** What the answers between two readings used, per answer, and cost per 1,000 answers at list price. */
export function usageBetween(before: UsageTotals, after: UsageTotals): UsageSummary {
  const models = after.models
    .map((m) => {
      const earlier = before.models.find((b) => b.model === m.model);
      return {
        model: m.model,
        answers: m.answers - (earlier?.answers ?? 0),
        input: m.input - (earlier?.input ?? 0),
        output: m.output - (earlier?.output ?? 0),
        thinking: m.thinking - (earlier?.thinking ?? 0),
      };
    })
    .filter((m) => m.answers > 0)
    .map((m) => {
      const cost = costOf(m.model, m);
      const price = GEMINI_PRICES[m.model];
      return {
        ...m,
        perAnswer: { input: Math.round(m.input / m.answers), output: Math.round(m.output / m.answers), thinking: Math.round(m.thinking / m.answers) },
        costPer1000Answers: cost === undefined ? null : Math.round((cost / m.answers) * 1000 * 10_000) / 10_000,
        priceNote: price
          ? `$${price.inputPerMillion.toFixed(2)} in, $${price.outputPerMillion.toFixed(2)} out per 1M tokens, list price read ${PRICES_READ}${price.note ? `, ${price.note}` : ""}`
          : `no list price on record for ${m.model} (bench/gemini-prices.ts)`,
      };
    });
  return { answersWithUsage: models.reduce((sum, m) => sum + m.answers, 0), answersWithout: after.withoutUsage - before.withoutUsage, models };
}
