import type { AnswerGenerator, GenerationRequest, TextSink } from "./answer-generator.ts";

const NOTICE = "No LLM key is set (GEMINI_API_KEY), so this answer quotes the most relevant passages instead of writing one.";

/**
 * The embedded answerer: without a Gemini key it streams the best passages with their
 * citations, word by word like a model would, and says plainly that no model wrote it.
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
    return `${NOTICE}\n\nNothing in the book matched the question. Try other words, or check that the book has been ingested.`;
  }
  const quotes = request.passages.slice(0, 3).map((p, i) => {
    const heading = p.payload.heading_path.join(" > ") || p.payload.file_path;
    const excerpt = bestSentences(p.payload.content, request.question, 2).join(" ");
    return `[${i + 1}] ${heading}: ${excerpt}`;
  });
  return `${NOTICE}\n\n${quotes.join("\n\n")}`;
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

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]{3,}/g) ?? [];
}

function* words(text: string): Iterable<string> {
  const parts = text.match(/\S+\s*|\s+/g) ?? [];
  for (let i = 0; i < parts.length; i += 3) yield parts.slice(i, i + 3).join("");
}
