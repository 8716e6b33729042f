// The Space's network rule in the emulated container: its app reaches the outside only on
// ports 80, 443 and 8080. egress-guard.mjs enforces it inside every Node process the container
// starts (the app, its HEALTHCHECK): NODE_OPTIONS imports it from the rehearsal's folder, which
// the Space's user can read where it may not read this checkout.
// docs/platform-facts.md: Space egress ports
// Test code, never shipped.
import { chmod, copyFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const GUARD = new URL("./egress-guard.mjs", import.meta.url);

/** The container's NODE_OPTIONS: the image's (or the Space's) own, then the guard. */
export async function egressNodeOptions(workDir: string, nodeOptions: string | undefined): Promise<string> {
  const guard = join(workDir, "egress-guard.mjs");
  await copyFile(GUARD, guard);
  await chmod(guard, 0o644);
  return [nodeOptions, `--import=${pathToFileURL(guard).href}`].filter(Boolean).join(" ");
}
