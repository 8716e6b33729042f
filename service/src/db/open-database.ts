import path from "node:path";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { Database } from "./database.ts";
import { createPgliteDatabase } from "./pglite.ts";
import { createPostgresDatabase } from "./postgres.ts";

/** Postgres when DATABASE_URL is set, otherwise the embedded PGlite database under DATA_DIR. */
export async function openDatabase(config: Pick<Config, "databaseUrl" | "dataDir">, logger?: Logger): Promise<Database> {
  if (config.databaseUrl) {
    return createPostgresDatabase({
      connectionString: config.databaseUrl,
      onIdleError: (err) => logger?.warn({ err }, "idle database connection failed"),
    });
  }
  return createPgliteDatabase(path.join(config.dataDir, "pglite"));
}
