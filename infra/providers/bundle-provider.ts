import type * as pulumi from "@pulumi/pulumi";
import { step } from "../http/api-error.ts";
import { findSpace, getSpaceInfo } from "../hub/space-api.ts";
import { BundleFolderError, loadBundle } from "../bundle/bundle-folder.ts";
import { commitBundle, remoteManifest } from "./bundle-commit.ts";
import { changedKeys, checkBundleHash, checkHubConnection, hubFor, type HubConnection } from "./inputs.ts";
import { progress } from "./progress.ts";

/**
 * The Space's files: the bundle folder uploaded in one commit, only when its hash changed.
 * Files that left the bundle are deleted in the same commit; the message carries the hash.
 */
export type BundleInputs = HubConnection & {
  repoId: string;
  /** Absolute path of the folder `npm run bundle` wrote. */
  bundleDir: string;
  /** The manifest's hash as the program read it: a change is what triggers an upload. */
  hash: string;
};

export type BundleOutputs = BundleInputs & {
  /** The commit that holds this bundle. */
  commitSha: string;
  files: Array<{ path: string; sha256: string; size: number }>;
};

export const bundleImplementation: pulumi.dynamic.ResourceProvider<BundleInputs, BundleOutputs> = {
  async check(_olds, news) {
    const failures = checkHubConnection(news);
    return { inputs: news, failures: [...failures, ...checkBundleHash("hash", news.hash)] };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["hubUrl", "repoId"]);
    // Not bundleDir: the same bundle built in another checkout (another path) is no change.
    const changes = replaces.length > 0 || changedKeys(olds, news, ["hash", "token"]).length > 0;
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
    return { id, props: { ...props, hash: remote?.hash ?? "", files: remote?.files ?? [] } };
  },

  async update(_id, olds, news) {
    if (olds.hash === news.hash && olds.repoId === news.repoId) return { outs: { ...olds, ...news } };
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
  const files = bundle.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  if (remote?.hash === inputs.hash) {
    const info = await step(`reading Space ${inputs.repoId}`, () => getSpaceInfo(hub, inputs.repoId));
    progress(`${inputs.repoId} already holds bundle ${inputs.hash.slice(0, 12)}: nothing to upload`);
    return { ...inputs, commitSha: info.sha ?? "", files };
  }

  // The Space's own manifest says what it holds; without one, what an earlier upload put there is in the state.
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
    },
    remote,
    olds?.files ?? [],
  );
  return { ...inputs, commitSha, files };
}
