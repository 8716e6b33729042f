import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig } from "../src/config.ts";

const SERVER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../src/server.ts");
const SECRET_URL = "postgres://user:hunter2-canary-pw@db.example.com/neondb?sslmode=require";

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}

describe("configuration", () => {
  it("needs nothing locally: embedded defaults on port 7860", () => {
    const config = loadConfig({});
    assert.equal(config.port, 7860);
    assert.equal(config.production, false);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.vectorStore.kind, "pgvector");
    assert.equal(config.embedding.provider, "local");
    assert.equal(config.vectorStore.collection, "docusaurus-book");
    assert.equal(config.logLevel, "info");
  });

  it("switches each part to the real service by its own variable", () => {
    const withKey = loadConfig({ GEMINI_API_KEY: "k".repeat(39) });
    assert.equal(withKey.embedding.provider, "gemini");
    assert.equal(withKey.embedding.model, "gemini-embedding-001");
    assert.equal(withKey.embedding.dimensions, 768);
    assert.equal(withKey.vectorStore.kind, "pgvector");
    const withQdrant = loadConfig({ QDRANT_URL: "http://localhost:6333" });
    assert.equal(withQdrant.vectorStore.kind, "qdrant");
    assert.equal(withQdrant.embedding.provider, "local");
    assert.equal(loadConfig({ DATABASE_URL: SECRET_URL }).databaseUrl, SECRET_URL);
  });

  it("accepts LOG_LEVEL in upper or lower case, and WARNING as Python spelled it", () => {
    assert.equal(loadConfig({ LOG_LEVEL: "INFO" }).logLevel, "info");
    assert.equal(loadConfig({ LOG_LEVEL: "debug" }).logLevel, "debug");
    assert.equal(loadConfig({ LOG_LEVEL: "WARNING" }).logLevel, "warn");
    assert.deepEqual(problemsOf({ LOG_LEVEL: "LOUD" }), ["LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR (any case)"]);
  });

  it("in production names every missing or malformed variable, never a value", () => {
    const problems = problemsOf({ NODE_ENV: "production", DATABASE_URL: "mysql://u:hunter2-canary-pw@h/db", QDRANT_URL: "not a url" });
    assert.deepEqual(problems, [
      "QDRANT_URL must be an http(s) URL",
      "DATABASE_URL must be a postgres:// or postgresql:// URL",
      "GEMINI_API_KEY is required in production",
      "QDRANT_API_KEY is required in production",
    ]);
    assert.deepEqual(problemsOf({ NODE_ENV: "production" }), [
      "GEMINI_API_KEY is required in production",
      "DATABASE_URL is required in production",
      "QDRANT_URL is required in production",
      "QDRANT_API_KEY is required in production",
    ]);
    assert.ok(!problems.join(" ").includes("hunter2"));
  });

  it("treats blank variables as unset", () => {
    assert.deepEqual(problemsOf({ NODE_ENV: "production", GEMINI_API_KEY: "  ", DATABASE_URL: SECRET_URL, QDRANT_URL: "https://q.example", QDRANT_API_KEY: "q".repeat(20) }), [
      "GEMINI_API_KEY is required in production",
    ]);
  });

  it("seeds the sample book from the default folder, another one, or not at all with SAMPLE_DOCS_DIR=off", () => {
    const defaults = { sampleDocsDir: "/srv/sample-docs" };
    assert.equal(loadConfig({}, defaults).sampleDocsDir, "/srv/sample-docs");
    assert.equal(loadConfig({ SAMPLE_DOCS_DIR: "my-book/docs" }, defaults).sampleDocsDir, "my-book/docs");
    assert.equal(loadConfig({ SAMPLE_DOCS_DIR: "off" }, defaults).sampleDocsDir, undefined);
    assert.equal(loadConfig({ SAMPLE_DOCS_DIR: "OFF" }, defaults).sampleDocsDir, undefined);
  });

  it("reads where the book serves its docs: /docs by default, any path, never a URL", () => {
    assert.equal(loadConfig({}).docsRouteBasePath, "/docs");
    assert.equal(loadConfig({ DOCS_ROUTE_BASE_PATH: "/" }).docsRouteBasePath, "/");
    assert.equal(loadConfig({ DOCS_ROUTE_BASE_PATH: "handbook/" }).docsRouteBasePath, "/handbook");
    assert.deepEqual(problemsOf({ DOCS_ROUTE_BASE_PATH: "https://book.example.com/docs" }), ["DOCS_ROUTE_BASE_PATH must be a path such as /docs or /"]);
  });

  it("generates with a model Google serves today unless told otherwise", () => {
    assert.equal(loadConfig({}).gemini.model, "gemini-3.5-flash-lite");
    assert.equal(loadConfig({ GEMINI_MODEL: "gemini-3.8-flash" }).gemini.model, "gemini-3.8-flash");
  });

  it("reaches Postgres over Neon's WebSocket on a Space for a Neon host (auto), over TCP otherwise, or as DATABASE_TRANSPORT says", () => {
    const neon = "postgresql://u:p@ep-cool-tree-123456.us-east-2.aws.neon.tech/neondb?sslmode=require";
    assert.equal(loadConfig({ DATABASE_URL: neon }).databaseTransport, "tcp", "not on a Space: TCP reaches 5432");
    assert.equal(loadConfig({ DATABASE_URL: neon, SPACE_ID: "me/docs-chat" }).databaseTransport, "websocket");
    assert.equal(loadConfig({ DATABASE_URL: "postgresql://u:p@db.example.com/x", SPACE_ID: "me/docs-chat" }).databaseTransport, "tcp", "only Neon speaks the WebSocket protocol");
    assert.equal(loadConfig({ DATABASE_URL: neon, SPACE_ID: "me/docs-chat", DATABASE_TRANSPORT: "tcp" }).databaseTransport, "tcp");
    assert.equal(loadConfig({ DATABASE_URL: neon, DATABASE_TRANSPORT: "websocket" }).databaseTransport, "websocket");
    assert.deepEqual(problemsOf({ DATABASE_TRANSPORT: "udp" }), ["DATABASE_TRANSPORT must be auto, tcp or websocket"]);
  });

  it("collects secret values, the database password included, for log scrubbing", () => {
    const config = loadConfig({ GEMINI_API_KEY: "AIza-canary-gemini", DATABASE_URL: SECRET_URL });
    assert.ok(config.secrets.includes("AIza-canary-gemini"));
    assert.ok(config.secrets.includes(SECRET_URL));
    assert.ok(config.secrets.includes("hunter2-canary-pw"));
  });

  it("stops the process with exit code 1 and one message naming the variables", () => {
    const result = spawnSync(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH, NODE_ENV: "production", DATABASE_URL: "http://user:hunter2-canary-pw@host/db", GEMINI_API_KEY: "AIza-canary-gemini" },
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /DATABASE_URL must be a postgres/);
    assert.match(result.stderr, /QDRANT_URL is required in production/);
    assert.match(result.stderr, /QDRANT_API_KEY is required in production/);
    assert.equal(result.stderr.trim().split("\n").length, 1);
    assert.ok(!(result.stdout + result.stderr).includes("canary"));
  });
});
