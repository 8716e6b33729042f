// An in-memory emulator of the Qdrant REST API as @qdrant/js-client-rest uses it: collections
// (create, get, exists, delete, list, payload index, full-text index included) and points
// (upsert, retrieve, search, query (one or a batch) with prefetch, RRF fusion and formulas, scroll, count,
// delete) on one unnamed dense vector, with Qdrant's envelopes
// `{"result","status":"ok","time"}`, its error bodies `{"status":{"error"},"time"}` and status
// codes, the api-key check, and faults: error statuses, slow answers, hangs, and a server that
// is down (the listener closed, refusing connections) until the fault is cleared.
//
// Test code, never shipped. Point the client at it with `new QdrantClient({ url, apiKey })`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { FaultList, stateFaultSwitch, type Fault, type StatusFault } from "../core/faults.ts";
import { answerFault, openExchange, type LoggedRequest } from "../core/request-log.ts";
import { match, route, type Route } from "../core/router.ts";
import { startServer } from "../core/server.ts";
import { matchesFilter, selectPayload } from "./filter.ts";
import { QueryScores, runQuery } from "./query.ts";
import { checkQuery, checkReadFilter, checkUpdateFilter, CLOUD_STRICT_MODE, NO_STRICT_MODE, strictModeOf, type StrictMode } from "./strict.ts";
import {
  compareIds,
  DISTANCES,
  f32,
  higherIsBetter,
  idKey,
  normalizeId,
  printedVector,
  QdrantError,
  score,
  toStoredVector,
  type Collection,
  type Distance,
  type Payload,
  type PointId,
  type StoredPoint,
} from "./store.ts";

/** The server version GET / reports: within one minor version of the client (1.19), so its check passes. */
export const QDRANT_VERSION = "1.19.0";

export type QdrantRouteKind = "root" | "health" | "collections" | "index" | "upsert" | "retrieve" | "search" | "scroll" | "count" | "delete" | "other";

/** "search" covers points/search, points/query and points/query/batch. */
export type QdrantFaultRoute = Exclude<QdrantRouteKind, "root" | "health" | "other"> | "all";

/** The emulators' one fault shape; a 429's `retryAfter` is its Retry-After header (default 1 s). */
export type QdrantFault = Fault<QdrantFaultRoute>;

export type QdrantLoggedRequest = LoggedRequest & {
  kind: QdrantRouteKind;
  collection: string | null;
  apiKeyPresent: boolean;
};

export type SeedPoint = { id: PointId; vector: number[]; payload?: Payload };

export type QdrantEmulator = {
  url: string;
  /** The key the server requires (the empty string when none is). */
  apiKey: string;
  requests: QdrantLoggedRequest[];
  /** Creates (or replaces) a collection with these points, strict mode as the emulator's option says unless `strictMode` is given. */
  seed(collection: string, data: { size: number; distance?: Distance; points: SeedPoint[]; strictMode?: boolean }): void;
  /** The payload indexes of a collection by field, as its info lists them ({} when it does not exist). */
  payloadIndexes(collection: string): Record<string, string>;
  /** The points of a collection as stored (Cosine vectors normalised), ordered by id; [] when it does not exist. */
  points(collection: string): Array<{ id: PointId; vector: number[]; payload: Payload }>;
  collections(): string[];
  /** Resolves once the fault is in place ("down": the listener closed; null after "down": listening again on the same port). */
  setFault(fault: QdrantFault | null): Promise<void>;
  reset(): void;
  close(): Promise<void>;
};

export type QdrantEmulatorOptions = {
  port?: number;
  host?: string;
  apiKey?: string;
  readOnlyApiKey?: string;
  /** Qdrant Cloud's strict mode on the collections the emulator creates (default true, as on Cloud; false: a self-hosted server). */
  strictMode?: boolean;
  /** The version GET / reports (default QDRANT_VERSION); below 1.14 the Query API refuses formulas. */
  version?: string;
};

/** What a route's handler gets besides the path's groups: the query and the JSON body (an object, or {}). */
type RouteContext = { url: URL; body: Record<string, unknown>; wait: boolean };

/** A route of the REST API, tagged with its kind (what the log and the faults go by); its handler returns the result. */
type QdrantRoute = Route<RouteContext, unknown> & { kind: QdrantRouteKind };

const qdrantRoute = (kind: QdrantRouteKind, method: string, pattern: RegExp, handle: QdrantRoute["handle"]): QdrantRoute => ({ kind, ...route(method, pattern, handle) });

/** The collection a path names, for the log (also on a route that does not exist). */
const collectionOf = (path: string) => {
  const name = /^\/collections\/([^/]+)/.exec(path)?.[1];
  return name === undefined ? null : decodeURIComponent(name);
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

function formatError(detail: string): QdrantError {
  return new QdrantError(400, `Format error in JSON body: ${detail}`);
}

function notFound(name: string): QdrantError {
  return new QdrantError(404, `Not found: Collection \`${name}\` doesn't exist!`);
}

function positiveInt(value: unknown, field: string, fallback?: number): number {
  if (value === undefined || value === null) {
    if (fallback === undefined) throw formatError(`missing field \`${field}\``);
    return fallback;
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw formatError(`invalid value for \`${field}\`: expected an unsigned integer`);
  return value;
}

export async function startQdrantEmulator(options: QdrantEmulatorOptions = {}): Promise<QdrantEmulator> {
  const apiKey = options.apiKey ?? "";
  // docs/platform-facts.md: strict mode is on by default for new collections on Qdrant Cloud.
  const defaultStrict: StrictMode = options.strictMode === false ? NO_STRICT_MODE : CLOUD_STRICT_MODE;
  const version = options.version ?? QDRANT_VERSION;
  const formulas = !olderThan(version, 1, 14);
  const collections = new Map<string, Collection>();
  const requests: QdrantLoggedRequest[] = [];
  const faults = new FaultList<QdrantFaultRoute>(Number.POSITIVE_INFINITY);
  const routes: QdrantRoute[] = [
    qdrantRoute("root", "GET", /^\/$/, () => ({ title: "qdrant - vector search engine", version, commit: "0000000000000000000000000000000000000000" })),
    qdrantRoute("health", "GET", /^\/(?:healthz$|readyz|livez)/, ({ url }) => (url.pathname === "/healthz" ? "healthz check passed" : "all shards are ready")),
    qdrantRoute("collections", "GET", /^\/collections\/?$/, () => ({ collections: [...collections.keys()].map((n) => ({ name: n })) })),
    qdrantRoute("collections", "GET", /^\/collections\/([^/]+)\/exists$/, (_, name) => ({ exists: collections.has(name!) })),
    qdrantRoute("collections", "GET", /^\/collections\/([^/]+)$/, (_, name) => collectionInfo(collection(name!))),
    qdrantRoute("collections", "PUT", /^\/collections\/([^/]+)$/, ({ body }, name) => create(name!, body)),
    qdrantRoute("collections", "DELETE", /^\/collections\/([^/]+)$/, (_, name) => collections.delete(name!)),
    qdrantRoute("index", "PUT", /^\/collections\/([^/]+)\/index$/, ({ body, wait }, name) => {
      const target = collection(name!);
      const field = body.field_name;
      if (typeof field !== "string" || field.length === 0) throw formatError("missing field `field_name`");
      const schema = body.field_schema;
      const dataType = typeof schema === "string" ? schema : isPlainObject(schema) && typeof schema.type === "string" ? schema.type : "keyword";
      target.payloadIndexes.set(field, isPlainObject(schema) ? { data_type: dataType, params: schema } : { data_type: dataType });
      return updated(target, wait);
    }),
    qdrantRoute("index", "DELETE", /^\/collections\/([^/]+)\/index\/([^/]+)$/, ({ wait }, name, field) => {
      const target = collection(name!);
      target.payloadIndexes.delete(field!);
      return updated(target, wait);
    }),
    qdrantRoute("upsert", "PUT", /^\/collections\/([^/]+)\/points$/, ({ body, wait }, name) => upsert(collection(name!), body, wait)),
    qdrantRoute("retrieve", "POST", /^\/collections\/([^/]+)\/points$/, ({ body }, name) => retrieve(collection(name!), body)),
    qdrantRoute("retrieve", "GET", /^\/collections\/([^/]+)\/points\/([^/]+)$/, (_, name, rawId) => {
      const target = collection(name!);
      const id = normalizeId(/^\d+$/.test(rawId!) ? Number(rawId) : rawId);
      const point = target.points.get(idKey(id));
      if (!point) throw new QdrantError(404, `Not found: No point with id ${id} found`);
      return record(point, true, false);
    }),
    qdrantRoute("search", "POST", /^\/collections\/([^/]+)\/points\/search$/, ({ body }, name) => {
      const target = collection(name!);
      checkReadFilter(target.strictMode, body.filter, target.payloadIndexes);
      return search(target, body, body.vector, positiveInt(body.limit, "limit"));
    }),
    qdrantRoute("search", "POST", /^\/collections\/([^/]+)\/points\/query$/, ({ body }, name) => {
      return { points: query(collection(name!), body) };
    }),
    // Several Query API requests in one call; each answers as points/query would, in order.
    qdrantRoute("search", "POST", /^\/collections\/([^/]+)\/points\/query\/batch$/, ({ body }, name) => {
      const target = collection(name!);
      if (!Array.isArray(body.searches)) throw formatError("missing field `searches`");
      const scores = new QueryScores(target);
      return body.searches.map((search: unknown) => {
        if (!isPlainObject(search)) throw formatError("each of `searches` must be a query request object");
        return { points: query(target, search, scores) };
      });
    }),
    qdrantRoute("scroll", "POST", /^\/collections\/([^/]+)\/points\/scroll$/, ({ body }, name) => {
      const target = collection(name!);
      checkReadFilter(target.strictMode, body.filter, target.payloadIndexes);
      return scroll(target, body);
    }),
    qdrantRoute("count", "POST", /^\/collections\/([^/]+)\/points\/count$/, ({ body }, name) => {
      const target = collection(name!);
      checkReadFilter(target.strictMode, body.filter, target.payloadIndexes);
      let count = 0;
      for (const point of target.points.values()) if (matchesFilter(body.filter, point, target)) count++;
      return { count };
    }),
    qdrantRoute("delete", "POST", /^\/collections\/([^/]+)\/points\/delete$/, ({ body, wait }, name) => remove(collection(name!), body, wait)),
  ];

  const server = await startServer({
    name: "qdrant",
    port: options.port,
    host: options.host,
    handle,
    crashBody: () => ({ status: { error: "Service internal error: emulator failure" }, time: 0 }),
  });

  function collection(name: string | null): Collection {
    const found = name === null ? undefined : collections.get(name);
    if (!found) throw notFound(name ?? "");
    return found;
  }

  function createCollection(name: string, size: number, distance: Distance, onDiskPayload = true, strictMode: StrictMode = defaultStrict): Collection {
    const created: Collection = { name, size, distance, points: new Map(), payloadIndexes: new Map(), operationId: 0, onDiskPayload, strictMode: { ...strictMode } };
    collections.set(name, created);
    return created;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const ex = await openExchange<QdrantLoggedRequest>(req, res, {
      log: requests,
      closing: () => server.closing,
      describe: ({ url, method, req: request }) => {
        const found = match(routes, method, url.pathname);
        return { kind: found?.route.kind ?? "other", collection: collectionOf(url.pathname), apiKeyPresent: keyOf(request) !== null };
      },
    });
    if (ex === null) return;
    const { url, method, entry } = ex;
    const found = match(routes, method, url.pathname);
    const kind = entry.kind;
    const parsed = ex.json;
    const key = keyOf(req);
    const time = () => Number(process.hrtime.bigint() - started) / 1e9;
    const plain = (status: number, text: string) => ex.replyText(status, text);

    if (apiKey !== "" && kind !== "root" && kind !== "health") {
      // Qdrant's auth middleware answers in plain text, not in the JSON envelope.
      if (key === null) return plain(401, "Must provide an API key or an Authorization bearer token");
      const readOnly = options.readOnlyApiKey !== undefined && key === options.readOnlyApiKey;
      if (key !== apiKey && !readOnly) return plain(401, "Invalid API key or JWT");
      if (readOnly && isWrite(method, kind)) return plain(403, "Write access denied");
    }
    // Liveness and the version answer even while a fault is in force.
    const hit = kind === "root" || kind === "health" ? null : faults.take({ method, path: url.pathname, covers: (group) => group === kind });
    const faultAnswer = (fault: StatusFault) => ({
      status: fault.status,
      body: { status: { error: fault.message ?? faultMessage(fault.status) }, time: time() },
      headers: fault.status === 429 && fault.retryAfter !== null ? { "retry-after": String(fault.retryAfter ?? 1) } : ({} as Record<string, string>),
    });
    if (hit && (await answerFault(ex, hit, faultAnswer))) return;

    try {
      if (!parsed.ok) throw formatError(parsed.error);
      if (found === null) return ex.replyEmpty(404);
      const body = isPlainObject(parsed.value) ? parsed.value : {};
      const result = await found.route.handle({ url, body, wait: url.searchParams.get("wait") === "true" }, ...found.groups);
      if (kind === "root") return ex.reply(200, result);
      if (kind === "health") return plain(200, result as string);
      ex.reply(200, { result, status: "ok", time: time() });
    } catch (err) {
      if (!(err instanceof QdrantError)) throw err;
      ex.reply(err.status, { status: { error: err.message }, time: time() });
    }
  }

  function create(name: string, b: Record<string, unknown>) {
    if (collections.has(name)) throw new QdrantError(409, `Wrong input: Collection \`${name}\` already exists!`);
    const vectors = b.vectors;
    if (!isPlainObject(vectors) || !("size" in vectors)) {
      throw formatError("the emulator supports one unnamed dense vector: `vectors` must be {size, distance}");
    }
    const size = positiveInt(vectors.size, "size");
    if (size < 1) throw new QdrantError(400, "Validation error in JSON body: [vectors.size: value 0 invalid, must be 1 or larger]");
    const distance = vectors.distance;
    if (typeof distance !== "string" || !DISTANCES.includes(distance as Distance)) {
      throw formatError(`unknown variant \`${String(distance)}\`, expected one of ${DISTANCES.map((d) => `\`${d}\``).join(", ")}`);
    }
    createCollection(name, size, distance as Distance, b.on_disk_payload !== false, strictModeOf(b.strict_mode_config, defaultStrict));
    return true;
  }

  function updated(target: Collection, wait: boolean) {
    target.operationId += 1;
    return { operation_id: target.operationId, status: wait ? "completed" : "acknowledged" };
  }

  function upsert(target: Collection, b: Record<string, unknown>, wait: boolean) {
    type Incoming = { id: unknown; vector: unknown; payload: unknown };
    let incoming: Incoming[];
    if (Array.isArray(b.points)) {
      incoming = b.points.map((p: Record<string, unknown>) => ({ id: p?.id, vector: p?.vector, payload: p?.payload }));
    } else if (isPlainObject(b.batch)) {
      const { ids, vectors, payloads } = b.batch as { ids?: unknown; vectors?: unknown; payloads?: unknown };
      if (!Array.isArray(ids) || !Array.isArray(vectors) || ids.length !== vectors.length) throw formatError("batch needs ids and vectors of the same length");
      incoming = ids.map((id, i) => ({ id, vector: vectors[i], payload: Array.isArray(payloads) ? payloads[i] : undefined }));
    } else {
      throw formatError("data did not match any variant of untagged enum PointInsertOperations");
    }
    // Check every point before writing any: a rejected batch leaves the collection as it was.
    const ready = incoming.map((p) => {
      if (p.payload !== undefined && p.payload !== null && !isPlainObject(p.payload)) throw formatError("payload must be an object");
      return { id: normalizeId(p.id), vector: toStoredVector(target, p.vector), payload: structuredClone((p.payload ?? {}) as Payload) };
    });
    const result = updated(target, wait);
    for (const p of ready) target.points.set(idKey(p.id), { ...p, version: target.operationId });
    return result;
  }

  function record(point: StoredPoint, withPayload: unknown, withVector: unknown) {
    return {
      id: point.id,
      payload: selectPayload(point.payload, withPayload),
      vector: withVector === true || Array.isArray(withVector) ? printedVector(point.vector) : null,
    };
  }

  function retrieve(target: Collection, b: Record<string, unknown>) {
    if (!Array.isArray(b.ids)) throw formatError("missing field `ids`");
    const out = [];
    for (const raw of b.ids) {
      const point = target.points.get(idKey(normalizeId(raw)));
      if (point) out.push(record(point, b.with_payload ?? true, b.with_vector ?? false));
    }
    return out;
  }

  function queryVector(query: unknown): unknown {
    if (Array.isArray(query)) return query;
    if (isPlainObject(query) && Array.isArray(query.nearest)) return query.nearest;
    if (query === undefined || query === null) throw formatError("the emulator needs `query`: a vector or {nearest: vector}");
    throw formatError("the emulator supports a query that is a vector or {nearest: vector}");
  }

  function search(target: Collection, b: Record<string, unknown>, rawVector: unknown, limit: number) {
    let vector = rawVector;
    if (isPlainObject(vector) && "vector" in vector) {
      // The named form {name, vector}: only the unnamed vector "" exists here.
      if (vector.name !== "" && vector.name !== undefined) throw new QdrantError(400, `Wrong input: Not existing vector name error: ${String(vector.name)}`);
      vector = vector.vector;
    }
    if (b.using !== undefined && b.using !== null && b.using !== "") throw new QdrantError(400, `Wrong input: Not existing vector name error: ${String(b.using)}`);
    const query = toStoredVector(target, vector);
    const offset = positiveInt(b.offset, "offset", 0);
    const threshold = typeof b.score_threshold === "number" ? b.score_threshold : undefined;
    const higher = higherIsBetter(target.distance);
    const scored: Array<{ point: StoredPoint; score: number }> = [];
    for (const point of target.points.values()) {
      if (!matchesFilter(b.filter, point, target)) continue;
      const s = score(target.distance, query, point.vector);
      if (threshold !== undefined && (higher ? s < threshold : s > threshold)) continue;
      scored.push({ point, score: s });
    }
    scored.sort((x, y) => (higher ? y.score - x.score : x.score - y.score) || compareIds(x.point.id, y.point.id));
    return scored.slice(offset, offset + limit).map(({ point, score: s }) => {
      const { payload, vector } = record(point, b.with_payload ?? false, b.with_vector ?? false);
      return { id: point.id, version: point.version, score: f32(s), payload, vector };
    });
  }

  /** The Query API: a nearest-vector query, or prefetches fused, rescored by a formula or re-ranked; refused as the server would (formulas before 1.14, strict mode). */
  function query(target: Collection, b: Record<string, unknown>, scores = new QueryScores(target)) {
    if (!formulas && usesFormula(b)) throw formatError("data did not match any variant of untagged enum QueryInterface");
    checkQuery(target.strictMode, b, target.payloadIndexes);
    if (b.using !== undefined && b.using !== null && b.using !== "") throw new QdrantError(400, `Wrong input: Not existing vector name error: ${String(b.using)}`);
    const limit = positiveInt(b.limit, "limit", 10);
    const offset = positiveInt(b.offset, "offset", 0);
    const ranked = runQuery(target, { ...b, limit, offset }, queryVector, scores);
    return ranked.slice(offset, offset + limit).map(({ point, score: s }) => {
      const { payload, vector } = record(point, b.with_payload ?? false, b.with_vector ?? false);
      return { id: point.id, version: point.version, score: f32(s), payload, vector };
    });
  }

  function scroll(target: Collection, b: Record<string, unknown>) {
    if (b.order_by !== undefined && b.order_by !== null) throw formatError("the emulator does not support order_by");
    const limit = positiveInt(b.limit, "limit", 10);
    const from = b.offset === undefined || b.offset === null ? null : normalizeId(b.offset);
    const sorted = [...target.points.values()]
      .filter((p) => (from === null || compareIds(p.id, from) >= 0) && matchesFilter(b.filter, p, target))
      .sort((x, y) => compareIds(x.id, y.id));
    const page = sorted.slice(0, limit);
    return {
      points: page.map((p) => record(p, b.with_payload ?? true, b.with_vector ?? false)),
      next_page_offset: sorted[limit]?.id ?? null,
    };
  }

  function remove(target: Collection, b: Record<string, unknown>, wait: boolean) {
    if (Array.isArray(b.points)) {
      const keys = b.points.map((id) => idKey(normalizeId(id)));
      const result = updated(target, wait);
      for (const key of keys) target.points.delete(key);
      return result;
    }
    if (isPlainObject(b.filter)) {
      checkUpdateFilter(target.strictMode, b.filter, target.payloadIndexes);
      const doomed = [...target.points.entries()].filter(([, p]) => matchesFilter(b.filter, p, target)).map(([key]) => key);
      const result = updated(target, wait);
      for (const key of doomed) target.points.delete(key);
      return result;
    }
    throw formatError("data did not match any variant of untagged enum PointsSelector");
  }

  function collectionInfo(target: Collection) {
    const count = target.points.size;
    const payloadSchema: Record<string, unknown> = {};
    for (const [field, index] of target.payloadIndexes) {
      let points = 0;
      for (const p of target.points.values()) if (field.split(".")[0]! in p.payload) points++;
      payloadSchema[field] = { ...index, points };
    }
    return {
      status: "green",
      optimizer_status: "ok",
      // Below the indexing threshold Qdrant keeps vectors unindexed (plain search).
      indexed_vectors_count: count >= 10_000 ? count : 0,
      points_count: count,
      segments_count: 2,
      config: {
        params: {
          vectors: { size: target.size, distance: target.distance },
          shard_number: 1,
          replication_factor: 1,
          write_consistency_factor: 1,
          on_disk_payload: target.onDiskPayload,
        },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: {
          deleted_threshold: 0.2,
          vacuum_min_vector_number: 1000,
          default_segment_number: 0,
          max_segment_size: null,
          memmap_threshold: null,
          indexing_threshold: 10_000,
          flush_interval_sec: 5,
          max_optimization_threads: null,
        },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 },
        quantization_config: null,
        strict_mode_config: { ...target.strictMode },
      },
      payload_schema: payloadSchema,
    };
  }

  return {
    url: server.url,
    apiKey,
    requests,
    seed(name, data) {
      const strict = data.strictMode === undefined ? defaultStrict : data.strictMode ? CLOUD_STRICT_MODE : NO_STRICT_MODE;
      const target = createCollection(name, data.size, data.distance ?? "Cosine", true, strict);
      upsert(target, { points: data.points }, true);
    },
    points(name) {
      const target = collections.get(name);
      if (!target) return [];
      return [...target.points.values()]
        .sort((a, b) => compareIds(a.id, b.id))
        .map((p) => ({ id: p.id, vector: printedVector(p.vector), payload: structuredClone(p.payload) }));
    },
    collections: () => [...collections.keys()],
    payloadIndexes(name) {
      const target = collections.get(name);
      return target ? Object.fromEntries([...target.payloadIndexes].map(([field, index]) => [field, index.data_type])) : {};
    },
    setFault: stateFaultSwitch(faults, server),
    reset() {
      collections.clear();
      requests.length = 0;
      if (!faults.down) faults.clear();
    },
    close: () => server.close(),
  };
}

/** True when `version` ("1.13.4") is before major.minor. */
function olderThan(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split(".").map(Number);
  return a < major || (a === major && b < minor);
}

/** Whether a Query API request uses a formula at any level. */
function usesFormula(request: unknown): boolean {
  if (!isPlainObject(request)) return false;
  if (isPlainObject(request.query) && "formula" in request.query) return true;
  const prefetches = Array.isArray(request.prefetch) ? request.prefetch : [request.prefetch];
  return prefetches.some(usesFormula);
}

function keyOf(req: IncomingMessage): string | null {
  const header = req.headers["api-key"];
  if (typeof header === "string") return header;
  return /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? null;
}

function isWrite(method: string, kind: QdrantRouteKind): boolean {
  if (method === "PUT" || method === "DELETE" || method === "PATCH") return true;
  return method === "POST" && kind === "delete";
}

function faultMessage(status: number): string {
  if (status === 429) return "Rate limiting exceeded: Emulated rate limit, retry later";
  if (status === 503) return "Service unavailable: emulated fault";
  if (status >= 500) return "Service internal error: emulated fault";
  return "Bad request: emulated fault";
}
