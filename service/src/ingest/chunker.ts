import { estimateTokens } from "../text/tokens.ts";
import type { Section } from "./markdown.ts";

export interface Chunk {
  headingPath: string[];
  /** The section heading's id on its page (Docusaurus'), when the section has a heading. */
  anchor?: string;
  content: string;
  tokenCount: number;
}

export interface ChunkOptions {
  /** Largest chunk, in estimated tokens (a code block larger than this is a chunk of its own). */
  maxTokens?: number;
  /** Text repeated from the end of one chunk at the start of the next, in estimated tokens. */
  overlapTokens?: number;
}

/** A piece the packer never cuts: a whole block, or a paragraph, line, sentence or word run of one. */
interface Unit {
  text: string;
  /** What goes between the previous unit and this one. */
  sep: string;
  code: boolean;
}

/**
 * Packs each section's blocks into chunks within a token budget. Chunks never cross a
 * section (their heading path is the section's) and never cut a code block; an oversized
 * text block is cut at paragraphs, then lines, then sentences, then words.
 */
export function chunkSections(sections: readonly Section[], options: ChunkOptions = {}): Chunk[] {
  const maxTokens = Math.max(1, options.maxTokens ?? 400);
  const overlapTokens = Math.max(0, Math.min(options.overlapTokens ?? 50, Math.floor(maxTokens / 2)));
  const chunks: Chunk[] = [];
  for (const section of sections) {
    const units: Unit[] = [];
    for (const [i, block] of section.blocks.entries()) {
      const sep = i === 0 ? "" : block.tight ? "\n" : "\n\n";
      if (block.kind === "code") {
        units.push({ text: block.text, sep, code: true });
        continue;
      }
      const pieces = splitText(block.text, maxTokens);
      pieces.forEach((piece, j) => units.push({ text: piece.text, sep: j === 0 ? sep : piece.sep, code: false }));
    }
    for (const content of pack(units, maxTokens, overlapTokens)) {
      const chunk: Chunk = { headingPath: [...section.headingPath], content, tokenCount: estimateTokens(content) };
      if (section.anchor !== undefined) chunk.anchor = section.anchor;
      chunks.push(chunk);
    }
  }
  return chunks;
}

function join(units: readonly Unit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : u.sep + u.text)).join("").trim();
}

function pack(units: readonly Unit[], maxTokens: number, overlapTokens: number): string[] {
  const out: string[] = [];
  let current: Unit[] = [];
  for (const unit of units) {
    if (current.length > 0 && estimateTokens(join([...current, unit])) > maxTokens) {
      out.push(join(current));
      const overlap = unit.code ? [] : tail(current, overlapTokens);
      current = overlap.length > 0 && estimateTokens(join([...overlap, unit])) <= maxTokens ? overlap : [];
    }
    current.push(unit);
  }
  if (current.length > 0) out.push(join(current));
  return out.filter((text) => text !== "");
}

/** The end of a chunk, at most `budget` tokens of text (never code), to repeat in the next one. */
function tail(units: readonly Unit[], budget: number): Unit[] {
  if (budget === 0) return [];
  const taken: Unit[] = [];
  for (let i = units.length - 1; i >= 0; i--) {
    const unit = units[i]!;
    if (unit.code || estimateTokens(join([unit, ...taken])) > budget) break;
    taken.unshift(unit);
  }
  if (taken.length > 0) return taken;
  const last = units[units.length - 1];
  if (!last || last.code) return [];
  // The last unit alone is over the budget: repeat its last sentences, else its last words.
  for (const pieces of [sentences(last.text), words(last.text)]) {
    const kept: Unit[] = [];
    for (let i = pieces.length - 1; i >= 0; i--) {
      const piece = pieces[i]!;
      const candidate = { text: piece.text, sep: piece.sep, code: false };
      if (estimateTokens(join([candidate, ...kept])) > budget) break;
      kept.unshift(candidate);
    }
    if (kept.length > 0) return kept;
  }
  return [];
}

interface Piece {
  text: string;
  sep: string;
}

/** Cuts text into pieces of at most maxTokens, at the coarsest boundary that suffices. */
export function splitText(text: string, maxTokens: number): Piece[] {
  const levels = [(t: string) => splitOn(t, /\n[ \t]*\n\s*/g), (t: string) => splitOn(t, /\n/g), sentences, words, (t: string) => hardCut(t, maxTokens)];
  const split = (piece: Piece, level: number): Piece[] => {
    if (estimateTokens(piece.text) <= maxTokens || level >= levels.length) return [piece];
    const parts = levels[level]!(piece.text);
    if (parts.length <= 1) return split(piece, level + 1);
    return parts.flatMap((part, i) => split({ text: part.text, sep: i === 0 ? piece.sep : part.sep }, level + 1));
  };
  return split({ text, sep: "" }, 0);
}

function splitOn(text: string, separator: RegExp): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  let sep = "";
  for (const match of text.matchAll(separator)) {
    const part = text.slice(last, match.index);
    if (part.trim() !== "") {
      pieces.push({ text: part, sep });
      sep = match[0];
    } else {
      sep += part + match[0];
    }
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (rest.trim() !== "") pieces.push({ text: rest, sep });
  return pieces;
}

const sentenceSegmenter = new Intl.Segmenter("en", { granularity: "sentence" });

function sentences(text: string): Piece[] {
  const pieces: Piece[] = [];
  let sep = "";
  for (const { segment } of sentenceSegmenter.segment(text)) {
    const body = segment.trimEnd();
    if (body.trim() === "") {
      sep += segment;
      continue;
    }
    pieces.push({ text: body, sep });
    sep = segment.slice(body.length);
  }
  return pieces;
}

function words(text: string): Piece[] {
  return splitOn(text, /\s+/g);
}

/** Last resort for a single run without spaces (a long URL, base64): fixed-size slices. */
function hardCut(text: string, maxTokens: number): Piece[] {
  const size = Math.max(1, maxTokens * 4);
  const pieces: Piece[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push({ text: text.slice(i, i + size), sep: "" });
  return pieces;
}
