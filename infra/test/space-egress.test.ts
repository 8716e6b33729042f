import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig, type ConfigSource } from "../config.ts";
import { egressWarnings } from "../space-egress.ts";

const SECRETS = ["hfToken", "geminiApiKey", "qdrantUrl", "qdrantApiKey", "databaseUrl", "vercelToken"];
const PASSWORD = "pg-password-never-shown";

function configWith(values: Record<string, string>) {
  const all: Record<string, string> = {
    hfOwner: "reader",
    hfSpaceName: "docs-chat",
    hfToken: "hf_tokentokentoken",
    geminiApiKey: "gemini-key-123",
    qdrantUrl: "https://cluster.cloud.qdrant.io",
    qdrantApiKey: "qdrant-key-123",
    databaseUrl: `postgresql://chat:${PASSWORD}@ep-quiet.neon.example:443/chat?sslmode=require`,
    vercelProject: "book",
    vercelToken: "vercel-token-123",
    ...values,
  };
  const source: ConfigSource = { project: "docs-chat", get: (key) => all[key.replace(/^docs-chat:/, "")], isSecret: (key) => SECRETS.includes(key.replace(/^docs-chat:/, "")), env: {} };
  return loadConfig(source);
}

test("URLs on 80, 443 or 8080 (or their scheme's default there) draw no warning", () => {
  assert.deepEqual(egressWarnings(configWith({})), []);
  assert.deepEqual(egressWarnings(configWith({ qdrantUrl: "http://qdrant.example:8080", databaseUrl: "postgres://u:p@db.example:8080/chat" })), []);
});

test("Qdrant's :6333 is named with its host and the fix, one line, never the rest of the value", () => {
  const [warning, ...rest] = egressWarnings(configWith({ qdrantUrl: "https://cluster.cloud.qdrant.io:6333/?token=abcdefgh" }));
  assert.deepEqual(rest, []);
  assert.ok(warning);
  assert.match(warning, /^qdrantUrl names port 6333 on cluster\.cloud\.qdrant\.io, but a Space reaches the outside only on ports 80, 443 and 8080/);
  assert.match(warning, /drop ":6333" from the URL/);
  assert.ok(!warning.includes("\n") && !warning.includes("abcdefgh"));
});

test("Postgres on its default port is named, with the WebSocket transport as the fix, and never the password", () => {
  const warnings = egressWarnings(configWith({ databaseUrl: `postgresql://chat:${PASSWORD}@ep-quiet.neon.example/chat?sslmode=require` }));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^databaseUrl reaches ep-quiet\.neon\.example on port 5432, its scheme's default, but a Space reaches the outside only on ports 80, 443 and 8080/);
  assert.match(warnings[0]!, /spaceVariables\.DATABASE_TRANSPORT' websocket/);
  assert.ok(!warnings[0]!.includes(PASSWORD) && !warnings[0]!.includes("chat:"));
  assert.match(egressWarnings(configWith({ databaseUrl: `postgres://chat:${PASSWORD}@db.example:5433/chat` }))[0]!, /^databaseUrl names port 5433 on db\.example/);
});

test("with the WebSocket transport set, the database URL's port does not matter", () => {
  const config = configWith({ databaseUrl: `postgresql://chat:${PASSWORD}@ep-quiet.neon.example/chat`, spaceVariables: '{"DATABASE_TRANSPORT": "websocket"}' });
  assert.deepEqual(egressWarnings(config), []);
});
