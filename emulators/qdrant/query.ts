// The Query API of the Qdrant emulator (POST /collections/{name}/points/query) beyond a plain
// nearest-vector search: `prefetch` (one or a list, nested), a main query that fuses the
// prefetches' results (`{"fusion":"rrf"}`), rescores them with a formula (`{"formula":...}`,
// Qdrant 1.14+: sums and products of numbers, prefetch scores and conditions worth 1 or 0),
// or re-ranks them by a vector. Test code, never shipped.
import { matchesCondition, matchesFilter } from "./filter.ts";
import { compareIds, higherIsBetter, idKey, QdrantError, score, toStoredVector, type Collection, type StoredPoint } from "./store.ts";

type Scored = { point: StoredPoint; score: number };

// Qdrant's default RRF constant; its ranks count from 0 (the paper's k = 60 is Qdrant's 61).
const QDRANT_RRF_K = 2;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function formatError(detail: string): QdrantError {
  return new QdrantError(400, `Format error in JSON body: ${detail}`);
}

function limitOf(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw formatError("invalid value for `limit`: expected an unsigned integer");
  return value;
}

/**
 * The scores of the query vectors of one request (or one batch), each point scored once per
 * vector: a hybrid query repeats the question's vector in each prefetch, and scoring every
 * point again for each copy cost the emulator most of its CPU under load.
 */
export class QueryScores {
  readonly #target: Collection;
  readonly #seen: Array<{ raw: readonly unknown[]; vector: Float32Array; scores: Map<StoredPoint, number> }> = [];

  constructor(target: Collection) {
    this.#target = target;
  }

  /** The score of each point against `raw` (a vector as the request wrote it). */
  scorer(raw: unknown): (point: StoredPoint) => number {
    let entry = Array.isArray(raw) ? this.#seen.find((e) => sameValues(e.raw, raw)) : undefined;
    if (!entry) {
      const vector = toStoredVector(this.#target, raw);
      entry = { raw: raw as unknown[], vector, scores: new Map() };
      this.#seen.push(entry);
    }
    const { vector, scores } = entry;
    const distance = this.#target.distance;
    return (point) => {
      let s = scores.get(point);
      if (s === undefined) scores.set(point, (s = score(distance, vector, point.vector)));
      return s;
    };
  }
}

function sameValues(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The points of one query request (a prefetch or the main query), best first, before offset and limit of the main query. */
export function runQuery(target: Collection, request: Record<string, unknown>, vectorOf: (query: unknown) => unknown, scores = new QueryScores(target)): Scored[] {
  const limit = limitOf(request.limit, 10);
  const prefetches = request.prefetch === undefined || request.prefetch === null ? [] : Array.isArray(request.prefetch) ? request.prefetch : [request.prefetch];
  const query = request.query;
  const threshold = typeof request.score_threshold === "number" ? request.score_threshold : undefined;

  let ranked: Scored[];
  if (prefetches.length === 0) {
    if (isPlainObject(query) && ("fusion" in query || "formula" in query)) throw new QdrantError(400, "Bad request: fusion and formula queries need at least one prefetch");
    ranked = nearest(target, [...target.points.values()].filter((p) => matchesFilter(request.filter, p, target)), scores.scorer(vectorOf(query)));
  } else {
    const results = prefetches.map((p) => {
      if (!isPlainObject(p)) throw formatError("each prefetch must be an object");
      return runQuery(target, p, vectorOf, scores).slice(0, limitOf(p.limit, 10));
    });
    const candidates = new Map<string, StoredPoint>();
    for (const list of results) for (const { point } of list) if (matchesFilter(request.filter, point, target)) candidates.set(idKey(point.id), point);
    if (isPlainObject(query) && query.fusion !== undefined) {
      if (query.fusion !== "rrf") throw formatError(`the emulator supports fusion "rrf", not ${JSON.stringify(query.fusion)}`);
      ranked = rrf(results, candidates);
    } else if (isPlainObject(query) && query.formula !== undefined) {
      const scores = results.map((list) => new Map(list.map((s) => [idKey(s.point.id), s.score])));
      // Read once, on the first candidate (none, no error, as before), then run for each.
      let formula: Formula | undefined;
      ranked = [...candidates.values()].map((point) => ({ point, score: (formula ??= compile(query.formula, scores, target))(point) }));
      ranked.sort((a, b) => b.score - a.score || compareIds(a.point.id, b.point.id));
    } else if (query === undefined || query === null) {
      // No main query: the first prefetch's order stands.
      ranked = results[0]!.filter(({ point }) => candidates.has(idKey(point.id)));
    } else {
      ranked = nearest(target, [...candidates.values()], scores.scorer(vectorOf(query)));
    }
  }
  if (threshold !== undefined) ranked = ranked.filter((s) => s.score >= threshold);
  return ranked.slice(0, limit + (typeof request.offset === "number" ? request.offset : 0));
}

function nearest(target: Collection, points: StoredPoint[], scoreOf: (point: StoredPoint) => number): Scored[] {
  const higher = higherIsBetter(target.distance);
  const scored = points.map((point) => ({ point, score: scoreOf(point) }));
  scored.sort((x, y) => (higher ? y.score - x.score : x.score - y.score) || compareIds(x.point.id, y.point.id));
  return scored;
}

/** Reciprocal rank fusion as Qdrant computes it: the sum of 1 / (k + rank) over the lists, ranks from 0. */
function rrf(results: Scored[][], candidates: Map<string, StoredPoint>): Scored[] {
  const scores = new Map<string, number>();
  for (const list of results) {
    list.forEach(({ point }, rank) => {
      const key = idKey(point.id);
      if (candidates.has(key)) scores.set(key, (scores.get(key) ?? 0) + 1 / (QDRANT_RRF_K + rank));
    });
  }
  return [...scores.entries()]
    .map(([key, s]) => ({ point: candidates.get(key)!, score: Math.fround(s) }))
    .sort((a, b) => b.score - a.score || compareIds(a.point.id, b.point.id));
}

/** A formula's value for one point. */
type Formula = (point: StoredPoint) => number;

/**
 * A formula read once into a function of the point: numbers, "$score" / "$score[i]", sum, mult,
 * and conditions (1 when met, else 0). A query's formula is run for every candidate, and
 * walking its JSON (a regular expression per variable) for each cost more than the matching.
 */
function compile(expression: unknown, scores: Array<Map<string, number>>, target: Collection): Formula {
  if (typeof expression === "number") return () => expression;
  if (typeof expression === "string") {
    const match = /^\$score(?:\[(\d+)\])?$/.exec(expression);
    if (!match) throw formatError(`the emulator supports the variables $score and $score[i] in formulas, not ${expression}`);
    const list = scores[Number(match[1] ?? 0)];
    if (!list) throw new QdrantError(400, `Bad request: formula refers to prefetch ${match[1]}, which does not exist`);
    return (point) => {
      const found = list.get(idKey(point.id));
      if (found === undefined) throw new QdrantError(400, `Bad request: no score for point ${point.id} in prefetch ${match[1] ?? 0}; give a default in \`defaults\``);
      return found;
    };
  }
  if (isPlainObject(expression)) {
    const { sum, mult } = expression;
    if (Array.isArray(sum)) {
      const parts = sum.map((e) => compile(e, scores, target));
      return (point) => parts.reduce((total, part) => total + part(point), 0);
    }
    if (Array.isArray(mult)) {
      const parts = mult.map((e) => compile(e, scores, target));
      return (point) => parts.reduce((total, part) => total * part(point), 1);
    }
    if ("key" in expression || "must" in expression || "should" in expression || "must_not" in expression || "has_id" in expression) {
      return (point) => (matchesCondition(expression, point, target) ? 1 : 0);
    }
  }
  throw formatError("the emulator supports formulas of numbers, $score, sum, mult and conditions");
}
