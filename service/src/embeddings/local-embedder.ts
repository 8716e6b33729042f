import { LOCAL_EMBEDDING_MODEL } from "../config.ts";
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

    const vector = new Array<number>(this.dimensions).fill(0);
    for (const [feature, count] of counts) {
      const hash = fnv1a(feature);
      const bucket = hash % this.dimensions;
      // A sign from other bits of the hash makes collisions cancel out on average.
      const sign = mix(hash) & 1 ? -1 : 1;
      // Sublinear tf: a word said ten times is not ten times as telling.
      vector[bucket]! += sign * (1 + Math.log(count));
    }
    return normalize(vector);
  }
}

const STOP_WORDS = new Set(
  (
    "a about also am an and any are as at be been being but by can could did do does for from had has have how i if in into is it its just " +
    "me my no not of on or our should so some such than that the their them then there these they this those to too was we " +
    "were what when where which while who whom why will with would you your yours"
  ).split(" "),
);

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
