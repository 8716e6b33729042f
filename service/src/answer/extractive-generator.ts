import { pageTitle } from "../book/page-title.ts";
import type { SearchHit } from "../retrieval/vector-store.ts";
import { STOP_WORDS } from "../text/words.ts";
import type { AnswerGenerator, GenerationRequest, TextSink } from "./answer-generator.ts";
import { markdownBlocks, quoteBlock, type MarkdownBlock } from "./markdown-blocks.ts";

const NOTICE = "No LLM key is set (GEMINI_API_KEY), so this answer quotes the most relevant passages instead of writing one.";

// How much of each passage is quoted: a few of its blocks, best first, in the page's order.
const BLOCKS_PER_QUOTE = 3;
const CHARS_PER_QUOTE = 900;
// A paragraph longer than this is cut to its best sentences; a list to its best items.
const LONG_PARAGRAPH = 500;
const ITEMS_PER_LIST = 6;

/**
 * The embedded answerer: without a Gemini key it streams the best passages with their
 * citations, word by word like a model would, and says plainly that no model wrote it.
 * Each quote is well-formed Markdown: a blockquote of the passage's own paragraphs, lists
 * and code, its section heading named above it with the passage's [n].
 */
export class ExtractiveGenerator implements AnswerGenerator {
  readonly model = "extractive";

  async stream(request: GenerationRequest, signal: AbortSignal, onText: TextSink): Promise<void> {
    for (const piece of words(compose(request))) {
      if (signal.aborted) throw signal.reason;
      onText(piece);
      // Yield to the event loop between words so a disconnect is noticed mid-answer.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

function compose(request: GenerationRequest): string {
  if (request.mode === "selection") {
    const best = bestSentences(request.selection ?? "", request.question, 3);
    return `${NOTICE}\n\nFrom the selected text:\n\n> ${best.join(" ")}`;
  }
  if (request.passages.length === 0) {
    return "The book does not seem to cover this: no passage is close enough to the question. Try other words, or ask about a topic of the book.";
  }
  const quotes = request.passages.slice(0, 3).map((passage, i) => `From **${label(passage)}** [${i + 1}]:\n\n${quote(passage.payload.content, request.question)}`);
  return `${NOTICE}\n\n${quotes.join("\n\n")}`;
}

/** "Page title › Section", as the reader's list of sources names it. */
function label(passage: SearchHit): string {
  const { title, heading_path: headings, file_path: file } = passage.payload;
  const page = (title ?? pageTitle(file)).replace(/[*_`[\]]/g, "");
  const section = headings.at(-1)?.replace(/[*_`[\]]/g, "");
  return section ? `${page} › ${section}` : page;
}

/** The passage's blocks that share most words with the question, as one blockquote. */
function quote(content: string, question: string): string {
  const terms = new Set(tokens(question));
  const score = (text: string) => tokens(text).filter((t) => terms.has(t)).length;
  // Headings are the label's job: a `###` line inside a quote would render as a heading.
  const blocks = markdownBlocks(content).filter((b) => b.kind !== "heading");
  if (blocks.length === 0) return quoteBlock(bestSentences(content, question, 2).join(" "));
  const ranked = blocks.map((block, index) => ({ block, index, score: score(block.text) })).sort((a, b) => b.score - a.score || a.index - b.index);
  const chosen: typeof ranked = [];
  let chars = 0;
  for (const candidate of ranked) {
    if (chosen.length > 0 && (candidate.score === 0 || chars + candidate.block.text.length > CHARS_PER_QUOTE)) continue;
    chosen.push(candidate);
    chars += candidate.block.text.length;
    if (chosen.length === BLOCKS_PER_QUOTE) break;
  }
  return chosen
    .sort((a, b) => a.index - b.index)
    .map(({ block }) => quoteBlock(shorten(block, question)))
    .join("\n>\n");
}

/** A long paragraph as its best sentences; a long list as its best items, still a list. */
function shorten(block: MarkdownBlock, question: string): string {
  if (block.kind === "paragraph" && block.text.length > LONG_PARAGRAPH) return bestSentences(block.text, question, 2).join(" ");
  if (block.kind === "list" && block.items.length > ITEMS_PER_LIST) {
    const terms = new Set(tokens(question));
    const best = block.items
      .map((item, index) => ({ item, index, score: tokens(item).filter((t) => terms.has(t)).length }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, ITEMS_PER_LIST)
      .sort((a, b) => a.index - b.index);
    return best.map((b) => b.item).join("\n");
  }
  return block.text;
}

/** The sentences sharing most words with the question, in their original order. */
function bestSentences(text: string, question: string, count: number): string[] {
  const sentences = text
    .replace(/```[\s\S]*?```/g, " ")
    .split(/(?<=[.!?])\s+|\n{2,}/)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => s.length > 0);
  const terms = new Set(tokens(question));
  const scored = sentences.map((s, index) => ({ s, index, score: tokens(s).filter((t) => terms.has(t)).length }));
  const best = [...scored].sort((a, b) => b.score - a.score || a.index - b.index).slice(0, count);
  const chosen = best.sort((a, b) => a.index - b.index).map((x) => x.s);
  return chosen.length > 0 ? chosen : [text.slice(0, 300)];
}

/** Words that say what a text is about: "the" and "how" match everything. */
function tokens(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? []).filter((word) => !STOP_WORDS.has(word));
}

function* words(text: string): Iterable<string> {
  const parts = text.match(/\S+\s*|\s+/g) ?? [];
  for (let i = 0; i < parts.length; i += 3) yield parts.slice(i, i + 3).join("");
}
