import { commit, type CommitOperation } from "@huggingface/hub";
import type * as pulumi from "@pulumi/pulumi";
import { step } from "../http/api-error.ts";
import { viaSdk } from "../hub/hub-client.ts";
import { findSpace, getSpaceInfo, listRepoFiles, readRepoFile } from "../hub/space-api.ts";
import { MANIFEST_NAME, parseManifest, type Manifest, type ManifestEntry } from "../../service/src/bundle-manifest.ts";
import { BundleFolderError, loadBundle } from "../bundle/bundle-folder.ts";
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
    const remote = await remoteManifest(props);
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
  const remote = await remoteManifest(inputs);
  const files = bundle.files.map(({ path, sha256, size }) => ({ path, sha256, size }));
  if (remote?.hash === inputs.hash) {
    const info = await step(`reading Space ${inputs.repoId}`, () => getSpaceInfo(hub, inputs.repoId));
    progress(`${inputs.repoId} already holds bundle ${inputs.hash.slice(0, 12)}: nothing to upload`);
    return { ...inputs, commitSha: info.sha ?? "", files };
  }

  // The Space's own manifest says what it holds, so only files that differ from it are
  // sent. Without one (a new or foreign Space) everything is. What an earlier bundle put
  // there and this one lacks is deleted (from that manifest, else from the state), but
  // only paths the repo really holds: the Hub fails a whole commit that deletes a missing one.
  const held = new Map((remote?.files ?? []).map((file) => [file.path, file.sha256]));
  const changed = bundle.files.filter((file) => held.get(file.path) !== file.sha256);
  const previous: ManifestEntry[] = remote?.files ?? olds?.files ?? [];
  const keep = new Set([...files.map((file) => file.path), MANIFEST_NAME]);
  const departed = [...new Set(previous.map((file) => file.path))].filter((path) => !keep.has(path));
  const inRepo = departed.length ? await step(`listing the files of ${inputs.repoId}`, () => listRepoFiles(hub, inputs.repoId)) : new Set<string>();
  const deleted = departed.filter((path) => inRepo.has(path)).sort();

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
  return { ...inputs, commitSha: result.commit.oid, files };
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
