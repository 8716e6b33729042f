import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { commandLine } from "../cli/command-line.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { DataDirInUseError } from "../db/data-dir-lock.ts";
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open-database.ts";
import { createEmbedder } from "../dependencies.ts";
import { AppError } from "../errors.ts";
import { createVectorStore } from "../retrieval/create-vector-store.ts";
import { createRedactor, secretValuesOf } from "../secrets.ts";
import { buildAuthorReport } from "./author-report.ts";
import { countsChartSvg } from "./counts-chart.ts";
import { parsePeriod, PeriodError } from "./period.ts";
import { defaultGroupSimilarity } from "./question-groups.ts";
import { hasFeedbackTable } from "./report-queries.ts";
import { renderHtml } from "./render-html.ts";
import { CHART_FILE, renderMarkdown } from "./render-markdown.ts";

const USAGE = `Usage: npm run report -- [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out <dir>]
                        [--group-similarity <0..1>]

What readers asked over a period (by default the last 30 days up to today, UTC): the
questions the book did not cover, grouped by similar wording, the answers voted down with
their reasons, the answers least similar to their passages, the pages cited most and never,
and the counts per day. Writes report.md, report.html (with the chart), ${CHART_FILE} and
report.json to --out (default ./docs-chat-report). Same variables as the server: it reads
the database of DATABASE_URL, or the embedded one in DATA_DIR (stop the server first), and
embeds the questions with the configured embedder to group them.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const args = commandLine(
    {
      args: argv,
      options: {
        since: { type: "string" },
        until: { type: "string" },
        out: { type: "string" },
        "group-similarity": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    },
    USAGE,
  );
  if (typeof args === "number") return args;
  // npm runs scripts from the package folder; relative paths mean the caller's folder.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const scrub = createRedactor(secretValuesOf(process.env).map((s) => s.value));
  let db: Database | undefined;
  try {
    const period = parsePeriod({ since: args.values.since, until: args.values.until });
    const config = loadConfig(process.env);
    const similarity = args.values["group-similarity"] === undefined ? defaultGroupSimilarity(config.embedding.model) : Number(args.values["group-similarity"]);
    if (!(similarity > 0 && similarity <= 1)) throw new UsageError(`--group-similarity must be a number above 0 and at most 1, got ${args.values["group-similarity"]}`);
    const out = path.resolve(cwd, args.values.out ?? "docs-chat-report");

    db = await openDatabase(config, { role: "npm run report", busyHint: "Stop the server, run the report, then start the server again." });
    if (!(await hasFeedbackTable(db))) {
      throw new UsageError("This database has no answer_feedback table yet: start the server once on it (it migrates the database), then run the report.");
    }
    const report = await buildAuthorReport({
      db,
      store: createVectorStore(config, db),
      embedder: createEmbedder(config, "ingest"),
      book: config,
      period,
      groupSimilarity: similarity,
    });
    const chart = countsChartSvg(report.days);
    await mkdir(out, { recursive: true });
    await Promise.all([
      writeFile(path.join(out, "report.md"), renderMarkdown(report)),
      writeFile(path.join(out, "report.html"), renderHtml(report, chart)),
      writeFile(path.join(out, CHART_FILE), chart),
      writeFile(path.join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`),
    ]);
    const { totals } = report;
    process.stdout.write(
      `Report ${period.since} to ${period.until}: ${totals.asked} asked, ${totals.answeredFromBook} answered from the book, ${totals.notCovered} not covered ` +
        `(${report.notCovered.length} questions), ${totals.votedUp} voted up, ${totals.votedDown} voted down.\n` +
        `Written to ${path.relative(cwd, out) || "."}/: report.md, report.html, ${CHART_FILE}, report.json\n`,
    );
    return 0;
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof AppError || err instanceof PeriodError || err instanceof UsageError || err instanceof DataDirInUseError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Report failed: ${scrub(known ? message : `${message}${err instanceof Error && err.stack ? `\n${err.stack}` : ""}`)}\n`);
    return 1;
  } finally {
    await db?.close().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
