import { createHash } from "node:crypto";
import { commit, type CommitOperation } from "@huggingface/hub";
import type * as pulumi from "@pulumi/pulumi";
import { step } from "../http/api-error.ts";
import { viaSdk } from "../hub/hub-client.ts";
import { findSpace, getSpaceInfo, listRepoTree, readRepoFile, type RepoFile } from "../hub/space-api.ts";
import { MANIFEST_NAME, parseManifest, type Manifest, type ManifestEntry } from "../../service/src/bundle-manifest.ts";
import { BundleFolderError, loadBundle } from "../bundle/bundle-folder.ts";
import { changedKeys, checkBundleHash, checkHubConnection, hubFor, type HubConnection } from "./inputs.ts";
import { progress } from "./progress.ts";

/**
 * The Space's files: the bundle folder uploaded in one commit, only when its hash changed or
 * a file of it was edited or deleted in the repo since (drift, found by a refresh: the Hub's
 * tree listing gives each file's git blob id, or an LFS file's sha256). Files that left the
 * bundle are deleted in the same commit; the message carries the hash.
 */
export type BundleInputs = HubConnection & {
  repoId: string;
  /** Absolute path of the folder `npm run bundle` wrote. */
  bundleDir: string;
  /** The manifest's hash as the program read it: a change is what triggers an upload. */
  hash: string;
};

/** A file of the bundle: the manifest's entry, and its git blob id (what the Hub's tree lists). */
export type BundleFile = { path: string; sha256: string; size: number; oid?: string };

export type BundleOutputs = BundleInputs & {
  /** The commit that holds this bundle. */
  commitSha: string;
  files: BundleFile[];
  /** Files of the bundle the repo no longer holds as uploaded (edited or deleted there), as the last read found. */
  drifted: string[];
};

export const bundleImplementation: pulumi.dynamic.ResourceProvider<BundleInputs, BundleOutputs> = {
  async check(_olds, news) {
    const failures = checkHubConnection(news);
    return { inputs: news, failures: [...failures, ...checkBundleHash("hash", news.hash)] };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["hubUrl", "repoId"]);
    // Not bundleDir: the same bundle built in another checkout (another path) is no change.
    const drifted = (olds.drifted ?? []).length > 0;
    const changes = replaces.length > 0 || drifted || changedKeys(olds, news, ["hash", "token"]).length > 0;
    return { changes, replaces };
  },

  async create(inputs) {
    return { id: `${inputs.repoId}/bundle`, outs: await upload(inputs, undefined) };
  },

  async read(id, props) {
    if (!props) return {};
    const hub = hubFor(props);
    const space = await step(`reading Space ${props.repoId}`, () => findSpace(hub, props.repoId));
    if (!space) return {};
    const remote = await remoteManifest(props);
    // Someone else's push shows as a different hash, so the next update uploads ours again.
    if (remote?.hash !== props.hash) return { id, props: { ...props, hash: remote?.hash ?? "", files: remote?.files ?? [], drifted: [] } };
    // Our bundle by its manifest, but a file edited or deleted on the Hub since is drift too.
    const tree = await step(`listing the files of ${props.repoId}`, () => listRepoTree(hub, props.repoId));
    const drifted = props.files.filter((file) => !holds(tree.get(file.path), file)).map((file) => file.path);
    if (drifted.length > 0) progress(`${props.repoId}: ${drifted.length} file(s) of bundle ${props.hash.slice(0, 12)} changed on the Hub: ${drifted.join(", ")}`);
    return { id, props: { ...props, drifted } };
  },

  async update(_id, olds, news) {
    const drifted = (olds.drifted ?? []).length > 0;
    if (olds.hash === news.hash && olds.repoId === news.repoId && !drifted) return { outs: { ...olds, ...news } };
    return { outs: await upload(news, olds) };
  },

  async delete(id) {
    progress(`${id}: the files stay in the Space repo (they go with the Space)`);
  },
};

async function upload(inputs: BundleInputs, olds: BundleOutputs | undefined): Promise<BundleOutputs> {
  const hub = hubFor(inputs);
  const bundle = await loadBundle(inputs.bundleDir);
  if (bundle.manifest.hash !== inputs.hash) {
    throw new BundleFolderError("bundle_changed", `the bundle in ${inputs.bundleDir} changed since the program read it (now ${bundle.manifest.hash.slice(0, 12)}): run the update again`);
  }
  const remote = await remoteManifest(inputs);
  const files = bundle.files.map(({ path, sha256, size, content }) => ({ path, sha256, size, oid: gitBlobOid(content) }));
  // The repo's tree says what it holds, file by file: only files that differ from it are
  // sent, so one edited on the Hub goes back and the rest stay. What an earlier bundle put
  // there and this one lacks is deleted (from the repo's manifest, else from the state), but
  // only paths the repo really holds: the Hub fails a whole commit that deletes a missing one.
  const tree = await step(`listing the files of ${inputs.repoId}`, () => listRepoTree(hub, inputs.repoId));
  const changed = bundle.files.filter((file, index) => !holds(tree.get(file.path), files[index]!));
  if (remote?.hash === inputs.hash && changed.length === 0) {
    const info = await step(`reading Space ${inputs.repoId}`, () => getSpaceInfo(hub, inputs.repoId));
    progress(`${inputs.repoId} already holds bundle ${inputs.hash.slice(0, 12)}: nothing to upload`);
    return { ...inputs, commitSha: info.sha ?? "", files, drifted: [] };
  }
  const previous: ManifestEntry[] = remote?.files ?? olds?.files ?? [];
  const keep = new Set([...files.map((file) => file.path), MANIFEST_NAME]);
  const departed = [...new Set(previous.map((file) => file.path))].filter((path) => !keep.has(path));
  const deleted = departed.filter((path) => tree.has(path)).sort();

  const operations: CommitOperation[] = [
    ...changed.map((file) => ({ operation: "addOrUpdate" as const, path: file.path, content: new Blob([new Uint8Array(file.content)]) })),
    { operation: "addOrUpdate", path: MANIFEST_NAME, content: new Blob([new Uint8Array(bundle.manifestBytes)]) },
    ...deleted.map((path) => ({ operation: "delete" as const, path })),
  ];
  const counts = `${changed.length} of ${files.length} files${deleted.length ? `, deleting ${deleted.length}` : ""}`;
  progress(`${inputs.repoId}: uploading bundle ${inputs.hash.slice(0, 12)} (${counts})`);
  const result = await step(`uploading the bundle to ${inputs.repoId}`, () =>
    viaSdk(() =>
      commit({
        repo: { type: "space", name: inputs.repoId },
        title: `Deploy bundle ${inputs.hash.slice(0, 12)}`,
        description: `bundle-hash: ${inputs.hash}\n\nUploaded by the Pulumi program in infra/.`,
        operations,
        hubUrl: hub.hubUrl,
        fetch: hub.fetch,
        useWebWorkers: false,
        ...hub.credentials,
      }),
    ),
  );
  if (!result) throw new Error(`uploading the bundle to ${inputs.repoId}: the Hub returned no commit`);
  progress(`${inputs.repoId}: committed ${result.commit.oid.slice(0, 12)}`);
  return { ...inputs, commitSha: result.commit.oid, files, drifted: [] };
}

/** The id git (and the Hub's tree listing) gives a file's content: sha1 over "blob <size>\0" and the bytes. */
export function gitBlobOid(content: Buffer): string {
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

/**
 * Whether the repo's file is the bundle's: an LFS file by its sha256, any other by its git
 * blob id. A state written before blob ids were kept has none: the size is all it can tell.
 */
function holds(remote: RepoFile | undefined, file: BundleFile): boolean {
  // docs/platform-facts.md: The repo's tree names each file's content
  if (!remote) return false;
  if (remote.lfsSha256) return remote.lfsSha256 === file.sha256;
  if (file.oid && remote.oid) return remote.oid === file.oid;
  return remote.size === file.size;
}

async function remoteManifest(inputs: BundleInputs): Promise<Manifest | undefined> {
  const text = await step(`reading ${MANIFEST_NAME} of ${inputs.repoId}`, () => readRepoFile(hubFor(inputs), inputs.repoId, MANIFEST_NAME));
  if (text === undefined) return undefined;
  try {
    return parseManifest(text, `${inputs.repoId}/${MANIFEST_NAME}`);
  } catch {
    return undefined; // not ours: upload over it
  }
}
