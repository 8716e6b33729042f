import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { parseSettings, type Settings } from "../settings.ts";
import { startStack } from "../stack.ts";

describe("the bench's stack without a Postgres server", () => {
  it("puts conversations in an embedded PGlite folder instead of stopping", async () => {
    const parsed = parseSettings(["--quick", "--overhead"]);
    assert.notEqual(parsed, "help");
    const settings: Settings = { ...(parsed as Settings), databaseUrl: undefined };
    const stack = await startStack(settings);
    let dataDir = "";
    try {
      const env = stack.serviceEnv();
      assert.equal(env.DATABASE_URL, undefined);
      assert.equal(env.VECTOR_STORE, "qdrant");
      // The service requires DATABASE_URL in production: embedded runs as development.
      assert.equal(env.NODE_ENV, "development");
      dataDir = env.DATA_DIR!;
      assert.ok(dataDir && existsSync(dataDir), "an empty folder for PGlite");
    } finally {
      await stack.close();
    }
    assert.equal(existsSync(dataDir), false, "removed with the stack");
  });
});
