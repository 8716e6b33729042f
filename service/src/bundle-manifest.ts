import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * The bundle manifest, `bundle-manifest.json`: `{"hash","files":[{"path","size","sha256"}]}`
 * sorted by path. `npm run bundle` writes it, the Pulumi program uploads it with the
 * bundle (so the Space says which bundle it holds), and the service reads its hash to
 * report the build it runs. One module for all three, next to the secrets module.
 */
export const MANIFEST_NAME = "bundle-manifest.json";

const HEX_SHA256 = /^[0-9a-f]{64}$/;

const entrySchema = z.object({
  path: z.string().min(1).refine((path) => !path.startsWith("/") && !path.split("/").includes(".."), "must be a relative path inside the bundle"),
  size: z.number().int().min(0),
  sha256: z.string().regex(HEX_SHA256),
});
export const manifestSchema = z.object({ hash: z.string().regex(HEX_SHA256), files: z.array(entrySchema) });
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof entrySchema>;

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/**
 * The bundle's hash: sha256 over `sha256sum`-style lines ("<sha256>  <path>\n") of
 * every file but the manifest, sorted by path. The same as
 * `cd .bundle && sha256sum $(find . -type f ! -name bundle-manifest.json -printf '%P\n' | LC_ALL=C sort) | sha256sum`.
 */
export function bundleHash(files: readonly ManifestEntry[]): string {
  return sha256([...files].sort(byPath).map((file) => `${file.sha256}  ${file.path}\n`).join(""));
}

export function manifestOf(files: ReadonlyArray<{ path: string; content: Buffer }>): Manifest {
  const entries = files.map((file) => ({ path: file.path, size: file.content.length, sha256: sha256(file.content) })).sort(byPath);
  return { hash: bundleHash(entries), files: entries };
}

/** Why a manifest text was refused; `where` names the file, never its content. */
export class ManifestError extends Error {
  readonly code = "bundle_invalid";
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** Parses and checks a manifest's text. */
export function parseManifest(text: string, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError(`${where} is not JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new ManifestError(`${where} is not a bundle manifest: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * The hash of the bundle this code came from, or undefined outside a bundle. The Space
 * image keeps the manifest beside dist/ (see huggingface-spaces/Dockerfile), which is
 * `../bundle-manifest.json` from this module compiled into dist/.
 */
export function runningBundleHash(manifestUrl = new URL(`../${MANIFEST_NAME}`, import.meta.url)): string | undefined {
  let text: string;
  try {
    text = readFileSync(manifestUrl, "utf8");
  } catch {
    return undefined;
  }
  try {
    return parseManifest(text, MANIFEST_NAME).hash;
  } catch {
    return undefined; // not a manifest of ours: report no version rather than a wrong one
  }
}
