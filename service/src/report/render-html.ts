import type { Source } from "../db/conversation-store.ts";
import { sourceLabel } from "./source-label.ts";
import type { AuthorReport, PageRef } from "./author-report.ts";

const ANSWER_CHARS = 1_200;

/** The report as one HTML page, the chart inline (an SVG): no script, nothing fetched. */
export function renderHtml(report: AuthorReport, chartSvg: string): string {
  const { totals, period } = report;
  const title = `Readers' questions, ${period.since} to ${period.until}`;
  const sections = [
    `<h1>${esc(title)}</h1>`,
    `<p class="note">Generated ${esc(report.generatedAt.slice(0, 16).replace("T", " "))} UTC from the conversation database; days are UTC days.</p>`,
    `<div class="totals">${[
      ["asked", totals.asked],
      ["answered from the book", totals.answeredFromBook],
      ["not covered", totals.notCovered],
      ["voted up", totals.votedUp],
      ["voted down", totals.votedDown],
    ]
      .map(([label, n]) => `<div><strong>${n}</strong><span>${label}</span></div>`)
      .join("")}</div>`,
    `<figure>${chartSvg}<figcaption>Questions, answers and votes per day</figcaption></figure>`,
    `<h2>Questions the book did not cover</h2>`,
    `<p class="note">Answered from no passage: nothing in the book was close enough. Grouped by similar wording (${esc(report.grouping.embedder)}, cosine similarity of at least ${report.grouping.similarity}), most asked first.</p>`,
    report.notCovered.length === 0
      ? "<p>None.</p>"
      : table(
          ["times asked", "question", "other wordings", "last asked"],
          report.notCovered.map((g) => [String(g.count), esc(g.question), esc(g.wordings.slice(1).map((w) => `${w.text} (${w.count})`).join("; ")), g.lastAsked.slice(0, 10)]),
        ),
    `<h2>Answers voted down</h2>`,
    report.votedDown.length === 0
      ? "<p>None.</p>"
      : report.votedDown
          .map(
            (v) => `<article class="vote">
  <h3>${esc(v.question)}</h3>
  <p>Voted down ${v.votedAt.slice(0, 10)}. Reason: ${v.reason === null ? "<em>none given</em>" : esc(v.reason)}</p>
  <blockquote>${esc(v.answer.length > ANSWER_CHARS ? `${v.answer.slice(0, ANSWER_CHARS)}…` : v.answer)}</blockquote>
  <p>Sources: ${v.sources.length === 0 ? "none" : v.sources.map(sourceLink).join("; ")}</p>
</article>`,
          )
          .join("\n"),
    `<h2>Lowest-similarity answers</h2>`,
    `<p class="note">Answers whose best passage was the least similar to the question: the book may cover these only in passing.</p>`,
    report.lowestSimilarity.length === 0
      ? "<p>None.</p>"
      : table(
          ["best similarity", "question", "sources", "asked"],
          report.lowestSimilarity.map((a) => [a.similarity.toFixed(3), esc(a.question), a.sources.map(sourceLink).join("; "), a.askedAt.slice(0, 10)]),
        ),
    `<h2>Pages cited most</h2>`,
    report.mostCited.length === 0 ? "<p>None.</p>" : table(["answers", "page", "file"], report.mostCited.map((p) => [String(p.answers), pageLink(p), esc(p.file)])),
    `<h2>Pages never cited</h2>`,
    report.neverCited.length === 0 ? "<p>None.</p>" : `<ul>${report.neverCited.map((p) => `<li>${pageLink(p)} <code>${esc(p.file)}</code></li>`).join("")}</ul>`,
    `<h2>Counts per day</h2>`,
    table(
      ["day", "asked", "answered from the book", "not covered", "voted up", "voted down"],
      report.days.map((d) => [d.day, d.asked, d.answeredFromBook, d.notCovered, d.votedUp, d.votedDown].map(String)),
    ),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; color: #1c1e21; max-width: 1000px; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #dadde1; padding-bottom: .3rem; } h3 { font-size: 1.05rem; }
  .note { color: #606770; }
  .totals { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
  .totals div { border: 1px solid #dadde1; border-radius: 8px; padding: .6rem 1rem; min-width: 8rem; }
  .totals strong { display: block; font-size: 1.6rem; } .totals span { color: #606770; }
  figure { margin: 1rem 0; } figure svg { max-width: 100%; height: auto; } figcaption { color: #606770; font-size: .9rem; }
  table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #dadde1; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f5f6f7; } blockquote { border-left: 4px solid #dadde1; margin: .5rem 0; padding: .2rem .8rem; color: #444950; white-space: pre-wrap; }
  .vote { border-bottom: 1px dashed #dadde1; padding-bottom: .5rem; }
</style>
</head>
<body>
${sections.join("\n")}
</body>
</html>
`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A link only to a web address: a stored url is data, never a `javascript:` link. */
function link(label: string, url: string | undefined): string {
  return url && /^(https?:\/\/|\/)/.test(url) ? `<a href="${esc(url)}">${esc(label)}</a>` : esc(label);
}

const pageLink = (p: PageRef) => link(p.title, p.url);
const sourceLink = (s: Source) => `${link(sourceLabel(s), s.url)} (${s.similarity})`;
