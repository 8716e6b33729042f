import path from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import type { Database } from "./database.ts";
import { createPgliteDatabase } from "./pglite.ts";
import { createPostgresDatabase } from "./postgres.ts";

export interface OpenOptions {
  logger?: Logger | undefined;
  /** Who opens it, in words for another process's refusal: "the server", "npm run ingest". */
  role: string;
  /** What a second process should do, appended to its refusal. */
  busyHint?: string;
}

/**
 * Postgres when DATABASE_URL is set, otherwise the embedded PGlite database under DATA_DIR,
 * held with the folder's lock until closed (throws DataDirInUseError when another holds it).
 */
export async function openDatabase(config: Pick<Config, "databaseUrl" | "dataDir"> & Partial<Pick<Config, "databaseTransport">>, options: OpenOptions): Promise<Database> {
  if (config.databaseUrl) {
    return createPostgresDatabase({
      connectionString: config.databaseUrl,
      transport: config.databaseTransport ?? "tcp",
      onIdleError: (err) => options.logger?.warn({ err }, "idle database connection failed"),
    });
  }
  const lock = lockDataDir(config.dataDir, { role: options.role, hint: options.busyHint });
  try {
    const db = await createPgliteDatabase(path.join(config.dataDir, "pglite"));
    return {
      ...db,
      close: async () => {
        try {
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}
