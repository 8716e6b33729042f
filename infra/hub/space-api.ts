import { listFiles } from "@huggingface/hub";
import { z } from "zod";
import { isApiError } from "../http/api-error.ts";
import { viaSdk, type HubClient } from "./hub-client.ts";

/**
 * The Space endpoints @huggingface/hub does not cover, with the paths and bodies
 * huggingface_hub's hf_api.py uses (add_space_secret, get_space_variables,
 * get_space_runtime, restart_space, request_space_hardware, set_space_sleep_time,
 * update_repo_settings). Answers are checked for the fields we read; the rest passes.
 */

const runtimeSchema = z.looseObject({
  stage: z.string(),
  hardware: z.looseObject({ current: z.string().nullish(), requested: z.string().nullish() }).nullish(),
  gcTimeout: z.number().nullish(),
  errorMessage: z.string().nullish(),
});
export type SpaceRuntime = z.infer<typeof runtimeSchema>;

const spaceInfoSchema = z.looseObject({
  id: z.string(),
  private: z.boolean(),
  sdk: z.string().nullish(),
  sha: z.string().nullish(),
  host: z.string().nullish(),
  subdomain: z.string().nullish(),
  runtime: runtimeSchema.nullish(),
});
export type SpaceInfo = z.infer<typeof spaceInfoSchema>;

const secretsSchema = z.record(z.string(), z.looseObject({ updatedAt: z.string().nullish() }).nullish());
const variablesSchema = z.record(z.string(), z.looseObject({ value: z.string() }));

const spacePath = (repoId: string) => `/api/spaces/${repoId}`;

/**
 * A file of the Space repo as the Hub's tree listing gives it: its git blob id and size, and
 * for a file stored in LFS (or Xet) the sha256 of its content.
 */
export type RepoFile = { path: string; oid: string | undefined; size: number; lfsSha256: string | undefined };

/** Every file of the Space repo's main branch, by path (@huggingface/hub's listFiles, recursive, every page). */
export async function listRepoTree(hub: HubClient, repoId: string): Promise<Map<string, RepoFile>> {
  return viaSdk(async () => {
    const files = new Map<string, RepoFile>();
    const listing = listFiles({ repo: { type: "space", name: repoId }, recursive: true, hubUrl: hub.hubUrl, fetch: hub.fetch, ...hub.credentials });
    for await (const entry of listing) {
      if (entry.type !== "file") continue;
      files.set(entry.path, { path: entry.path, oid: entry.oid, size: entry.size, lfsSha256: entry.lfs?.oid });
    }
    return files;
  });
}

export function getSpaceInfo(hub: HubClient, repoId: string): Promise<SpaceInfo> {
  return hub.request("GET", spacePath(repoId), { schema: spaceInfoSchema });
}

/** Space info, or undefined when the Space does not exist. */
export async function findSpace(hub: HubClient, repoId: string): Promise<SpaceInfo | undefined> {
  try {
    return await getSpaceInfo(hub, repoId);
  } catch (error) {
    if (isApiError(error, "not_found")) return undefined;
    throw error;
  }
}

export function getRuntime(hub: HubClient, repoId: string): Promise<SpaceRuntime> {
  return hub.request("GET", `${spacePath(repoId)}/runtime`, { schema: runtimeSchema });
}

/**
 * Restarts the Space; `factory` rebuilds it from scratch without the build cache, as
 * hf_api.py's restart_space(factory_reboot=True) asks with `?factory=true`.
 */
// docs/platform-facts.md: Factory rebuild
export function restartSpace(hub: HubClient, repoId: string, options: { factory?: boolean } = {}): Promise<SpaceRuntime> {
  return hub.request("POST", `${spacePath(repoId)}/restart${options.factory ? "?factory=true" : ""}`, { schema: runtimeSchema });
}

export function requestHardware(hub: HubClient, repoId: string, flavor: string): Promise<SpaceRuntime> {
  return hub.request("POST", `${spacePath(repoId)}/hardware`, { body: { flavor }, schema: runtimeSchema });
}

export function setSleepTime(hub: HubClient, repoId: string, seconds: number): Promise<SpaceRuntime> {
  return hub.request("POST", `${spacePath(repoId)}/sleeptime`, { body: { seconds }, schema: runtimeSchema });
}

export async function setVisibility(hub: HubClient, repoId: string, isPrivate: boolean): Promise<void> {
  await hub.request("PUT", `${spacePath(repoId)}/settings`, { body: { visibility: isPrivate ? "private" : "public" } });
}

/** The keys of the Space's secrets: the Hub never returns their values. */
export async function getSecretKeys(hub: HubClient, repoId: string): Promise<string[]> {
  const secrets = await hub.request("GET", `${spacePath(repoId)}/secrets`, { schema: secretsSchema });
  return Object.keys(secrets).sort();
}

export async function addSecret(hub: HubClient, repoId: string, key: string, value: string): Promise<void> {
  await hub.request("POST", `${spacePath(repoId)}/secrets`, { body: { key, value } });
}

export async function deleteSecret(hub: HubClient, repoId: string, key: string): Promise<void> {
  await hub.request("DELETE", `${spacePath(repoId)}/secrets`, { body: { key } });
}

export async function getVariables(hub: HubClient, repoId: string): Promise<Record<string, string>> {
  const variables = await hub.request("GET", `${spacePath(repoId)}/variables`, { schema: variablesSchema });
  return Object.fromEntries(Object.entries(variables).map(([key, entry]) => [key, entry.value]));
}

export async function addVariable(hub: HubClient, repoId: string, key: string, value: string): Promise<void> {
  await hub.request("POST", `${spacePath(repoId)}/variables`, { body: { key, value } });
}

export async function deleteVariable(hub: HubClient, repoId: string, key: string): Promise<void> {
  await hub.request("DELETE", `${spacePath(repoId)}/variables`, { body: { key } });
}

/** A file of the Space repo's main branch as text, or undefined when it is not there. */
export async function readRepoFile(hub: HubClient, repoId: string, path: string): Promise<string | undefined> {
  return (await readRepoFileAt(hub, repoId, path, "main"))?.toString("utf8");
}

/**
 * A file's bytes at a revision (a branch or a commit id), or undefined when the revision does
 * not hold it. The Hub serves any revision at /spaces/{repo}/resolve/{revision}/{path}; an
 * unknown revision is a 404 too, which the caller tells apart by asking for a file it must hold.
 */
// docs/platform-facts.md: Files at a revision
export async function readRepoFileAt(hub: HubClient, repoId: string, path: string, revision: string): Promise<Buffer | undefined> {
  try {
    const response = await hub.raw(`/spaces/${repoId}/resolve/${encodeURIComponent(revision)}/${path.split("/").map(encodeURIComponent).join("/")}`);
    return Buffer.from(await response.arrayBuffer());
  } catch (error) {
    if (isApiError(error, "not_found")) return undefined;
    throw error;
  }
}
