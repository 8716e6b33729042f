import { readProcess } from "./process-stats.ts";
import { startService } from "./service-process.ts";
import type { Stack } from "./stack.ts";
import { distribution, round, type Distribution } from "./stats.ts";

export interface ColdStartResult {
  /** Spawn to the first 200 of /api/health, migrations included. */
  emptyDatabaseMs: Distribution;
  /** The same on a database already migrated. */
  migratedDatabaseMs: Distribution;
  /** RSS of a freshly started, idle service. */
  idleRssMb: number | null;
}

/** Starts the service `runs` times on empty databases and `runs` times on a migrated one. */
export async function coldStart(stack: Stack, runs: number, log: (line: string) => void): Promise<ColdStartResult> {
  const empty: number[] = [];
  const migrated: number[] = [];
  let idleRss: number | null = null;
  for (let i = 0; i < runs; i++) {
    const slot = await stack.emptyDatabase("cold");
    try {
      const service = await startService(stack.serviceEnv(slot));
      empty.push(service.readyMs);
      await service.stop();
      const again = await startService(stack.serviceEnv(slot));
      migrated.push(again.readyMs);
      const rss = readProcess(again.pid)?.rssBytes;
      if (rss !== undefined) idleRss = Math.max(idleRss ?? 0, rss / (1024 * 1024));
      await again.stop();
    } finally {
      await slot.drop();
    }
    log(`cold start ${i + 1}/${runs}: empty ${Math.round(empty.at(-1)!)} ms, migrated ${Math.round(migrated.at(-1)!)} ms`);
  }
  const rounded = (d: Distribution): Distribution => ({ count: d.count, p50: round(d.p50, 0), p95: round(d.p95, 0), p99: round(d.p99, 0), max: round(d.max, 0) });
  return { emptyDatabaseMs: rounded(distribution(empty)), migratedDatabaseMs: rounded(distribution(migrated)), idleRssMb: round(idleRss, 0) };
}
