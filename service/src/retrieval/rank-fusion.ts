/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): a document's fused score is
 * the sum over the rankings that hold it of 1 / (k + rank). Ranks, not scores, are added,
 * so a cosine similarity and a text-match score need no common scale. k = 60 is the paper's
 * value, and Qdrant's.
 */
export const RRF_K = 60;

