import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { isApiError, step } from "../http/api-error.ts";
import type { HubClient } from "../hub/hub-client.ts";
import { addSecret, addVariable, deleteSecret, deleteVariable, findSpace, getSecretKeys, getVariables } from "../hub/space-api.ts";
import { changedKeys, checkHubConnection, hubFor, isUnknown, type CheckFailure, type HubConnection } from "./inputs.ts";
import { progress } from "./progress.ts";

/**
 * A Space's secrets or its variables, one key at a time: a changed value sets that key
 * only, a key that left the map is deleted on the Space. The Hub never returns a secret's
 * value, so the state keeps a hash of each (itself a Pulumi secret) to tell what changed.
 * Drift: a refresh finds a key deleted on the Hub, or a variable's value changed there, and
 * the next update sets that key again; keys added there by hand are left alone.
 */
export type SettingsInputs = HubConnection & { repoId: string; values: Record<string, string> };

export type SettingsOutputs = HubConnection & {
  repoId: string;
  keys: string[];
  /** sha256 of each value, so a changed value shows without storing it. */
  hashes: Record<string, string>;
  /** One hash over every key and value, and over the repairs: what a rollout watches. */
  revision: string;
  /**
   * Updates that wrote to the Hub, each restarting the Space. Counted into the revision: an
   * update that puts back what a refresh found changed on the Hub ends with the keys and
   * values the state held before, and the rollout must still wait for the restarted Space.
   */
  writes?: number;
  /** Variables only: their values (a secret's value is never an output). */
  values?: Record<string, string>;
};

type Kind = {
  noun: "secret" | "variable";
  set: (hub: HubClient, repoId: string, key: string, value: string) => Promise<void>;
  remove: (hub: HubClient, repoId: string, key: string) => Promise<void>;
  /** What the Hub has: for secrets keys only (value undefined), for variables keys and values. */
  current: (hub: HubClient, repoId: string) => Promise<Record<string, string | undefined>>;
  keepsValues: boolean;
};

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const hashOf = (key: string, value: string) => createHash("sha256").update(`${key}\0${value}`).digest("hex");

function revisionOf(hashes: Record<string, string>, writes = 0): string {
  const lines = Object.keys(hashes)
    .sort()
    .map((key) => `${key}=${hashes[key]}\n`)
    .join("");
  // A state from before the count (none) keeps its revision: nothing moves until something is written.
  return createHash("sha256").update(writes === 0 ? lines : `${lines}writes=${writes}\n`).digest("hex");
}

function settingsProvider(kind: Kind): pulumi.dynamic.ResourceProvider<SettingsInputs, SettingsOutputs> {
  const outputsOf = (inputs: SettingsInputs, writes = 0): SettingsOutputs => {
    const keys = Object.keys(inputs.values).sort();
    const hashes = Object.fromEntries(keys.map((key) => [key, hashOf(key, inputs.values[key]!)]));
    return {
      hubUrl: inputs.hubUrl,
      token: inputs.token,
      repoId: inputs.repoId,
      keys,
      hashes,
      revision: revisionOf(hashes, writes),
      ...(writes > 0 ? { writes } : {}),
      ...(kind.keepsValues ? { values: { ...inputs.values } } : {}),
    };
  };

  /** Keys to set (new or changed) and keys to delete, against what the state says the Space has. */
  const plan = (olds: Partial<SettingsOutputs>, news: SettingsInputs) => {
    const before = olds.hashes ?? {};
    const toSet = Object.keys(news.values)
      .sort()
      .filter((key) => before[key] !== hashOf(key, news.values[key]!));
    const toDelete = Object.keys(before)
      .filter((key) => !(key in news.values))
      .sort();
    return { toSet, toDelete };
  };

  const apply = async (news: SettingsInputs, toSet: string[], toDelete: string[]) => {
    const hub = hubFor(news);
    for (const key of toSet) {
      await step(`setting ${kind.noun} ${key} on ${news.repoId}`, () => kind.set(hub, news.repoId, key, news.values[key]!));
    }
    for (const key of toDelete) {
      try {
        await kind.remove(hub, news.repoId, key);
      } catch (error) {
        if (!isApiError(error, "not_found")) throw isApiError(error) ? error.during(`deleting ${kind.noun} ${key} on ${news.repoId}`) : error;
      }
    }
    if (toSet.length + toDelete.length > 0) {
      // Key names only: values never reach a log.
      const parts = [toSet.length ? `set ${toSet.join(", ")}` : "", toDelete.length ? `deleted ${toDelete.join(", ")}` : ""].filter(Boolean);
      progress(`${news.repoId}: ${kind.noun}s ${parts.join("; ")}`);
    }
  };

  return {
    async check(_olds, news) {
      const failures: CheckFailure[] = checkHubConnection(news);
      if (!isUnknown(news.repoId) && (typeof news.repoId !== "string" || !/^[^/]+\/[^/]+$/.test(news.repoId))) failures.push({ property: "repoId", reason: "owner/name" });
      for (const [key, value] of Object.entries(isUnknown(news.values) ? {} : (news.values ?? {}))) {
        if (!KEY.test(key)) failures.push({ property: "values", reason: `${key} is not a valid environment variable name` });
        if (typeof value !== "string") failures.push({ property: "values", reason: `${key} must be a string` });
      }
      return { inputs: news, failures };
    },

    async diff(_id, olds, news) {
      const replaces = changedKeys(olds, news, ["hubUrl", "repoId"]);
      if (isUnknown(news.values)) return { changes: true, replaces };
      const { toSet, toDelete } = plan(olds, news);
      const changes = replaces.length > 0 || toSet.length > 0 || toDelete.length > 0 || olds.token !== news.token;
      return { changes, replaces };
    },

    async create(inputs) {
      const { toSet } = plan({}, inputs);
      await apply(inputs, toSet, []);
      return { id: `${inputs.repoId}/${kind.noun}s`, outs: outputsOf(inputs) };
    },

    async read(id, props) {
      if (!props) return {};
      const hub = hubFor(props);
      const space = await step(`reading Space ${props.repoId}`, () => findSpace(hub, props.repoId));
      if (!space) return {};
      const remote = await step(`reading the ${kind.noun}s of ${props.repoId}`, () => kind.current(hub, props.repoId));
      // A key gone from the Space, or (variables) a value changed there, drops out of the hashes: the next update restores it.
      // A secret's value changed there under the same key cannot be seen (docs/platform-facts.md: A secret's value is never read back).
      const hashes: Record<string, string> = {};
      for (const [key, hash] of Object.entries(props.hashes ?? {})) {
        if (!(key in remote)) continue;
        const value = remote[key];
        if (value === undefined || hashOf(key, value) === hash) hashes[key] = hash;
      }
      const keys = Object.keys(hashes).sort();
      const values = kind.keepsValues ? Object.fromEntries(keys.map((key) => [key, remote[key]!])) : undefined;
      return { id, props: { ...props, keys, hashes, revision: revisionOf(hashes, props.writes), ...(values ? { values } : {}) } };
    },

    async update(_id, olds, news) {
      const { toSet, toDelete } = plan(olds, news);
      await apply(news, toSet, toDelete);
      const wrote = toSet.length + toDelete.length > 0;
      return { outs: outputsOf(news, (olds.writes ?? 0) + (wrote ? 1 : 0)) };
    },

    async delete(_id, props) {
      await apply({ hubUrl: props.hubUrl, token: props.token, repoId: props.repoId, values: {} }, [], Object.keys(props.hashes ?? {}).sort());
    },
  };
}

export const secretsImplementation = settingsProvider({
  noun: "secret",
  set: addSecret,
  remove: deleteSecret,
  current: async (hub, repoId) => Object.fromEntries((await getSecretKeys(hub, repoId)).map((key) => [key, undefined])),
  keepsValues: false,
});

export const variablesImplementation = settingsProvider({
  noun: "variable",
  set: addVariable,
  remove: deleteVariable,
  current: getVariables,
  keepsValues: true,
});
