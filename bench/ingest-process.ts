import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { REPO_DIR } from "./service-process.ts";

const run = promisify(execFile);
const INGEST_ENTRY = path.join(REPO_DIR, "service/src/ingest/cli.ts");

/** Runs the service's ingest CLI over a docs folder; returns its wall time and summary line. */
export async function runIngest(docsDir: string, env: Record<string, string>): Promise<{ ms: number; summary: string }> {
  const started = performance.now();
  try {
    const { stdout } = await run(process.execPath, [INGEST_ENTRY, docsDir], {
      cwd: REPO_DIR,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
      maxBuffer: 4 * 1024 * 1024,
    });
    return { ms: performance.now() - started, summary: stdout.trim() };
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ingest of ${docsDir} failed: ${e.stderr?.trim() || e.message}`);
  }
}
