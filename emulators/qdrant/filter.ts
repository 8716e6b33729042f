// Qdrant filters and payload selectors for the emulator: must / must_not / should / min_should,
// field conditions (match value, any, except, text; range; is_empty; is_null), has_id and
// nested filters; with_payload as a boolean, a list of keys, or include / exclude. A text
// match uses the field's full-text index when it has one (its tokens must all be among the
// value's), else a substring test of each of its words, as Qdrant does.
// Test code, never shipped.
import { idKey, normalizeId, QdrantError, type Collection, type Payload, type PayloadIndex, type StoredPoint } from "./store.ts";

/** What a filter may consult besides the point: the collection's payload indexes. */
type Indexes = Pick<Collection, "payloadIndexes">;

type Filter = { must?: unknown; must_not?: unknown; should?: unknown; min_should?: unknown };

function badFilter(detail: string): QdrantError {
  return new QdrantError(400, `Format error in JSON body: ${detail}`);
}

/** The values at a payload key ("a.b", "a[].b"); arrays at the end are flattened, as Qdrant matches any element. */
function valuesAt(payload: Payload, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const segment of key.split(".")) {
    const name = segment.endsWith("[]") ? segment.slice(0, -2) : segment;
    const next: unknown[] = [];
    for (const value of current) {
      if (value === null || typeof value !== "object" || Array.isArray(value)) continue;
      const child = (value as Record<string, unknown>)[name];
      if (child === undefined) continue;
      if (Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
  }
  return current;
}

function conditionList(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (typeof value === "object") return [value]; // a single condition is accepted in place of a list
  throw badFilter(`${field} must be a condition or a list of conditions`);
}

type TextIndexParams = { tokenizer: string; lowercase: boolean; minTokenLen: number; maxTokenLen: number; /** Names the setting, for the token caches. */ key: string };

// Read once per index: a hybrid query asks for it once per word, field and point.
const textIndexParams = new WeakMap<PayloadIndex, TextIndexParams>();

/** The text index on a field, when it has one. */
function textIndexOf(indexes: Indexes | undefined, key: string): TextIndexParams | undefined {
  const index = indexes?.payloadIndexes.get(key);
  if (index?.data_type !== "text") return undefined;
  let params = textIndexParams.get(index);
  if (!params) {
    const p = (index.params ?? {}) as Record<string, unknown>;
    const read = {
      tokenizer: typeof p.tokenizer === "string" ? p.tokenizer : "word",
      lowercase: p.lowercase !== false,
      minTokenLen: typeof p.min_token_len === "number" ? p.min_token_len : 0,
      maxTokenLen: typeof p.max_token_len === "number" ? p.max_token_len : Number.POSITIVE_INFINITY,
    };
    textIndexParams.set(index, (params = { ...read, key: JSON.stringify(read) }));
  }
  return params;
}

/** Qdrant's "word" tokenizer splits at spaces, punctuation and special characters; "whitespace" at spaces only. */
function tokenize(text: string, index: TextIndexParams): string[] {
  if (index.tokenizer !== "word" && index.tokenizer !== "whitespace") throw new QdrantError(400, `Bad request: the emulator supports the word and whitespace tokenizers, not ${index.tokenizer}`);
  const parts = index.tokenizer === "whitespace" ? text.split(/\s+/) : text.split(/[^\p{L}\p{N}]+/u);
  return parts
    .filter((t) => t.length > 0 && t.length >= index.minTokenLen && t.length <= index.maxTokenLen)
    .map((t) => (index.lowercase ? t.toLowerCase() : t));
}

// A hybrid query tests a few dozen words against every candidate: each text, stored or
// asked, is tokenized once per index setting, as Qdrant's index holds its tokens (bounded
// caches, test code).
const tokenCache = new Map<string, Map<string, Set<string>>>();
const TOKEN_CACHE_TEXTS = 10_000;

function tokenSetOf(text: string, index: TextIndexParams): Set<string> {
  let texts = tokenCache.get(index.key);
  if (!texts) tokenCache.set(index.key, (texts = new Map()));
  let tokens = texts.get(text);
  if (!tokens) {
    if (texts.size >= TOKEN_CACHE_TEXTS) texts.clear();
    texts.set(text, (tokens = new Set(tokenize(text, index))));
  }
  return tokens;
}

// A stored point is replaced, never edited (its payload is a copy): its text fields are
// tokenized once per index, and a word is then tested against a set, as Qdrant's index does.
type FieldTokens = { index: TextIndexParams; sets: Array<Set<string>> };
const pointTokens = new WeakMap<StoredPoint, Map<string, FieldTokens>>();

/** The token set of each string value at `key` of the point, under the field's text index. */
function fieldTokenSets(point: StoredPoint, key: string, index: TextIndexParams): Array<Set<string>> {
  let fields = pointTokens.get(point);
  if (!fields) pointTokens.set(point, (fields = new Map()));
  let field = fields.get(key);
  if (field?.index !== index) {
    const texts = valuesAt(point.payload, key).filter((v): v is string => typeof v === "string");
    fields.set(key, (field = { index, sets: texts.map((text) => new Set(tokenize(text, index))) }));
  }
  return field.sets;
}

/** A full-text match on an indexed field: some value of the point holds every token of the query. */
function matchesIndexedText(point: StoredPoint, key: string, query: string, index: TextIndexParams): boolean {
  const wanted = tokenSetOf(query, index);
  return fieldTokenSets(point, key, index).some((held) => holdsAll(held, wanted));
}

/** True when every token of `wanted` is among `held`. */
function holdsAll(held: Set<string>, wanted: Set<string>): boolean {
  for (const token of wanted) if (!held.has(token)) return false;
  return true;
}

function matchField(values: unknown[], match: Record<string, unknown>, textIndex?: TextIndexParams): boolean {
  if ("value" in match) return values.some((v) => v === match.value);
  if ("any" in match) {
    if (!Array.isArray(match.any)) throw badFilter("match.any must be a list");
    return values.some((v) => (match.any as unknown[]).includes(v));
  }
  if ("except" in match) {
    if (!Array.isArray(match.except)) throw badFilter("match.except must be a list");
    return values.some((v) => !(match.except as unknown[]).includes(v));
  }
  if ("text" in match && typeof match.text === "string") {
    const query = match.text;
    if (textIndex) {
      const wanted = tokenSetOf(query, textIndex);
      return values.some((v) => typeof v === "string" && holdsAll(tokenSetOf(v, textIndex), wanted));
    }
    const words = query.split(/\s+/).filter(Boolean);
    return values.some((v) => typeof v === "string" && words.every((w) => v.includes(w)));
  }
  throw badFilter("data did not match any variant of untagged enum Match");
}

function inRange(values: unknown[], range: Record<string, unknown>): boolean {
  const bound = (name: string) => (typeof range[name] === "number" ? (range[name] as number) : undefined);
  const [gt, gte, lt, lte] = [bound("gt"), bound("gte"), bound("lt"), bound("lte")];
  return values.some(
    (v) =>
      typeof v === "number" &&
      (gt === undefined || v > gt) &&
      (gte === undefined || v >= gte) &&
      (lt === undefined || v < lt) &&
      (lte === undefined || v <= lte),
  );
}

export function matchesCondition(condition: unknown, point: StoredPoint, indexes?: Indexes): boolean {
  if (condition === null || typeof condition !== "object") throw badFilter("a condition must be an object");
  const c = condition as Record<string, unknown>;
  if ("must" in c || "should" in c || "must_not" in c || "min_should" in c) return matchesFilter(c, point, indexes);
  if ("has_id" in c) {
    if (!Array.isArray(c.has_id)) throw badFilter("has_id must be a list of point ids");
    const wanted = new Set(c.has_id.map((id) => idKey(normalizeId(id))));
    return wanted.has(idKey(point.id));
  }
  if ("is_empty" in c) {
    const key = (c.is_empty as { key?: unknown } | null)?.key;
    if (typeof key !== "string") throw badFilter("is_empty needs a key");
    return valuesAt(point.payload, key).every((v) => v === null);
  }
  if ("is_null" in c) {
    const key = (c.is_null as { key?: unknown } | null)?.key;
    if (typeof key !== "string") throw badFilter("is_null needs a key");
    const direct = valuesAt(point.payload, key);
    return direct.length > 0 && direct.every((v) => v === null);
  }
  if (typeof c.key === "string") {
    if (c.match && typeof c.match === "object") {
      const match = c.match as Record<string, unknown>;
      const textIndex = textIndexOf(indexes, c.key);
      // matchField's text case (value, any and except come first), through the point's tokens.
      if (textIndex && typeof match.text === "string" && !("value" in match || "any" in match || "except" in match)) return matchesIndexedText(point, c.key, match.text, textIndex);
      return matchField(valuesAt(point.payload, c.key), match, textIndex);
    }
    const values = valuesAt(point.payload, c.key);
    if (c.range && typeof c.range === "object") return inRange(values, c.range as Record<string, unknown>);
    throw badFilter(`the emulator supports match and range on field ${c.key}, not ${Object.keys(c).join(", ")}`);
  }
  throw badFilter("data did not match any variant of untagged enum Condition");
}

/** True when the point passes the filter; a missing filter passes everything. */
export function matchesFilter(filter: unknown, point: StoredPoint, indexes?: Indexes): boolean {
  if (filter === undefined || filter === null) return true;
  if (typeof filter !== "object" || Array.isArray(filter)) throw badFilter("filter must be an object");
  const f = filter as Filter;
  const must = conditionList(f.must, "must");
  const mustNot = conditionList(f.must_not, "must_not");
  const should = conditionList(f.should, "should");
  if (!must.every((c) => matchesCondition(c, point, indexes))) return false;
  if (mustNot.some((c) => matchesCondition(c, point, indexes))) return false;
  if (should.length > 0 && !should.some((c) => matchesCondition(c, point, indexes))) return false;
  if (f.min_should !== undefined && f.min_should !== null) {
    const spec = f.min_should as { conditions?: unknown; min_count?: unknown };
    const conditions = conditionList(spec.conditions, "min_should.conditions");
    const needed = typeof spec.min_count === "number" ? spec.min_count : 1;
    if (conditions.filter((c) => matchesCondition(c, point, indexes)).length < needed) return false;
  }
  return true;
}

function pick(payload: Payload, keys: string[]): Payload {
  const out: Payload = {};
  for (const key of keys) {
    const path = key.split(".");
    let source: unknown = payload;
    for (const segment of path) source = source !== null && typeof source === "object" ? (source as Record<string, unknown>)[segment] : undefined;
    if (source === undefined) continue;
    let target = out;
    for (const segment of path.slice(0, -1)) target = (target[segment] ??= {}) as Payload;
    target[path.at(-1)!] = source;
  }
  return out;
}

/** The payload a point is returned with, or null when none was asked for. */
export function selectPayload(payload: Payload, selector: unknown): Payload | null {
  if (selector === false || selector === undefined || selector === null) return null;
  // Stored payloads are copies that are never edited, and an answer is serialized at once:
  // no copy is needed. Only an exclusion edits, a shallow copy of its own.
  if (selector === true) return payload;
  if (Array.isArray(selector)) return pick(payload, selector.map(String));
  if (typeof selector === "object") {
    const s = selector as { include?: unknown; exclude?: unknown };
    if (Array.isArray(s.include)) return pick(payload, s.include.map(String));
    if (Array.isArray(s.exclude)) {
      const copy = { ...payload };
      for (const key of s.exclude.map(String)) delete copy[key];
      return copy;
    }
  }
  throw badFilter("with_payload must be a boolean, a list of keys, or {include} / {exclude}");
}
