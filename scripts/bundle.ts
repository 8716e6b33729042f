// npm run bundle: assembles the Hugging Face Space's files into .bundle/ (see scripts/bundle/).
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BundleError } from "./bundle/bundle-error.ts";
import { buildBundle } from "./bundle/build-bundle.ts";

export { buildBundle, type BuildBundleOptions, type BuiltBundle } from "./bundle/build-bundle.ts";
export { BundleError, type BundleFinding } from "./bundle/bundle-error.ts";
export { MANIFEST_NAME, bundleHash, type Manifest, type ManifestEntry } from "../service/src/bundle-manifest.ts";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      root: { type: "string" },
      out: { type: "string" },
      "space-host": { type: "string" },
    },
  });
  const root = resolve(values.root ?? join(dirname(fileURLToPath(import.meta.url)), ".."));
  const outDir = resolve(values.out ?? join(root, ".bundle"));
  try {
    const bundle = await buildBundle({ root, outDir, env: process.env, spaceHost: values["space-host"] });
    const where = relative(process.cwd(), bundle.outDir) || ".";
    console.log(`bundle ${where}: ${bundle.files.length} files, ${formatBytes(bundle.bytes)} (${bundle.bytes} bytes)`);
    console.log(`hash ${bundle.hash}`);
    return 0;
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    console.error(`${error.code}: ${error.message}`);
    for (const finding of error.findings) console.error(`  ${finding.file}: ${finding.reason}`);
    return 1;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
