import type { EvalReport } from "./run-eval.ts";

/** The report as a table: one line per turn, then the totals. */
export function formatReport(report: EvalReport): string {
  const { setup, totals: t } = report;
  const lines = [
    `${setup.store} collection ${setup.collection}, embedder ${setup.embedder}, answers ${setup.generator}, follow-ups rewritten by ${setup.rewriter}, k=${setup.k}` +
      (setup.ingest ? ` (ingested ${setup.ingest.files} files, ${setup.ingest.chunks} chunks)` : ""),
    "",
    `${"id".padEnd(8)} ${"rank".padStart(4)} ${"@1".padStart(3)} ${"@k".padStart(3)} ${"RR".padStart(5)} ${"sim".padStart(5)} ${"ms".padStart(6)}  question -> first page retrieved`,
  ];
  for (const turn of report.turns) {
    const mark = (ok: boolean) => (ok ? "yes" : "-").padStart(3);
    const rank = turn.expected === null ? (turn.silent ? "none" : "some") : String(turn.rank ?? "-");
    const first = turn.retrieved[0] ?? "(nothing)";
    lines.push(
      `${turn.id.padEnd(8)} ${rank.padStart(4)} ${mark(turn.hitAt1)} ${mark(turn.hitAtK)} ${turn.reciprocalRank.toFixed(2).padStart(5)} ${(turn.topSimilarity?.toFixed(2) ?? "-").padStart(5)} ${turn.retrievalMs.toFixed(1).padStart(6)}  ${turn.followUp ? "  " : ""}${truncate(turn.ask, 60)} -> ${first}`,
    );
  }
  lines.push(
    "",
    `${t.answerable} answerable turns: hit@1 ${t.hitAt1}, hit@${setup.k} ${t.hitAtK}, MRR ${t.mrr}`,
    `${t.followUps} follow-ups: hit@1 ${t.followUpHitAt1}, hit@${setup.k} ${t.followUpHitRate}`,
    `${t.outOfScope} questions the book does not cover: answered from no passage ${t.silenceRate}`,
    "",
  );
  return lines.join("\n");
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
