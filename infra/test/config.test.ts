import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { SECRET_NAMES } from "../../service/src/secrets.ts";
import { allowedOriginsWith, ConfigError, loadConfig, SPACE_SECRET_NAMES, type ConfigSource } from "../config.ts";

const SECRETS = ["hfToken", "geminiApiKey", "qdrantUrl", "qdrantApiKey", "databaseUrl", "vercelToken", "metricsToken"];

function source(values: Record<string, string>, options: { plain?: string[]; env?: Record<string, string> } = {}): ConfigSource {
  return {
    project: "docs-chat",
    get: (key) => values[key.replace(/^docs-chat:/, "")],
    isSecret: (key) => SECRETS.includes(key.replace(/^docs-chat:/, "")) && !(options.plain ?? []).includes(key.replace(/^docs-chat:/, "")),
    env: options.env ?? {},
  };
}

const complete = {
  hfOwner: "reader",
  hfSpaceName: "docs-chat",
  hfToken: "hf_tokentokentoken",
  geminiApiKey: "gemini-key-123",
  qdrantUrl: "https://cluster.qdrant.example",
  qdrantApiKey: "qdrant-key-123",
  databaseUrl: "postgresql://u:p@db.example/chat?sslmode=require",
  vercelProject: "book",
  vercelToken: "vercel-token-123",
};

test("an empty stack fails once, naming every missing required key and how to set it", () => {
  assert.throws(() => loadConfig(source({ hfOwner: "" })), (error: ConfigError) => {
    assert.equal(error.code, "config_invalid");
    const missing = error.problems.map((problem) => /^missing docs-chat:(\w+)/.exec(problem)?.[1]).filter(Boolean).sort();
    assert.deepEqual(missing, ["databaseUrl", "geminiApiKey", "hfOwner", "hfSpaceName", "hfToken", "qdrantApiKey", "qdrantUrl", "vercelProject", "vercelToken"]);
    assert.match(error.message, /pulumi config set --secret geminiApiKey/);
    assert.match(error.message, /HF_TOKEN/);
    return true;
  });
});

test("a secret stored in plain text is refused; a bad value is named without its value", () => {
  assert.throws(
    () => loadConfig(source({ ...complete, databaseUrl: "mysql://secret-password@x" }, { plain: ["geminiApiKey"] })),
    (error: ConfigError) => {
      assert.ok(error.problems.some((p) => p.includes("geminiApiKey is stored in plain text")));
      assert.ok(error.problems.some((p) => p.includes("databaseUrl must be a postgres")));
      assert.ok(!error.message.includes("secret-password"));
      return true;
    },
  );
});

test("defaults fill the rest; tokens may come from the environment; knobs the stack sets become variables", () => {
  const { hfToken: _hf, vercelToken: _vt, ...withoutTokens } = complete;
  const config = loadConfig(
    source(
      { ...withoutTokens, allowedOrigins: '["https://book.example.com/"]', spaceVariables: '{"RETRIEVAL_TOP_K": 7}', logLevel: "debug" },
      { env: { HF_TOKEN: "hf_from_env_123", VERCEL_TOKEN: "vt_from_env_123" } },
    ),
  );
  assert.equal(config.hub.token, "hf_from_env_123");
  assert.equal(config.vercel.token, "vt_from_env_123");
  assert.equal(config.hub.hardware, "cpu-basic");
  assert.equal(config.hub.url, "https://huggingface.co");
  assert.equal(config.hub.deleteOnDestroy, false);
  assert.deepEqual(config.vercel.targets, ["production", "preview"]);
  assert.equal(config.vercel.envName, "CHAT_API_URL");
  assert.deepEqual(config.service.variables, { RETRIEVAL_TOP_K: "7", LOG_LEVEL: "DEBUG" });
  assert.deepEqual(Object.keys(config.service.secrets).sort(), ["DATABASE_URL", "GEMINI_API_KEY", "QDRANT_API_KEY", "QDRANT_URL"]);
  assert.equal(allowedOriginsWith(config.service.allowedOrigins, "https://reader-docs-chat.hf.space"), "https://book.example.com,https://reader-docs-chat.hf.space");
});

test("a secret cannot be smuggled in as a variable", () => {
  assert.throws(() => loadConfig(source({ ...complete, spaceVariables: '{"DATABASE_URL": "postgres://x"}' })), /spaceVariables/);
});

test("a Space variable the stack leaves unset is not sent: the service's own default applies", () => {
  assert.deepEqual(loadConfig(source(complete)).service.variables, {});
  const set = loadConfig(source({ ...complete, qdrantCollection: "my-book", geminiModel: "gemini-x", logLevel: "warning" })).service.variables;
  assert.deepEqual(set, { QDRANT_COLLECTION: "my-book", GEMINI_MODEL: "gemini-x", LOG_LEVEL: "WARNING" });
});

test("the Space's secrets are the service's (service/src/secrets.ts) but the deploy's tokens, and QDRANT_URL", () => {
  for (const name of SECRET_NAMES) assert.equal(SPACE_SECRET_NAMES.includes(name), name !== "HF_TOKEN" && name !== "VERCEL_TOKEN", name);
  assert.ok(SPACE_SECRET_NAMES.includes("QDRANT_URL"));
  assert.deepEqual(Object.keys(loadConfig(source(complete)).service.secrets), ["DATABASE_URL", "GEMINI_API_KEY", "QDRANT_API_KEY", "QDRANT_URL"]);
});

test("METRICS_TOKEN and the OTLP headers are Space secrets only when the stack sets them, and then as secrets", () => {
  const withMetrics = loadConfig(source({ ...complete, metricsToken: "a-long-metrics-token" })).service.secrets;
  assert.equal(withMetrics.METRICS_TOKEN, "a-long-metrics-token");
  assert.equal(withMetrics.OTEL_EXPORTER_OTLP_HEADERS, undefined);
  const plain = () => loadConfig(source({ ...complete, metricsToken: "a-long-metrics-token" }, { plain: ["metricsToken"] }));
  assert.throws(plain, /metricsToken is stored in plain text/);
});

test("rollbackOnFailure is on unless the stack turns it off; anything but true or false is named", () => {
  assert.equal(loadConfig(source(complete)).rollout.rollbackOnFailure, true);
  assert.equal(loadConfig(source({ ...complete, rollbackOnFailure: "false" })).rollout.rollbackOnFailure, false);
  assert.throws(() => loadConfig(source({ ...complete, rollbackOnFailure: "no" })), (error: ConfigError) => {
    assert.deepEqual(error.problems, ["docs-chat:rollbackOnFailure must be true or false"]);
    return true;
  });
});

test("Pulumi.staging.yaml: its own Space and bundle folder, Vercel's preview target alone, no production redeploy, a Space deleted on destroy", () => {
  const stackFile = (stack: string) => {
    const parsed = parse(readFileSync(new URL(`../../Pulumi.${stack}.yaml`, import.meta.url), "utf8")) as { config: Record<string, unknown> };
    // As Pulumi hands them to the program: strings, lists and maps as JSON.
    return Object.fromEntries(Object.entries(parsed.config).map(([key, value]) => [key.replace(/^docs-chat:/, ""), typeof value === "string" ? value : JSON.stringify(value)]));
  };
  // The keys the file leaves empty, and the secrets, as the README's staging block sets them.
  const { hfSpaceName: _prodName, ...setByCommands } = complete;
  const staging = loadConfig(source({ ...stackFile("staging"), ...setByCommands }));
  const prod = loadConfig(source({ ...stackFile("prod"), ...complete }));
  assert.equal(staging.hub.spaceName, "docs-chat-staging");
  assert.notEqual(staging.hub.spaceName, prod.hub.spaceName);
  assert.notEqual(staging.bundle.dir, prod.bundle.dir, "each stack's bundle in its own folder");
  assert.deepEqual(staging.vercel.targets, ["preview"]);
  assert.equal(staging.vercel.redeploy, false, "a redeploy rebuilds production, which is prod's");
  assert.equal(staging.hub.deleteOnDestroy, true);
  assert.equal(staging.vercel.envName, prod.vercel.envName, "the one variable, on other targets");
});
