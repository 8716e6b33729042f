import { createHash } from "node:crypto";

export const MANIFEST_NAME = "bundle-manifest.json";

export type ManifestEntry = { path: string; size: number; sha256: string };
export type Manifest = { hash: string; files: ManifestEntry[] };

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

/**
 * The bundle's hash: sha256 over `sha256sum`-style lines ("<sha256>  <path>\n") of
 * every file but the manifest, sorted by path. The same as
 * `cd .bundle && sha256sum $(find . -type f ! -name bundle-manifest.json -printf '%P\n' | LC_ALL=C sort) | sha256sum`.
 */
export function bundleHash(files: readonly ManifestEntry[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256(sorted.map((file) => `${file.sha256}  ${file.path}\n`).join(""));
}

export function manifestOf(files: ReadonlyArray<{ path: string; content: Buffer }>): Manifest {
  const entries = files
    .map((file) => ({ path: file.path, size: file.content.length, sha256: sha256(file.content) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { hash: bundleHash(entries), files: entries };
}
