import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freshDatabase, type BenchDatabase } from "./postgres.ts";
import type { Settings } from "./settings.ts";
import { startUpstreams, type Upstreams } from "./upstreams.ts";

/** What the service meets in a run: the emulators, and its database (Postgres or a PGlite folder). */
export interface Stack {
  /** The Gemini and Qdrant emulators, in a process of their own. */
  upstreams: Upstreams;
  /** The service's environment for one start, on the run's database or on the one given. */
  serviceEnv(database?: DatabaseSlot): Record<string, string>;
  /** A database nobody has used yet (Postgres database or empty PGlite folder). */
  emptyDatabase(label: string): Promise<DatabaseSlot>;
  /** The run's database, shared by the load scenarios. */
  runDatabase: DatabaseSlot;
  close(): Promise<void>;
}

export interface DatabaseSlot {
  env: Record<string, string>;
  drop(): Promise<void>;
}

export async function startStack(settings: Settings): Promise<Stack> {
  const upstreams = await startUpstreams({ geminiPort: settings.geminiPort, qdrantPort: settings.qdrantPort, qdrantApiKey: "bench-qdrant-key", cpuProfileDir: settings.cpuProfileDir });
  const { gemini, qdrant } = upstreams;
  const slots: DatabaseSlot[] = [];

  // Debian's Postgres here has no pgvector: pgvector runs on the embedded PGlite. And with no
  // Postgres server at all, conversations go to PGlite too, so a first run needs nothing.
  const embedded = settings.store === "pgvector" || !settings.databaseUrl;
  const emptyDatabase = async (label: string): Promise<DatabaseSlot> => {
    let slot: DatabaseSlot;
    if (embedded) {
      const dir = await mkdtemp(path.join(tmpdir(), `bench-${label}-`));
      slot = { env: { DATA_DIR: dir }, drop: () => rm(dir, { recursive: true, force: true }) };
    } else {
      const db: BenchDatabase = await freshDatabase(settings.databaseUrl!, label);
      slot = { env: { DATABASE_URL: db.url }, drop: db.drop };
    }
    slots.push(slot);
    return slot;
  };

  const upstreamEnv = {
    GEMINI_API_KEY: gemini.apiKey,
    GEMINI_BASE_URL: gemini.url,
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "0",
    // The emulator's hashed vectors score far below gemini-embedding-001's: with the Gemini
    // default threshold every chat would be answered from no passage.
    RELEVANCE_THRESHOLD: "0",
  };
  const storeEnv: Record<string, string> =
    settings.store === "pgvector"
      ? // The service requires DATABASE_URL in production; embedded PGlite therefore runs as development.
        { VECTOR_STORE: "pgvector", NODE_ENV: "development" }
      : { VECTOR_STORE: "qdrant", QDRANT_URL: qdrant.url, QDRANT_API_KEY: qdrant.apiKey, NODE_ENV: embedded ? "development" : "production" };

  let runDatabase: DatabaseSlot;
  try {
    runDatabase = settings.target ? { env: {}, drop: async () => undefined } : await emptyDatabase("run");
  } catch (err) {
    await upstreams.close();
    throw err;
  }
  return {
    upstreams,
    runDatabase,
    emptyDatabase,
    serviceEnv: (database = runDatabase) => ({ ...upstreamEnv, ...storeEnv, ...database.env }),
    async close() {
      await Promise.allSettled(slots.map((s) => s.drop()));
      await upstreams.close();
    },
  };
}
