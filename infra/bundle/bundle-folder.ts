import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/**
 * The folder `npm run bundle` writes: the Space's files plus bundle-manifest.json,
 * `{"hash","files":[{"path","size","sha256"}]}` sorted by path. The manifest is uploaded
 * too, so the Space itself says which bundle it holds.
 */
export const MANIFEST_NAME = "bundle-manifest.json";

const entrySchema = z.object({
  path: z.string().min(1).refine((path) => !path.startsWith("/") && !path.split("/").includes(".."), "must be a relative path inside the bundle"),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const manifestSchema = z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), files: z.array(entrySchema) });
export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = z.infer<typeof entrySchema>;

export class BundleFolderError extends Error {
  readonly code: "bundle_missing" | "bundle_invalid" | "bundle_changed";
  constructor(code: BundleFolderError["code"], message: string) {
    super(message);
    this.name = "BundleFolderError";
    this.code = code;
  }
}

export function parseManifest(text: string, where: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BundleFolderError("bundle_invalid", `${where} is not JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new BundleFolderError("bundle_invalid", `${where} is not a bundle manifest: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export async function readManifest(bundleDir: string): Promise<Manifest> {
  const where = join(bundleDir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(where, "utf8");
  } catch {
    throw new BundleFolderError("bundle_missing", `no bundle at ${bundleDir}: run \`npm run bundle\` (or leave bundleBuild on)`);
  }
  return parseManifest(text, where);
}

/** The manifest and every file's bytes, each checked against the manifest. */
export async function loadBundle(bundleDir: string): Promise<{ manifest: Manifest; manifestBytes: Buffer; files: Array<ManifestEntry & { content: Buffer }> }> {
  const manifestBytes = await readFile(join(bundleDir, MANIFEST_NAME)).catch(() => {
    throw new BundleFolderError("bundle_missing", `no bundle at ${bundleDir}: run \`npm run bundle\``);
  });
  const manifest = parseManifest(manifestBytes.toString("utf8"), join(bundleDir, MANIFEST_NAME));
  const files = [];
  for (const entry of manifest.files) {
    const content = await readFile(join(bundleDir, entry.path)).catch(() => {
      throw new BundleFolderError("bundle_changed", `${entry.path} is in the manifest but not in ${bundleDir}: rebuild the bundle`);
    });
    const sha256 = createHash("sha256").update(content).digest("hex");
    if (sha256 !== entry.sha256 || content.length !== entry.size) {
      throw new BundleFolderError("bundle_changed", `${entry.path} changed after the bundle was built: rebuild the bundle`);
    }
    files.push({ ...entry, content });
  }
  return { manifest, manifestBytes, files };
}
