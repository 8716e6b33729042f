import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { readManifest } from "./bundle-folder.ts";

const run = promisify(execFile);

/**
 * Builds the bundle (what `npm run bundle` does: node scripts/bundle.ts, run with this
 * Node so no npm is needed on PATH) and returns its hash. The secret values go into the
 * child's environment so the bundler's scan refuses any file that contains one.
 */
export async function prepareBundle(options: {
  root: string;
  bundleDir: string;
  build: boolean;
  /** The Space's origin, for the README's links. */
  spaceHost: string;
  secretEnv: Record<string, string>;
}): Promise<string> {
  if (options.build) {
    const args = [join(options.root, "scripts", "bundle.ts"), "--root", options.root, "--out", options.bundleDir, "--space-host", new URL(options.spaceHost).origin];
    try {
      await run(process.execPath, args, { cwd: options.root, env: { ...process.env, ...options.secretEnv }, maxBuffer: 16 * 1024 * 1024 });
    } catch (error) {
      const failure = error as { stdout?: string; stderr?: string; code?: number };
      // The bundler names files and rules, never secret values, so its output is safe to show.
      throw new Error(`npm run bundle failed (exit ${failure.code ?? "?"}):\n${failure.stderr || failure.stdout || String(error)}`.trimEnd());
    }
  }
  return (await readManifest(options.bundleDir)).hash;
}
