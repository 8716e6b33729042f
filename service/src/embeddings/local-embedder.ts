import { LOCAL_EMBEDDING_MODEL } from "../config.ts";
import { STOP_WORDS } from "../text/words.ts";
import { normalize, type Embedder, type EmbeddingTask } from "./embedder.ts";

/**
 * The embedded default: a deterministic bag of words and word bigrams, feature-hashed into
 * a fixed number of buckets. No model download and no network, so `npm start` works
 * offline; far weaker than a neural embedder, yet enough to find the chapter a question
 * names. Queries and documents are embedded alike (the task is ignored).
 */
export class LocalEmbedder implements Embedder {
  readonly model = LOCAL_EMBEDDING_MODEL;
  readonly dimensions: number;

  constructor(options: { dimensions: number }) {
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) throw new RangeError("dimensions must be a positive integer");
    this.dimensions = options.dimensions;
  }

  async embed(texts: string[], _task: EmbeddingTask, signal?: AbortSignal): Promise<number[][]> {
    signal?.throwIfAborted();
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): number[] {
    const vector = new Array<number>(this.dimensions).fill(0);
    for (const [feature, weight] of features(text)) {
      const hash = fnv1a(feature);
      const bucket = hash % this.dimensions;
      // A sign from other bits of the hash makes collisions cancel out on average.
      const sign = mix(hash) & 1 ? -1 : 1;
      vector[bucket]! += sign * weight;
    }
    return normalize(vector);
  }

  /**
   * The cosine of the words and bigrams themselves, before hashing. Hashed into 768 buckets, a
   * short question's few words land on some passage's frequent ones by chance: among a book's
   * hundreds of chunks the best such collision scores 0.2 to 0.26 with no word in common,
   * as much as a passage that does answer. Computed on the words, that noise is gone.
   */
  exactSimilarity(query: string, passages: readonly string[]): number[] {
    const q = features(query);
    const qNorm = norm(q);
    return passages.map((passage) => {
      const p = features(passage);
      let dot = 0;
      for (const [feature, weight] of q) dot += weight * (p.get(feature) ?? 0);
      const denominator = qNorm * norm(p);
      return denominator === 0 ? 0 : dot / denominator;
    });
  }
}

/** Words and word bigrams with their weights: the local embedder's features of a text. */
function features(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string, weight: number) => counts.set(feature, (counts.get(feature) ?? 0) + weight);
  // A question of stop words only ("what is it?") still needs a direction: a zero vector has no cosine.
  let terms = termsOf(text);
  if (terms.length === 0) terms = termsOf(text, { keepStopWords: true });
  if (terms.length === 0) terms = ["\u2205"];
  for (const [i, term] of terms.entries()) {
    add(term, 1);
    const next = terms[i + 1];
    // Bigrams carry word order ("vector store" vs "store vector"), at half a word's weight.
    if (next !== undefined) add(`${term} ${next}`, 0.5);
  }
  // Sublinear tf: a word said ten times is not ten times as telling.
  for (const [feature, count] of counts) counts.set(feature, 1 + Math.log(count));
  return counts;
}

function norm(weights: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const w of weights.values()) sum += w * w;
  return Math.sqrt(sum);
}


/** Lower-cased, stemmed words without stop words; compound identifiers also yield their parts. */
export function termsOf(text: string, options: { keepStopWords?: boolean } = {}): string[] {
  const terms: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:[_'][\p{L}\p{N}]+)*/gu)) {
    const word = match[0].replace(/'s$/, "");
    const parts = word.includes("_") ? [word, ...word.split("_")] : [word];
    for (const part of parts) {
      if (part.length === 0 || (STOP_WORDS.has(part) && !options.keepStopWords)) continue;
      terms.push(stem(part));
    }
  }
  return terms;
}

/** A light suffix stripper: enough that "chunks", "chunking" and "chunked" meet. */
export function stem(word: string): string {
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) return word.slice(0, -3) + "y";
  if (word.endsWith("sses")) return word.slice(0, -2);
  if (word.endsWith("ing") && word.length > 5) return undouble(word.slice(0, -3));
  if (word.endsWith("ed") && word.length > 4) return undouble(word.slice(0, -2));
  if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

function undouble(word: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(word) && !/(ll|ss|zz)$/.test(word) ? word.slice(0, -1) : word;
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finaliser: decorrelates the sign bit from the bucket index. */
function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
