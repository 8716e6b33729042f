import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spaceAppFile } from "../../test/support/space-fixtures.ts";

/** Writes a bundle folder as `npm run bundle` does: the files plus bundle-manifest.json. */
export async function writeBundle(dir: string, files: Record<string, string | Buffer>): Promise<string> {
  await rm(dir, { recursive: true, force: true });
  const entries = [];
  for (const path of Object.keys(files).sort()) {
    const content = Buffer.from(files[path]!);
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
    entries.push({ path, size: content.length, sha256: createHash("sha256").update(content).digest("hex") });
  }
  const hash = createHash("sha256").update(entries.map((e) => `${e.sha256}  ${e.path}\n`).join("")).digest("hex");
  await writeFile(join(dir, "bundle-manifest.json"), JSON.stringify({ hash, files: entries }, null, 2) + "\n");
  return hash;
}

/** The test Space as a bundle holds it: its README (app_port 7860), Dockerfile and server, and `extra`. */
export async function fixtureFiles(extra: Record<string, string> = {}): Promise<Record<string, string | Buffer>> {
  return {
    "README.md": "---\nsdk: docker\napp_port: 7860\n---\n",
    Dockerfile: await readFile(spaceAppFile("Dockerfile")),
    "server.js": await readFile(spaceAppFile("server.js")),
    ...extra,
  };
}

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), prefix));
