import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * A question set: what a reader asks and which page of the book should answer it. A
 * question may carry one follow-up (`then`), asked in the same conversation after the
 * first answer. `expect` names the page's path under the docs folder, a list when several
 * pages answer it equally, or `none` when the book does not cover the question.
 */

const expectSchema = z.union([
  z.literal("none"),
  z.string().trim().min(1).transform((file) => [normalizeFile(file)]),
  z.array(z.string().trim().min(1)).min(1).transform((files) => files.map(normalizeFile)),
]);

const turnSchema = z.strictObject({
  ask: z.string().trim().min(1, "ask must not be empty").max(2000, "ask must be at most 2000 characters"),
  expect: expectSchema,
});

const questionSchema = turnSchema.extend({
  id: z.string().trim().min(1).optional(),
  then: turnSchema.optional(),
});

const questionSetSchema = z.strictObject({
  questions: z.array(questionSchema).min(1, "questions must hold at least one question"),
});

/** One turn to score: `expected` null means the book should find nothing. */
export interface EvalTurn {
  ask: string;
  expected: string[] | null;
}

export interface EvalQuestion {
  id: string;
  turns: [EvalTurn] | [EvalTurn, EvalTurn];
}

export class QuestionSetError extends Error {
  readonly code = "invalid_question_set";
}

export async function loadQuestionSet(file: string): Promise<EvalQuestion[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new QuestionSetError(`Cannot read the question set ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseQuestionSet(text, file);
}

/** Parses YAML (or JSON, which is YAML too); errors name the question and field. */
export function parseQuestionSet(text: string, name = "question set"): EvalQuestion[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new QuestionSetError(`${name} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const parsed = questionSetSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.map((p) => (typeof p === "number" ? `[${p + 1}]` : `.${String(p)}`)).join("").replace(/^\./, "")}: ${i.message}`);
    throw new QuestionSetError(`${name} is malformed: ${problems.join("; ")}`);
  }
  const ids = new Set<string>();
  return parsed.data.questions.map((q, index) => {
    const id = q.id ?? `q${index + 1}`;
    if (ids.has(id)) throw new QuestionSetError(`${name}: the id ${id} is used twice`);
    ids.add(id);
    const first = { ask: q.ask, expected: q.expect === "none" ? null : q.expect };
    if (!q.then) return { id, turns: [first] };
    return { id, turns: [first, { ask: q.then.ask, expected: q.then.expect === "none" ? null : q.then.expect }] };
  });
}

/** Pages are named as under the docs folder; the store's `docs/` prefix is optional. */
export function normalizeFile(file: string): string {
  return file.replace(/\\/g, "/").replace(/^\.?\//, "").replace(/^docs\//, "");
}
