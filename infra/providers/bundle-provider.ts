import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { step } from "../http/api-error.ts";
import { findSpace, getSpaceInfo, listRepoTree, type RepoFile } from "../hub/space-api.ts";
import { BundleFolderError, loadBundle } from "../bundle/bundle-folder.ts";
import { commitBundle, remoteManifest } from "./bundle-commit.ts";
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
    const remote = await remoteManifest(hub, props.repoId);
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
  const remote = await remoteManifest(hub, inputs.repoId);
  const files = bundle.files.map(({ path, sha256, size, content }) => ({ path, sha256, size, oid: gitBlobOid(content) }));
  // The repo's tree says what it holds, file by file: only files that differ from it are
  // sent, so one edited on the Hub goes back and the rest stay.
  const tree = await step(`listing the files of ${inputs.repoId}`, () => listRepoTree(hub, inputs.repoId));
  const byPath = new Map(files.map((file) => [file.path, file]));
  const held = (entry: { path: string }) => holds(tree.get(entry.path), byPath.get(entry.path)!);
  if (remote?.hash === inputs.hash && files.every(held)) {
    const info = await step(`reading Space ${inputs.repoId}`, () => getSpaceInfo(hub, inputs.repoId));
    progress(`${inputs.repoId} already holds bundle ${inputs.hash.slice(0, 12)}: nothing to upload`);
    return { ...inputs, commitSha: info.sha ?? "", files, drifted: [] };
  }

  // The Space's own manifest says what an earlier bundle put there; without one, the state does.
  const contents = new Map(bundle.files.map((file) => [file.path, file.content]));
  const commitSha = await commitBundle(
    hub,
    inputs.repoId,
    {
      manifest: bundle.manifest,
      manifestBytes: bundle.manifestBytes,
      content: async (entry) => contents.get(entry.path)!,
      title: `Deploy bundle ${inputs.hash.slice(0, 12)}`,
      description: `bundle-hash: ${inputs.hash}\n\nUploaded by the Pulumi program in infra/.`,
      doing: `uploading bundle ${inputs.hash.slice(0, 12)}`,
      held,
      repoFiles: new Set(tree.keys()),
    },
    remote,
    olds?.files ?? [],
  );
  return { ...inputs, commitSha, files, drifted: [] };
}

/** The id git (and the Hub's tree listing) gives a file's content: sha1 over "blob <size>\0" and the bytes. */
export function gitBlobOid(content: Uint8Array): string {
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
