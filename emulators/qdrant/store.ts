// The in-memory data of the Qdrant emulator: collections of points with one unnamed dense
// vector, point ids (unsigned integers or UUIDs, normalised as Qdrant does), distances, and
// the error type whose message becomes the body's status.error.
// Test code, never shipped.
import type { StrictMode } from "./strict.ts";

export type PointId = string | number;
export type Distance = "Cosine" | "Euclid" | "Dot" | "Manhattan";
export type Payload = Record<string, unknown>;

export type StoredPoint = { id: PointId; vector: Float32Array; payload: Payload; version: number };

export type PayloadIndex = { data_type: string; params?: unknown };

export type Collection = {
  name: string;
  size: number;
  distance: Distance;
  points: Map<string, StoredPoint>;
  payloadIndexes: Map<string, PayloadIndex>;
  /** Last operation id: every write bumps it, and a point's version is the write that set it. */
  operationId: number;
  onDiskPayload: boolean;
  /** Qdrant Cloud's strict mode (strict.ts): on for the collections the emulator creates. */
  strictMode: StrictMode;
};

/** An error Qdrant reports with this status and `{"status":{"error": message}}`. */
export class QdrantError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export const DISTANCES: readonly Distance[] = ["Cosine", "Euclid", "Dot", "Manhattan"];

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A point id as Qdrant keeps it: an unsigned integer, or a UUID in lower-case hyphenated form. */
export function normalizeId(raw: unknown): PointId {
  if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === "string") {
    const braced = raw.replace(/^\{(.*)\}$/, "$1").replace(/^urn:uuid:/i, "");
    if (UUID.test(braced)) {
      const hex = braced.replace(/-/g, "").toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
  }
  throw new QdrantError(
    400,
    `Format error in JSON body: value ${JSON.stringify(raw)} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

export function idKey(id: PointId): string {
  return typeof id === "number" ? `n:${id}` : `u:${id}`;
}

/** Qdrant's id order: integers first, ascending, then UUIDs by their 128-bit value. */
export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!;
  return Math.sqrt(sum);
}

/** Checks a vector against the collection and stores it as f32; Cosine vectors are normalised on write, as in Qdrant. */
export function toStoredVector(collection: Collection, raw: unknown): Float32Array {
  let values = raw;
  if (values !== null && typeof values === "object" && !Array.isArray(values)) {
    const names = Object.keys(values);
    // An unnamed vector may also be sent as {"": [...]}.
    if (names.length === 1 && names[0] === "") values = (values as Record<string, unknown>)[""];
    else throw new QdrantError(400, `Wrong input: Not existing vector name error: ${names.join(", ")}`);
  }
  if (!Array.isArray(values) || values.some((v) => typeof v !== "number" || !Number.isFinite(v))) {
    throw new QdrantError(400, "Format error in JSON body: the vector must be a list of numbers");
  }
  if (values.length !== collection.size) {
    throw new QdrantError(400, `Wrong input: Vector dimension error: expected dim: ${collection.size}, got ${values.length}`);
  }
  const stored = Float32Array.from(values as number[]);
  if (collection.distance === "Cosine") {
    const length = norm(stored);
    if (length > 0) for (let i = 0; i < stored.length; i++) stored[i] = stored[i]! / length;
  }
  return stored;
}

/** The score Qdrant reports: similarity for Cosine and Dot (higher is closer), distance otherwise. */
export function score(distance: Distance, query: Float32Array, stored: Float32Array): number {
  let total = 0;
  // One loop per distance: a branch inside the loop made every search scan slower by half.
  if (distance === "Euclid") {
    for (let i = 0; i < query.length; i++) total += (query[i]! - stored[i]!) * (query[i]! - stored[i]!);
    return Math.fround(Math.sqrt(total));
  }
  if (distance === "Manhattan") {
    for (let i = 0; i < query.length; i++) total += Math.abs(query[i]! - stored[i]!);
    return Math.fround(total);
  }
  for (let i = 0; i < query.length; i++) total += query[i]! * stored[i]!;
  return Math.fround(total);
}

export function higherIsBetter(distance: Distance): boolean {
  return distance === "Cosine" || distance === "Dot";
}

// A stored vector never changes, and printing its 768 values (f32 below) cost the emulator
// more than the search itself when queries ask for vectors back: each is printed once.
const printedVectors = new WeakMap<Float32Array, number[]>();

/** A stored vector as Qdrant prints it, each value the shortest decimal of its f32 (a copy the caller may keep). */
export function printedVector(vector: Float32Array): number[] {
  let printed = printedVectors.get(vector);
  if (!printed) printedVectors.set(vector, (printed = Array.from(vector, f32)));
  return printed.slice();
}

/** The shortest decimal that reads back as the same f32, as Qdrant (Rust) prints its floats. */
export function f32(value: number): number {
  const target = Math.fround(value);
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}
