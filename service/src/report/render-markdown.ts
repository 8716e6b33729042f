import type { Source } from "../db/conversation-store.ts";
import { sourceLabel } from "./source-label.ts";
import type { AuthorReport, PageRef } from "./author-report.ts";

export const CHART_FILE = "counts-per-day.svg";
const ANSWER_CHARS = 1_200;

/** The report as Markdown; the chart is the SVG file beside it. */
export function renderMarkdown(report: AuthorReport): string {
  const { totals, period } = report;
  const lines: string[] = [
    `# Readers' questions, ${period.since} to ${period.until}`,
    "",
    `Generated ${report.generatedAt.slice(0, 16).replace("T", " ")} UTC from the conversation database; days are UTC days.`,
    "",
    table(["asked", "answered from the book", "not covered", "voted up", "voted down"], [[totals.asked, totals.answeredFromBook, totals.notCovered, totals.votedUp, totals.votedDown]]),
    "",
    `![Questions, answers and votes per day](${CHART_FILE})`,
    "",
    "## Questions the book did not cover",
    "",
    `Answered from no passage: nothing in the book was close enough. Grouped by similar wording (${report.grouping.embedder}, cosine similarity of at least ${report.grouping.similarity}), most asked first.`,
    "",
    report.notCovered.length === 0
      ? "None."
      : table(
          ["times asked", "question", "other wordings", "last asked"],
          report.notCovered.map((g) => [g.count, g.question, g.wordings.slice(1).map((w) => `${w.text} (${w.count})`).join("; "), g.lastAsked.slice(0, 10)]),
        ),
    "",
    "## Answers voted down",
    "",
  ];
  if (report.votedDown.length === 0) lines.push("None.", "");
  for (const vote of report.votedDown) {
    lines.push(
      `### ${inline(vote.question)}`,
      "",
      `Voted down ${vote.votedAt.slice(0, 10)}. Reason: ${vote.reason === null ? "none given" : inline(vote.reason)}`,
      "",
      quote(vote.answer.length > ANSWER_CHARS ? `${vote.answer.slice(0, ANSWER_CHARS)}…` : vote.answer),
      "",
      `Sources: ${vote.sources.length === 0 ? "none" : vote.sources.map(sourceLink).join("; ")}`,
      "",
    );
  }
  lines.push(
    "## Lowest-similarity answers",
    "",
    "Answers whose best passage was the least similar to the question: the book may cover these only in passing.",
    "",
    report.lowestSimilarity.length === 0
      ? "None."
      : table(
          ["best similarity", "question", "sources", "asked"],
          report.lowestSimilarity.map((a) => [a.similarity.toFixed(3), a.question, a.sources.map(sourceLink).join("; "), a.askedAt.slice(0, 10)]),
        ),
    "",
    "## Pages cited most",
    "",
    report.mostCited.length === 0 ? "None." : table(["answers", "page", "file"], report.mostCited.map((p) => [p.answers, pageLink(p), p.file])),
    "",
    "## Pages never cited",
    "",
    "Pages of the book that no answer of the period cited.",
    "",
    report.neverCited.length === 0 ? "None." : report.neverCited.map((p) => `- ${pageLink(p)} (${p.file})`).join("\n"),
    "",
    "## Counts per day",
    "",
    table(
      ["day", "asked", "answered from the book", "not covered", "voted up", "voted down"],
      report.days.map((d) => [d.day, d.asked, d.answeredFromBook, d.notCovered, d.votedUp, d.votedDown]),
    ),
    "",
  );
  return lines.join("\n");
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const row = (cells: Array<string | number>) => `| ${cells.map((c) => cell(String(c))).join(" | ")} |`;
  return [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
}

function cell(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
}

function inline(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? ">" : `> ${line}`))
    .join("\n");
}

const pageLink = (p: PageRef) => `[${p.title.replace(/[[\]]/g, "")}](${p.url})`;

function sourceLink(s: Source): string {
  const label = sourceLabel(s).replace(/[[\]]/g, "");
  return `${s.url ? `[${label}](${s.url})` : label} (${s.similarity})`;
}
