import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { BundleError } from "./bundle-error.ts";
import { selfContainedTsconfig } from "./build-tsconfig.ts";
import { collectFiles, type BundleFile } from "./file-set.ts";
import { MANIFEST_NAME, manifestOf, type ManifestEntry } from "../../service/src/bundle-manifest.ts";
import { renderReadme } from "./readme.ts";
import { scanFile, secretValuesFrom } from "./secret-scan.ts";

export type BuildBundleOptions = {
  /** The repository root. */
  root: string;
  /** Where the bundle goes; replaced as a whole. */
  outDir: string;
  /** The environment whose secrets must not reach the bundle (and SPACE_HOST for the README). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The Space's own host (`owner-name.hf.space`), for the README's link to /docs. */
  spaceHost?: string;
};

/** files and bytes count the uploaded files other than the manifest. */
export type BuiltBundle = { hash: string; files: ManifestEntry[]; bytes: number; outDir: string };

/** Assembles the Space repo's files from the allow-list, refusing anything that looks secret. */
export async function buildBundle(options: BuildBundleOptions): Promise<BuiltBundle> {
  const root = resolve(options.root);
  const outDir = resolve(options.outDir);
  const env = options.env ?? {};
  assertOutDirOutsideRoot(root, outDir);

  const files = await collectFiles(root);
  const readme = files.find((file) => file.path === "README.md");
  if (readme) readme.content = renderReadme(readme.content, options.spaceHost ?? env.SPACE_HOST);
  files.push({
    path: "tsconfig.build.json",
    source: "service/tsconfig.build.json (flattened)",
    content: selfContainedTsconfig(root),
  });

  const secrets = secretValuesFrom(env);
  const findings = files.flatMap((file) => scanFile(file.source, file.content, secrets));
  if (findings.length > 0) {
    // A refused bundle leaves no bundle behind, so a stale one cannot be uploaded instead.
    await clearOutDir(outDir);
    throw new BundleError("BUNDLE_SECRET", `bundle refused: ${findings.length} file(s) look secret`, findings);
  }

  const manifest = manifestOf(files);
  await writeBundle(outDir, files, Buffer.from(JSON.stringify(manifest, null, 2) + "\n"));
  const bytes = manifest.files.reduce((sum, file) => sum + file.size, 0);
  return { hash: manifest.hash, files: manifest.files, bytes, outDir };
}

/** Writes to a temporary folder first, then moves it in: a half-written bundle is never at outDir. */
async function writeBundle(outDir: string, files: readonly BundleFile[], manifest: Buffer): Promise<void> {
  const staging = await mkdtemp(join(tmpdir(), "bundle-staging-"));
  await chmod(staging, 0o755); // mkdtemp's 0700 would follow the folder to outDir
  try {
    for (const file of files) {
      const target = join(staging, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    await writeFile(join(staging, MANIFEST_NAME), manifest);
    await clearOutDir(outDir);
    await mkdir(dirname(outDir), { recursive: true });
    await rename(staging, outDir).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "EXDEV") throw error;
      // The temporary folder is on another file system: copy, then the manifest last.
      await cp(staging, outDir, { recursive: true, filter: (source) => basename(source) !== MANIFEST_NAME });
      await writeFile(join(outDir, MANIFEST_NAME), manifest);
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Removes an earlier bundle; refuses to delete a folder that is not one. */
async function clearOutDir(outDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(outDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (entries.length > 0 && !entries.includes(MANIFEST_NAME)) {
    throw new BundleError("BUNDLE_OUT_DIR", `${outDir} is not empty and holds no ${MANIFEST_NAME}: not deleting it`);
  }
  await rm(outDir, { recursive: true, force: true });
}

function assertOutDirOutsideRoot(root: string, outDir: string): void {
  const fromOut = relative(outDir, root);
  const rootIsInside = fromOut === "" || (!fromOut.startsWith("..") && !isAbsolute(fromOut));
  const fromRoot = relative(root, outDir);
  const inSources = ["service", "huggingface-spaces"].some(
    (folder) => fromRoot === folder || fromRoot.startsWith(`${folder}/`),
  );
  if (rootIsInside || inSources) {
    throw new BundleError("BUNDLE_OUT_DIR", `the bundle cannot be written to ${outDir}: it would replace sources`);
  }
}
