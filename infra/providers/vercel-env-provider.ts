import type * as pulumi from "@pulumi/pulumi";
import { isApiError } from "../http/api-error.ts";
import { vercelCall, vercelFor, type VercelConnection } from "../vercel/vercel-client.ts";
import { changedKeys } from "./inputs.ts";
import { progress } from "./progress.ts";

/**
 * One environment variable of a Vercel project (the backend's URL), for the chosen targets.
 * Vercel refuses an upsert (400 ENV_CONFLICT) when a record of the key exists whose targets
 * differ from those sent, as the dashboard's default of all three does; so the key's
 * records are listed, the ones that cover our targets edited by id (keeping their own type),
 * and records created only for targets none covers. A record scoped to a Git branch holds that
 * branch's previews' value, not the project's: it is never edited, counted or removed. New
 * records are `encrypted`: Vercel never gives them back, so the state's value stands for what
 * was written. Two stacks (prod and staging) may share the key on different targets: each
 * record a stack writes names the stack in its comment, and a stack never writes into a
 * record another stack's comment names, so neither can overwrite the other's value.
 */
export type VercelEnvInputs = VercelConnection & {
  key: string;
  value: string;
  targets: string[];
  /** The Pulumi stack that writes the variable ("project/stack"); its records carry it in their comment. */
  stack?: string;
};

export type VercelEnvOutputs = VercelEnvInputs & {
  /** The records that hold our value: edited or created by us. */
  envIds: string[];
};

type Target = "production" | "preview" | "development";
type EnvRecord = { id: string; key: string; target: string[]; type: string | undefined; comment: string | undefined };

/** The comment a stack's records carry, and the stack named in one (undefined: not a stack's). */
// docs/platform-facts.md: An env record carries a comment
const commentFor = (stack: string) => `Set by Pulumi stack ${stack}`;
const stackNamedIn = (comment: string | undefined) => /^Set by Pulumi stack (\S+)$/.exec(comment ?? "")?.[1];

/** The types an edit may send (`@vercel/sdk`'s editProjectEnv); a record of another (a legacy `secret`) is edited without one. */
const EDIT_TYPES = new Set(["system", "encrypted", "plain", "sensitive"]);

const TARGETS = new Set(["production", "preview", "development"]);

const scope = (inputs: VercelConnection) => ({ idOrName: inputs.project, ...(inputs.teamId ? { teamId: inputs.teamId } : {}) });
const targetsOf = (target: string[] | string | undefined | null): string[] => (Array.isArray(target) ? target : target ? [target] : []);

/** The project's own records of this key (not a Git branch's), each with its id, targets and type (values are not readable). */
async function recordsOf(inputs: VercelConnection, key: string): Promise<EnvRecord[]> {
  const vercel = vercelFor(inputs);
  const body = await vercelCall(`listing the env variables of Vercel project ${inputs.project}`, () => vercel.projects.filterProjectEnvs(scope(inputs)));
  type Listed = {
    id?: string | undefined;
    key?: string | undefined;
    type?: string | undefined;
    target?: string[] | string | undefined | null;
    gitBranch?: string | undefined;
    comment?: string | undefined;
  };
  const envs = ("envs" in body ? body.envs : [body]) as Listed[];
  return (
    envs
      // docs/platform-facts.md: Branch-scoped env records
      .filter((env): env is Listed & { id: string } => env.key === key && typeof env.id === "string" && !env.gitBranch)
      .map((env) => ({ id: env.id, key, target: targetsOf(env.target).sort(), type: env.type, comment: env.comment }))
  );
}

/**
 * Writes the value on every record that covers one of our targets and creates records for
 * the targets none covers. A record we made (`owned`) is also narrowed to our targets, or
 * removed when it covers none; a record someone else made keeps its targets. A record of
 * another stack that covers one of our targets fails the write before anything is written.
 */
async function write(inputs: VercelEnvInputs, owned: readonly string[]): Promise<string[]> {
  const vercel = vercelFor(inputs);
  const records = await recordsOf(inputs, inputs.key);
  refuseOtherStacks(inputs, records, owned);
  const mark = inputs.stack ? { comment: commentFor(inputs.stack) } : {};
  const kept: EnvRecord[] = [];
  const shared: string[] = [];
  for (const record of records) {
    const wanted = record.target.filter((target) => inputs.targets.includes(target));
    const ours = owned.includes(record.id);
    if (wanted.length === 0) {
      if (ours) await remove(inputs, [record.id], inputs.key);
      continue;
    }
    const target = ours && wanted.length !== record.target.length ? (wanted as Target[]) : undefined;
    // As `vercel env update` does: the record's own type goes back with the new value.
    // docs/platform-facts.md: An edit keeps the record's type
    const type = record.type && EDIT_TYPES.has(record.type) ? { type: record.type as "encrypted" } : {};
    await vercelCall(`editing ${inputs.key} (${record.target.join(", ")}) on Vercel project ${inputs.project}`, () =>
      vercel.projects.editProjectEnv({ ...scope(inputs), id: record.id, requestBody: { value: inputs.value, ...type, ...(target ? { target } : {}), ...(ours ? mark : {}) } }),
    );
    kept.push({ ...record, target: target ?? record.target });
    if (!target) shared.push(...record.target.filter((t) => !inputs.targets.includes(t)));
  }
  const covered = new Set(kept.flatMap((record) => record.target));
  const missing = inputs.targets.filter((target) => !covered.has(target)) as Target[];
  const created: string[] = [];
  if (missing.length > 0) {
    const result = await vercelCall(`creating ${inputs.key} on Vercel project ${inputs.project}`, () =>
      vercel.projects.createProjectEnv({ ...scope(inputs), requestBody: { key: inputs.key, value: inputs.value, type: "encrypted", target: missing, ...mark } }),
    );
    const failed = result.failed ?? [];
    if (failed.length > 0) {
      const reasons = failed.map((entry) => `${entry.error.code}: ${entry.error.message}`).join("; ");
      throw new Error(`creating ${inputs.key} on Vercel project ${inputs.project} failed: ${reasons}`);
    }
    const made = result.created === undefined ? [] : Array.isArray(result.created) ? result.created : [result.created];
    created.push(...made.map((env) => env.id).filter((id): id is string => typeof id === "string"));
  }
  const parts = [kept.length ? `edited ${kept.length} record(s)` : "", missing.length ? `created for ${missing.join(", ")}` : ""].filter(Boolean);
  const note = shared.length ? ` (an existing record also covers ${[...new Set(shared)].join(", ")}, which gets the value too)` : "";
  progress(`Vercel project ${inputs.project}: ${inputs.key} ${parts.join(", ")}${note}`);
  return [...kept.map((record) => record.id), ...created];
}

/** Fails, naming both stacks, when a record another stack wrote covers one of our targets. */
function refuseOtherStacks(inputs: VercelEnvInputs, records: readonly EnvRecord[], owned: readonly string[]): void {
  for (const record of records) {
    const other = stackNamedIn(record.comment);
    if (!other || other === inputs.stack || owned.includes(record.id)) continue;
    const shared = record.target.filter((target) => inputs.targets.includes(target));
    if (shared.length === 0) continue;
    throw new Error(
      `Vercel project ${inputs.project}: ${inputs.key} for ${shared.join(", ")} is Pulumi stack ${other}'s (its record covers ${record.target.join(", ")}); ` +
        `this stack${inputs.stack ? ` (${inputs.stack})` : ""} would overwrite its value. Give each stack its own targets: narrow one stack's vercelTargets ` +
        "(`pulumi config set --stack <stack> vercelTargets <targets>`, then `pulumi up --stack <stack>`) so no target is in both.",
    );
  }
}

async function remove(inputs: VercelConnection, ids: string[], key: string): Promise<void> {
  const vercel = vercelFor(inputs);
  for (const id of ids) {
    try {
      await vercelCall(`removing ${key} from Vercel project ${inputs.project}`, () => vercel.projects.removeProjectEnv({ ...scope(inputs), id }));
    } catch (error) {
      if (!isApiError(error, "not_found")) throw error;
    }
  }
}

export const vercelEnvImplementation: pulumi.dynamic.ResourceProvider<VercelEnvInputs, VercelEnvOutputs> = {
  async check(_olds, news) {
    const failures = [];
    if (!news.token) failures.push({ property: "token", reason: "a Vercel token is required" });
    if (!news.project) failures.push({ property: "project", reason: "the Vercel project's id or name" });
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(news.key))) failures.push({ property: "key", reason: "an environment variable name" });
    if (!Array.isArray(news.targets) || news.targets.length === 0 || news.targets.some((target) => !TARGETS.has(target))) {
      failures.push({ property: "targets", reason: "one or more of production, preview, development" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["project", "teamId", "key", "apiUrl"]);
    // A new stack name is written onto our records' comments.
    const changes = replaces.length > 0 || changedKeys(olds, news, ["value", "targets", "token", "stack"]).length > 0;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs) {
    const envIds = await write(inputs, []);
    return { id: `${inputs.project}/${inputs.key}`, outs: { ...inputs, envIds } };
  },

  async read(id, props) {
    if (!props) return {};
    let records: EnvRecord[];
    try {
      records = await recordsOf(props, props.key);
    } catch (error) {
      if (isApiError(error, "not_found")) return {};
      throw error;
    }
    const ours = records.filter((record) => props.envIds.includes(record.id));
    if (ours.length === 0) return {};
    // The value cannot be read back (encrypted): the state's stands. Targets and records can.
    const covered = new Set(records.flatMap((record) => record.target));
    return { id, props: { ...props, targets: props.targets.filter((target) => covered.has(target)), envIds: ours.map((record) => record.id) } };
  },

  async update(_id, olds, news) {
    // Our records narrow to the new targets (or go); new targets get a record.
    return { outs: { ...news, envIds: await write(news, olds.envIds ?? []) } };
  },

  async delete(_id, props) {
    const records = await recordsOf(props, props.key).catch((error) => {
      if (isApiError(error, "not_found")) return [];
      throw error;
    });
    // A record that also covers a target not ours (the dashboard's "all three") stays for that target.
    const ours = records.filter((record) => props.envIds.includes(record.id));
    const shared = ours.filter((record) => record.target.some((target) => !props.targets.includes(target)));
    await remove(props, ours.filter((record) => !shared.includes(record)).map((record) => record.id), props.key);
    const kept = shared.length ? `; kept the record that also covers ${[...new Set(shared.flatMap((r) => r.target))].filter((t) => !props.targets.includes(t)).join(", ")}` : "";
    progress(`Vercel project ${props.project}: ${props.key} removed${kept}`);
  },
};
