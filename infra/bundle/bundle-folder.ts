import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MANIFEST_NAME, ManifestError, parseManifest, sha256, type Manifest, type ManifestEntry } from "../../service/src/bundle-manifest.ts";

/**
 * The folder `npm run bundle` writes: the Space's files plus bundle-manifest.json (its
 * format is service/src/bundle-manifest.ts). Read here with every file checked against it.
 */
export { MANIFEST_NAME, type Manifest, type ManifestEntry };

export class BundleFolderError extends Error {
  readonly code: "bundle_missing" | "bundle_invalid" | "bundle_changed";
  constructor(code: BundleFolderError["code"], message: string) {
    super(message);
    this.name = "BundleFolderError";
    this.code = code;
  }
}

function parseLocal(text: string, where: string): Manifest {
  try {
    return parseManifest(text, where);
  } catch (error) {
    if (error instanceof ManifestError) throw new BundleFolderError("bundle_invalid", `${error.message}: rebuild the bundle`);
    throw error;
  }
}

export async function readManifest(bundleDir: string): Promise<Manifest> {
  const where = join(bundleDir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(where, "utf8");
  } catch {
    throw new BundleFolderError("bundle_missing", `no bundle at ${bundleDir}: run \`npm run bundle\` (or leave bundleBuild on)`);
  }
  return parseLocal(text, where);
}

/** The manifest and every file's bytes, each checked against the manifest. */
export async function loadBundle(bundleDir: string): Promise<{ manifest: Manifest; manifestBytes: Buffer; files: Array<ManifestEntry & { content: Buffer }> }> {
  const manifestBytes = await readFile(join(bundleDir, MANIFEST_NAME)).catch(() => {
    throw new BundleFolderError("bundle_missing", `no bundle at ${bundleDir}: run \`npm run bundle\``);
  });
  const manifest = parseLocal(manifestBytes.toString("utf8"), join(bundleDir, MANIFEST_NAME));
  const files = [];
  for (const entry of manifest.files) {
    const content = await readFile(join(bundleDir, entry.path)).catch(() => {
      throw new BundleFolderError("bundle_changed", `${entry.path} is in the manifest but not in ${bundleDir}: rebuild the bundle`);
    });
    if (sha256(content) !== entry.sha256 || content.length !== entry.size) {
      throw new BundleFolderError("bundle_changed", `${entry.path} changed after the bundle was built: rebuild the bundle`);
    }
    files.push({ ...entry, content });
  }
  return { manifest, manifestBytes, files };
}
