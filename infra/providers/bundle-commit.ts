import { commit, type CommitOperation } from "@huggingface/hub";
import { MANIFEST_NAME, parseManifest, sha256, type Manifest, type ManifestEntry } from "../../service/src/bundle-manifest.ts";
import { step } from "../http/api-error.ts";
import { viaSdk, type HubClient } from "../hub/hub-client.ts";
import { listRepoTree, readRepoFile, readRepoFileAt } from "../hub/space-api.ts";
import { progress } from "./progress.ts";

/**
 * A bundle committed to the Space in one commit, from the bundle folder (an upload) or from
 * an earlier commit of the Space repo (a rollback). Only files that differ from the Space's own
 * manifest are sent; what the Space's bundle holds and this one lacks is deleted in the same
 * commit, but only paths the repo really holds: the Hub fails a whole commit that deletes a
 * missing one.
 */
export type BundleToCommit = {
  manifest: Manifest;
  manifestBytes: Uint8Array;
  /** The bytes of one file of the manifest. */
  content(entry: ManifestEntry): Promise<Uint8Array>;
  title: string;
  description: string;
  /** What the progress line calls the commit, e.g. "uploading bundle 0123456789ab". */
  doing: string;
  /**
   * Whether the repo already holds a file as it is here; by default, when the Space's manifest
   * lists it with the same sha256. An upload asks the repo's tree instead, so a file edited
   * on the Hub since is sent again.
   */
  held?: (entry: ManifestEntry) => boolean;
  /** The repo's paths, when the caller has listed them already. */
  repoFiles?: ReadonlySet<string>;
};

/** The manifest the Space's main branch holds; undefined without one, or with one that is not ours. */
export async function remoteManifest(hub: HubClient, repoId: string): Promise<Manifest | undefined> {
  const text = await step(`reading ${MANIFEST_NAME} of ${repoId}`, () => readRepoFile(hub, repoId, MANIFEST_NAME));
  if (text === undefined) return undefined;
  try {
    return parseManifest(text, `${repoId}/${MANIFEST_NAME}`);
  } catch {
    return undefined; // not ours: committed over
  }
}

/**
 * Commits `bundle` over what the Space holds (`remote`, its manifest). Without a manifest there
 * (a new or foreign Space) every file is sent, and `previous` says what an earlier bundle put there.
 */
export async function commitBundle(hub: HubClient, repoId: string, bundle: BundleToCommit, remote: Manifest | undefined, previous: ManifestEntry[] = []): Promise<string> {
  const inManifest = new Map((remote?.files ?? []).map((file) => [file.path, file.sha256]));
  const held = bundle.held ?? ((file: ManifestEntry) => inManifest.get(file.path) === file.sha256);
  const changed = bundle.manifest.files.filter((file) => !held(file));
  const keep = new Set([...bundle.manifest.files.map((file) => file.path), MANIFEST_NAME]);
  const departed = [...new Set((remote?.files ?? previous).map((file) => file.path))].filter((path) => !keep.has(path));
  const listed = async () => bundle.repoFiles ?? new Set((await step(`listing the files of ${repoId}`, () => listRepoTree(hub, repoId))).keys());
  const inRepo = departed.length ? await listed() : new Set<string>();
  const deleted = departed.filter((path) => inRepo.has(path)).sort();

  const operations: CommitOperation[] = [];
  for (const file of changed) operations.push({ operation: "addOrUpdate", path: file.path, content: new Blob([new Uint8Array(await bundle.content(file))]) });
  operations.push({ operation: "addOrUpdate", path: MANIFEST_NAME, content: new Blob([new Uint8Array(bundle.manifestBytes)]) });
  for (const path of deleted) operations.push({ operation: "delete", path });
  const counts = `${changed.length} of ${bundle.manifest.files.length} files${deleted.length ? `, deleting ${deleted.length}` : ""}`;
  progress(`${repoId}: ${bundle.doing} (${counts})`);
  const result = await step(`${bundle.doing} to ${repoId}`, () =>
    viaSdk(() =>
      commit({
        repo: { type: "space", name: repoId },
        title: bundle.title,
        description: bundle.description,
        operations,
        hubUrl: hub.hubUrl,
        fetch: hub.fetch,
        useWebWorkers: false,
        ...hub.credentials,
      }),
    ),
  );
  if (!result) throw new Error(`${bundle.doing} to ${repoId}: the Hub returned no commit`);
  progress(`${repoId}: committed ${result.commit.oid.slice(0, 12)}`);
  return result.commit.oid;
}

/**
 * Commits again the bundle an earlier commit of the Space repo holds, its files read at that
 * revision (the Hub keeps every commit; Pulumi's state keeps only the paths and hashes, and
 * a bundle's bytes do not belong in the state). Each file is checked against that commit's
 * manifest. Undefined when the Space's main branch holds that bundle already.
 */
export async function recommitBundle(
  hub: HubClient,
  repoId: string,
  from: { commitSha: string; bundleHash: string },
  message: { title: string; why: string; doing: string },
): Promise<string | undefined> {
  const at = from.commitSha.slice(0, 12);
  const manifestBytes = await step(`reading ${MANIFEST_NAME} of ${repoId} at ${at}`, () => readRepoFileAt(hub, repoId, MANIFEST_NAME, from.commitSha));
  if (!manifestBytes) throw new Error(`${repoId} has no commit ${at} holding ${MANIFEST_NAME} (the repo's history was rewritten?)`);
  const manifest = parseManifest(manifestBytes.toString("utf8"), `${repoId}/${MANIFEST_NAME} at ${at}`);
  if (manifest.hash !== from.bundleHash) throw new Error(`commit ${at} of ${repoId} holds bundle ${manifest.hash.slice(0, 12)}, not ${from.bundleHash.slice(0, 12)}`);
  const remote = await remoteManifest(hub, repoId);
  if (remote?.hash === manifest.hash) return undefined;
  const content = async (entry: ManifestEntry) => {
    const bytes = await step(`reading ${entry.path} of ${repoId} at ${at}`, () => readRepoFileAt(hub, repoId, entry.path, from.commitSha));
    if (!bytes || sha256(bytes) !== entry.sha256) throw new Error(`${entry.path} at commit ${at} of ${repoId} is missing or differs from its manifest`);
    return bytes;
  };
  return commitBundle(hub, repoId, {
    manifest,
    manifestBytes,
    content,
    title: message.title,
    description: `bundle-hash: ${manifest.hash}\n\n${message.why}`,
    doing: message.doing,
  }, remote);
}
