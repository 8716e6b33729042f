// Deterministic stand-in embeddings for the Gemini emulator: a hashed bag of words and word
// bigrams, so texts sharing words get close vectors and retrieval in tests behaves sensibly.
// The hash is seeded by the model name: two models give unrelated vector spaces, as real ones do.
//
// Like gemini-embedding-001 (Matryoshka training), the full-size vector has unit length and a
// smaller outputDimensionality is its prefix, which is NOT unit length: Google's docs tell
// callers to normalise those themselves. Features are spread over nested bands, so a prefix
// that ends on a band edge (128, 256, 512, 768, 1536) still holds every feature.
// Test code, never shipped.

const STOPWORDS = new Set(
  "a an and are as at be by can do does for from how i in is it its of on or so that the this to was what when where which who why will with you your".split(" "),
);

/** Words of a text, lower-cased, stop words out, a crude suffix strip so "deploying" meets "deploy". */
export function words(text: string): string[] {
  const raw = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return raw.filter((w) => !STOPWORDS.has(w)).map(stem);
}

function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ["ments", "ment", "ings", "ing", "ed", "es", "s"]) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

/** 32-bit FNV-1a: fast and stable across runs and machines. */
function fnv1a(text: string, seed: number): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  // A final avalanche so that near-identical inputs spread over the whole range.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b) >>> 0;
  hash ^= hash >>> 13;
  return hash >>> 0;
}

function bands(size: number): Array<[start: number, end: number]> {
  const edges = [0, 128, 256, 512, 768, 1536, 3072].filter((e) => e < size);
  edges.push(size);
  const out: Array<[number, number]> = [];
  for (let i = 0; i + 1 < edges.length; i++) out.push([edges[i]!, edges[i + 1]!]);
  return out;
}

/** The model's full-size, unit-length vector for a text. */
function fullEmbedding(model: string, text: string, size: number): number[] {
  const seed = fnv1a(`model:${model}`, 0x9e3779b9);
  const tokens = words(text);
  const features = new Map<string, number>();
  const add = (feature: string, weight: number) => features.set(feature, (features.get(feature) ?? 0) + weight);
  for (const token of tokens) add(`w:${token}`, 1);
  for (let i = 0; i + 1 < tokens.length; i++) add(`b:${tokens[i]} ${tokens[i + 1]}`, 0.5);
  // A text without words still needs a direction of its own, never a zero vector.
  if (features.size === 0) add(`raw:${text}`, 1);

  const vector = new Array<number>(size).fill(0);
  const layout = bands(size);
  for (const [feature, count] of features) {
    const weight = 1 + Math.log(count); // repeated words count, but sub-linearly
    for (let band = 0; band < layout.length; band++) {
      const [start, end] = layout[band]!;
      const h = fnv1a(`${band}|${feature}`, seed);
      const sign = h & 1 ? 1 : -1;
      vector[start + ((h >>> 1) % (end - start))]! += sign * weight;
    }
  }
  let norm = 0;
  for (const v of vector) norm += v * v;
  norm = Math.sqrt(norm);
  return vector.map((v) => v / norm);
}

/** The vector the API returns: the full one cut to `dimensions`. */
export function embed(model: string, text: string, maxSize: number, dimensions: number = maxSize): number[] {
  const full = fullEmbedding(model, text, maxSize);
  return dimensions >= maxSize ? full : full.slice(0, dimensions);
}
