// Qdrant Cloud's strict mode in the Qdrant emulator: on by default for the collections it
// creates, as Cloud turns it on for new collections (unindexed_filtering_retrieve and
// unindexed_filtering_update false), so a filter or a formula condition on a payload key
// without a fitting index is refused with Qdrant's own 400 (docs/platform-facts.md: the
// refusal). The schemas a condition needs are inferred as Qdrant infers them.
// Test code, never shipped.
import { QdrantError, type PayloadIndex } from "./store.ts";

export type StrictMode = { enabled: boolean; unindexed_filtering_retrieve: boolean; unindexed_filtering_update: boolean };

/** What Qdrant Cloud gives a new collection. */
export const CLOUD_STRICT_MODE: StrictMode = { enabled: true, unindexed_filtering_retrieve: false, unindexed_filtering_update: false };
export const NO_STRICT_MODE: StrictMode = { enabled: false, unindexed_filtering_retrieve: true, unindexed_filtering_update: true };

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The index types that serve a field condition, as Qdrant's infer_schema_from_field_condition lists them; [] when none can. */
function schemasFor(condition: Record<string, unknown>): string[] {
  const match = condition.match;
  const strings = (values: unknown[]) => (values.every((v) => typeof v === "string" && UUID.test(v)) ? ["keyword", "uuid"] : ["keyword"]);
  if (isObject(match)) {
    if ("text" in match) return ["text"];
    const value = "value" in match ? [match.value] : Array.isArray(match.any) ? match.any : Array.isArray(match.except) ? match.except : [];
    if (value.length > 0 && value.every((v) => typeof v === "string")) return strings(value);
    if (value.length > 0 && value.every((v) => typeof v === "number")) return ["integer"];
    if (value.length > 0 && value.every((v) => typeof v === "boolean")) return ["bool"];
    return [];
  }
  if (isObject(condition.range)) return ["datetime", "float", "integer"];
  return [];
}

/** The first key of `filter` (or of a formula expression) with no index of a type it needs, with those types. */
function firstUnindexed(node: unknown, indexes: Map<string, PayloadIndex>): { key: string; schemas: string[] } | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = firstUnindexed(item, indexes);
      if (found) return found;
    }
    return null;
  }
  if (!isObject(node)) return null;
  if (typeof node.key === "string") {
    const schemas = schemasFor(node);
    const index = indexes.get(node.key);
    if (schemas.length > 0 && (index === undefined || !schemas.includes(index.data_type))) return { key: node.key, schemas };
    return null;
  }
  for (const value of Object.values(node)) {
    const found = firstUnindexed(value, indexes);
    if (found) return found;
  }
  return null;
}

function refusal(found: { key: string; schemas: string[] }, what: "filter" | "formula expression"): QdrantError {
  return new QdrantError(
    400,
    `Bad request: Index required but not found for "${found.key}" of one of the following types: [${found.schemas.join(", ")}]. Help: Create an index for this key or use a different ${what}.`,
  );
}

/** Throws Qdrant's strict-mode 400 when a read filter uses a key without a fitting index. */
export function checkReadFilter(strict: StrictMode, filter: unknown, indexes: Map<string, PayloadIndex>): void {
  if (!strict.enabled || strict.unindexed_filtering_retrieve) return;
  const found = firstUnindexed(filter, indexes);
  if (found) throw refusal(found, "filter");
}

/** The same for a filtered update (delete by filter). */
export function checkUpdateFilter(strict: StrictMode, filter: unknown, indexes: Map<string, PayloadIndex>): void {
  if (!strict.enabled || strict.unindexed_filtering_update) return;
  const found = firstUnindexed(filter, indexes);
  if (found) throw refusal(found, "filter");
}

/** A Query API request: its filters (at every prefetch level) and its formula's conditions. */
export function checkQuery(strict: StrictMode, request: unknown, indexes: Map<string, PayloadIndex>): void {
  if (!isObject(request)) return;
  checkReadFilter(strict, request.filter, indexes);
  const prefetches = Array.isArray(request.prefetch) ? request.prefetch : request.prefetch === undefined || request.prefetch === null ? [] : [request.prefetch];
  for (const prefetch of prefetches) checkQuery(strict, prefetch, indexes);
  const query = request.query;
  if (strict.enabled && !strict.unindexed_filtering_retrieve && isObject(query) && query.formula !== undefined) {
    const found = firstUnindexed(query.formula, indexes);
    if (found) throw refusal(found, "formula expression");
  }
}

/** A collection's strict_mode_config from a create request's, over Cloud's defaults (or none). */
export function strictModeOf(requested: unknown, fallback: StrictMode): StrictMode {
  if (!isObject(requested)) return { ...fallback };
  const enabled = typeof requested.enabled === "boolean" ? requested.enabled : fallback.enabled;
  const flag = (name: "unindexed_filtering_retrieve" | "unindexed_filtering_update") =>
    typeof requested[name] === "boolean" ? (requested[name] as boolean) : enabled ? fallback[name] : true;
  return { enabled, unindexed_filtering_retrieve: flag("unindexed_filtering_retrieve"), unindexed_filtering_update: flag("unindexed_filtering_update") };
}
