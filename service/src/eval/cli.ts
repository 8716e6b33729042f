import path from "node:path";
import { fileURLToPath } from "node:url";
import { commandLine } from "../cli/command-line.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { AppError } from "../errors.ts";
import { createRedactor, secretValuesOf } from "../secrets.ts";
import { loadQuestionSet, QuestionSetError } from "./question-set.ts";
import { formatReport } from "./format-report.ts";
import { runEval } from "./run-eval.ts";

const SERVICE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const USAGE = `Usage: npm run eval -- <questions.yaml> [--docs <docs dir>] [--json]
                      [--min-hit-at-k <0..1>] [--min-mrr <0..1>] [--min-follow-up <0..1>] [--min-silence <0..1>]

Asks each question of the set through the chat pipeline (follow-ups in the same
conversation) and prints, per question and in total, whether the expected page was
retrieved first (hit@1), among the top RETRIEVAL_TOP_K (hit@k), the mean reciprocal rank
(MRR), the follow-ups' hit rate, and how often a question the book does not cover found
nothing (silence). Same variables as the server; with none set it runs
embedded (PGlite, local embedder) on the sample book, or on --docs. Exit code 1 when a
--min-* floor is not reached.`;

const FLOORS = { "min-hit-at-k": "hitAtK", "min-mrr": "mrr", "min-follow-up": "followUpHitRate", "min-silence": "silenceRate" } as const;

async function main(argv: string[]): Promise<number> {
  const args = commandLine(
    {
      args: argv,
      allowPositionals: true,
      options: {
        docs: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        "min-hit-at-k": { type: "string" },
        "min-mrr": { type: "string" },
        "min-follow-up": { type: "string" },
        "min-silence": { type: "string" },
      },
    },
    USAGE,
  );
  if (typeof args === "number") return args;
  if (args.positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  const floors: Array<[string, keyof typeof FLOORS, number]> = [];
  for (const flag of Object.keys(FLOORS) as Array<keyof typeof FLOORS>) {
    const raw = args.values[flag];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!(value >= 0 && value <= 1)) {
      process.stderr.write(`--${flag} must be a number from 0 to 1, got ${raw}\n`);
      return 1;
    }
    floors.push([flag, flag, value]);
  }
  // npm runs scripts from the package folder; relative paths mean the caller's folder.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  // From the environment, not the config: a configuration error is reported scrubbed too.
  const scrub = createRedactor(secretValuesOf(process.env).map((s) => s.value));
  try {
    const config = loadConfig(process.env, { sampleDocsDir: path.join(SERVICE_DIR, "sample-docs") });
    const questions = await loadQuestionSet(path.resolve(cwd, args.positionals[0]!));
    const docsDir = args.values.docs === undefined ? undefined : path.resolve(cwd, args.values.docs);
    const report = await runEval({ config, questions, docsDir });
    process.stdout.write(args.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    let failed = false;
    for (const [flag, key, floor] of floors) {
      const value = report.totals[FLOORS[key]];
      if (value < floor) {
        process.stderr.write(`Below the floor: ${FLOORS[key]} ${value} < --${flag} ${floor}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  } catch (err) {
    const known = err instanceof ConfigError || err instanceof AppError || err instanceof QuestionSetError;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`Eval failed: ${scrub(known ? message : `${message}${err instanceof Error && err.stack ? `\n${err.stack}` : ""}`)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
