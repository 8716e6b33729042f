// A Vercel project's environment variables as the API keeps them: one record per key and
// target list, written by upsert (POST /v10/projects/{id}/env?upsert=true) or edited by id
// (PATCH /v9/projects/{id}/env/{envId}), and read back only as far as their type allows:
// `encrypted` values come back as ciphertext even with decrypt=true, `sensitive` ones not at
// all. An upsert whose target list is not exactly an existing record's is ENV_CONFLICT (the
// vercel CLI's env add meets it when the dashboard's default of all three targets exists).
// A record may be scoped to a Git branch (`gitBranch`, target preview only): it holds that
// branch's previews' value and lives beside the project's own preview record, never in
// conflict with it (docs/platform-facts.md: Branch-scoped env records). An edit changes the
// record's type only when asked (docs/platform-facts.md: An edit keeps the record's type).
// A record may carry a `comment` (what it is for), listed with it and changed by an edit.
// Test code, never shipped.
import { createHash, randomBytes } from "node:crypto";

type EnvType = "plain" | "encrypted" | "sensitive" | "secret" | "system";
const ENV_TYPES: readonly EnvType[] = ["plain", "encrypted", "sensitive", "secret", "system"];
export const TARGETS = ["production", "preview", "development"] as const;

export type VercelEnvRecord = {
  id: string;
  key: string;
  /** The value as written: the emulator knows it, the API never gives it back unless plain. */
  value: string;
  type: string;
  target: string[];
  /** The Git branch whose previews this record is for; absent: the project's own value. */
  gitBranch?: string;
  /** What the record is for, as its author wrote it. */
  comment?: string;
  createdAt: number;
  updatedAt: number;
  /** What an `encrypted` record reads back as: ciphertext, stable until the value changes. */
  ciphertext?: string;
};

export type EnvInput = { key?: unknown; value?: unknown; type?: unknown; target?: unknown; gitBranch?: unknown; comment?: unknown };

/** What a write takes once checked. */
export type EnvWrite = { key: string; value: string; type?: string; target: string[]; gitBranch?: string; comment?: string };

type EnvError = { status: number; body: { error: Record<string, unknown> } };

const envError = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): EnvError => ({
  status,
  body: { error: { code, message, ...extra } },
});

/** The record as the API lists it. */
export function envBody(env: VercelEnvRecord) {
  const readable = env.type === "plain";
  return {
    id: env.id,
    key: env.key,
    value: readable ? env.value : env.type === "encrypted" ? (env.ciphertext ?? "") : "",
    type: env.type,
    target: env.target,
    ...(env.gitBranch ? { gitBranch: env.gitBranch } : {}),
    ...(env.comment ? { comment: env.comment } : {}),
    configurationId: null,
    createdAt: env.createdAt,
    updatedAt: env.updatedAt,
    createdBy: "emulator-user",
    updatedBy: null,
    decrypted: readable,
    securityIssues: [],
  };
}

const sameTargets = (a: string[], b: string[]) => a.length === b.length && a.every((t) => b.includes(t));
/** Two records share a scope when neither or both name the same Git branch. */
const sameScope = (a: { gitBranch?: string | undefined }, b: { gitBranch?: string | undefined }) => (a.gitBranch || undefined) === (b.gitBranch || undefined);

/** A gitBranch only on a record for previews alone. */
function invalidBranch(gitBranch: unknown, target: unknown): EnvError | null {
  if (gitBranch === undefined || gitBranch === null || gitBranch === "") return null;
  if (typeof gitBranch !== "string") return envError(400, "BAD_REQUEST", "gitBranch must be a string");
  if (!Array.isArray(target) || target.length !== 1 || target[0] !== "preview") return envError(400, "BAD_REQUEST", "gitBranch requires the target preview alone");
  return null;
}

function encrypt(value: string): string {
  // Looks like ciphertext and never contains the value; tests can still tell two values apart.
  const digest = createHash("sha256").update(value).digest("base64url").slice(0, 16);
  return `enc_${randomBytes(24).toString("base64")}${digest}`;
}

/** Checks one item of a create/upsert body; a message naming the bad field, or null. */
export function invalidInput(item: EnvInput): EnvError | null {
  if (typeof item?.key !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(item.key)) return envError(400, "INVALID_KEY", "The key must be a valid environment variable name");
  if (typeof item.value !== "string") return envError(400, "MISSING_VALUE", "The value is required");
  if (item.type !== undefined && !ENV_TYPES.includes(item.type as EnvType)) return envError(400, "VALUE_INVALID_TYPE", `Invalid type: ${String(item.type)}`);
  if (!Array.isArray(item.target) || item.target.length === 0) return envError(400, "MISSING_TARGET", "At least one target is required");
  if (item.target.some((t) => !TARGETS.includes(t as (typeof TARGETS)[number]))) return envError(400, "BAD_REQUEST", `Invalid target: ${item.target.join(",")}`);
  if (item.comment !== undefined && typeof item.comment !== "string") return envError(400, "BAD_REQUEST", "comment must be a string");
  return invalidBranch(item.gitBranch, item.target);
}

export class EnvRecords {
  /** Changed in place only: a project hands this very array out as its `envs`. */
  readonly records: VercelEnvRecord[] = [];
  private readonly newId: () => string;

  constructor(newId: () => string) {
    this.newId = newId;
  }

  /**
   * Creates a record, or with upsert updates the one of that key with exactly these targets.
   * Without upsert an existing key on any of the targets is ENV_ALREADY_EXISTS (reported in
   * `failed`); with upsert a record of that key whose targets differ is ENV_CONFLICT (400).
   */
  write(item: EnvWrite, upsert: boolean): VercelEnvRecord | { failed: unknown } | EnvError {
    const { key, target } = item;
    const sameKey = this.records.filter((env) => env.key === key && sameScope(env, item));
    const overlapping = sameKey.filter((env) => env.target.some((t) => target.includes(t)));
    if (!upsert && overlapping[0]) {
      const clash = overlapping[0];
      return {
        failed: {
          error: { code: "ENV_ALREADY_EXISTS", message: `A variable with the name \`${key}\` already exists for the target ${clash.target.join(",")}`, key, envVarKey: key, target: clash.target },
        },
      };
    }
    const exact = overlapping.find((env) => sameTargets(env.target, target));
    if (upsert && overlapping.length > 0 && (!exact || overlapping.length > 1)) {
      const clash = overlapping.find((env) => env !== exact)!;
      return envError(400, "ENV_CONFLICT", `A variable with the name \`${key}\` already exists for the target ${clash.target.join(",")} but with different targets`, {
        key,
        envVarId: clash.id,
        target: clash.target,
      });
    }
    const type = item.type ?? exact?.type ?? "plain";
    const now = Date.now();
    if (exact) {
      Object.assign(exact, { value: item.value, type, updatedAt: now, ...(typeof item.comment === "string" ? { comment: item.comment } : {}) });
      this.seal(exact);
      return exact;
    }
    const created: VercelEnvRecord = {
      id: this.newId(),
      key,
      value: item.value,
      type,
      target: [...target],
      ...(item.gitBranch ? { gitBranch: item.gitBranch } : {}),
      ...(item.comment ? { comment: item.comment } : {}),
      createdAt: now,
      updatedAt: now,
    };
    this.seal(created);
    this.records.push(created);
    return created;
  }

  /** Edits a record by id; targets that would overlap another record of the key are ENV_CONFLICT. */
  edit(id: string, change: EnvInput): VercelEnvRecord | EnvError | null {
    const env = this.records.find((e) => e.id === id);
    if (!env) return null;
    const key = typeof change.key === "string" ? change.key : env.key;
    const target = Array.isArray(change.target) ? (change.target as string[]) : env.target;
    if (target.length === 0 || target.some((t) => !TARGETS.includes(t as (typeof TARGETS)[number]))) return envError(400, "MISSING_TARGET", "At least one valid target is required");
    if (change.type !== undefined && !ENV_TYPES.includes(change.type as EnvType)) return envError(400, "VALUE_INVALID_TYPE", `Invalid type: ${String(change.type)}`);
    const gitBranch = change.gitBranch === undefined ? env.gitBranch : typeof change.gitBranch === "string" && change.gitBranch ? change.gitBranch : undefined;
    const branchError = invalidBranch(gitBranch, target);
    if (branchError) return branchError;
    const clash = this.records.find((other) => other !== env && other.key === key && sameScope(other, { gitBranch }) && other.target.some((t) => target.includes(t)));
    if (clash) {
      return envError(400, "ENV_CONFLICT", `A variable with the name \`${key}\` already exists for the target ${clash.target.join(",")}`, { key, envVarId: clash.id, target: clash.target });
    }
    Object.assign(env, {
      key,
      target: [...target],
      ...(typeof change.value === "string" ? { value: change.value } : {}),
      ...(typeof change.type === "string" ? { type: change.type } : {}),
      ...(typeof change.comment === "string" ? { comment: change.comment } : {}),
      updatedAt: Date.now(),
    });
    if (gitBranch) env.gitBranch = gitBranch;
    else delete env.gitBranch;
    this.seal(env);
    return env;
  }

  remove(id: string): VercelEnvRecord | null {
    const index = this.records.findIndex((e) => e.id === id);
    if (index < 0) return null;
    return this.records.splice(index, 1)[0]!;
  }

  /** The values a build for `target` (not of a branch with its own records) sees: every record's real value, whatever its type. */
  valuesFor(target: string | null): Record<string, string> {
    const wanted = target ?? "preview";
    return Object.fromEntries(this.records.filter((env) => env.target.includes(wanted) && !env.gitBranch).map((env) => [env.key, env.value]));
  }

  private seal(env: VercelEnvRecord): void {
    if (env.type === "encrypted") env.ciphertext = encrypt(env.value);
    else delete env.ciphertext;
  }
}
