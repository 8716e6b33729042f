// The Space's network rule in the emulated container: its app reaches the outside only on
// ports 80, 443 and 8080. egress-guard.mjs enforces it inside every Node process the container
// starts (the app, its HEALTHCHECK): NODE_OPTIONS imports it from the rehearsal's folder, which
// the Space's user can read where it may not read this checkout.
// docs/platform-facts.md: Space egress ports
// Test code, never shipped.
import { randomInt } from "node:crypto";
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

/**
 * Starts an upstream where an emulated Space's app can reach it: on 8080 (no privilege needed;
 * else 443 or 80) of a loopback address of its own, 127.x.y.z, so that several at once on this
 * machine never want the same one.
 */
export async function startWhereSpaceReaches<T>(start: (host: string, port: number) => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    const host = `127.${1 + randomInt(254)}.${randomInt(256)}.${1 + randomInt(254)}`;
    for (const port of [8080, 443, 80]) {
      try {
        return await start(host, port);
      } catch (error) {
        if (!["EADDRINUSE", "EACCES", "EADDRNOTAVAIL"].includes((error as NodeJS.ErrnoException).code ?? "")) throw error;
        lastError = error;
      }
    }
  }
  throw new Error(`no loopback address had port 8080, 443 or 80 free: ${String(lastError)}`);
}
