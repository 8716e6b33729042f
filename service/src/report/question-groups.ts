import { LOCAL_EMBEDDING_MODEL } from "../config.ts";
import type { Embedder } from "../embeddings/embedder.ts";

export interface QuestionGroup {
  /** How many times a question of the group was asked. */
  count: number;
  /** The group's most asked wording. */
  question: string;
  /** Every wording, most asked first. */
  wordings: Array<{ text: string; count: number }>;
  lastAsked: string;
}

/**
 * Least cosine similarity for two wordings to count as one question, on each embedder's own
 * scale. The local embedder (hashed words) puts rewordings of a question at 0.65 to 1 and the
 * same question about another thing ("capital of France", "of Spain") under 0.5; Gemini's
 * vectors sit higher for any two questions, so the bar is higher.
 */
export function defaultGroupSimilarity(embeddingModel: string): number {
  return embeddingModel === LOCAL_EMBEDDING_MODEL ? 0.6 : 0.85;
}

/**
 * Groups questions by wording: identical ones (case and spacing aside) first, then each
 * wording joins the first group, most asked first, whose centroid is at least `similarity`
 * from it, else starts a group. Embedded with the service's embedder, in batches.
 */
export async function groupQuestions(
  asked: ReadonlyArray<{ question: string; askedAt: string }>,
  embedder: Embedder,
  similarity: number,
  signal?: AbortSignal,
): Promise<QuestionGroup[]> {
  const wordings = new Map<string, { text: string; count: number; firstAsked: string; lastAsked: string }>();
  for (const { question, askedAt } of asked) {
    const key = question.trim().replace(/\s+/g, " ").toLowerCase();
    const seen = wordings.get(key);
    if (seen) {
      seen.count++;
      if (askedAt > seen.lastAsked) seen.lastAsked = askedAt;
      if (askedAt < seen.firstAsked) seen.firstAsked = askedAt;
    } else wordings.set(key, { text: question.trim().replace(/\s+/g, " "), count: 1, firstAsked: askedAt, lastAsked: askedAt });
  }
  // Most asked first, then first asked: a group is named by its most asked wording.
  const distinct = [...wordings.values()].sort((a, b) => b.count - a.count || (a.firstAsked < b.firstAsked ? -1 : a.firstAsked > b.firstAsked ? 1 : 0));
  const vectors: number[][] = [];
  for (let i = 0; i < distinct.length; i += 100) {
    vectors.push(...(await embedder.embed(distinct.slice(i, i + 100).map((w) => w.text), "RETRIEVAL_QUERY", signal)));
  }

  const groups: Array<{ sum: number[]; members: typeof distinct }> = [];
  distinct.forEach((wording, i) => {
    const vector = vectors[i]!;
    const home = groups.find((g) => cosine(g.sum, vector) >= similarity);
    if (home) {
      home.members.push(wording);
      vector.forEach((x, d) => (home.sum[d]! += x));
    } else groups.push({ sum: [...vector], members: [wording] });
  });
  return groups
    .map(({ members }) => ({
      count: members.reduce((n, m) => n + m.count, 0),
      question: members[0]!.text,
      wordings: members.map(({ text, count }) => ({ text, count })),
      lastAsked: members.reduce((last, m) => (m.lastAsked > last ? m.lastAsked : last), ""),
    }))
    .sort((a, b) => b.count - a.count || (a.lastAsked > b.lastAsked ? -1 : 1));
}

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
