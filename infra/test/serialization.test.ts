import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { spaceProvider } from "../resources/space.ts";
import { spaceSecretsProvider } from "../resources/space-secrets.ts";
import { spaceVariablesProvider } from "../resources/space-variables.ts";
import { spaceBundleProvider } from "../resources/space-bundle.ts";
import { spaceRolloutProvider } from "../resources/space-rollout.ts";
import { vercelEnvProvider } from "../resources/vercel-env.ts";
import { vercelRedeployProvider } from "../resources/vercel-redeploy.ts";

// What Pulumi stores and later runs in its provider process: serialised the way
// pulumi.dynamic.Resource does it, then loaded the way the dynamic provider host does.
const requireFromString = createRequire(import.meta.url)("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

test("each provider serialises to a small shim that captures no client or secret and still works", async () => {
  const providers = { spaceProvider, spaceSecretsProvider, spaceVariablesProvider, spaceBundleProvider, spaceRolloutProvider, vercelEnvProvider, vercelRedeployProvider };
  for (const [name, provider] of Object.entries(providers)) {
    const serialised = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.equal(serialised.containsSecrets, false, name);
    assert.ok(serialised.text.length < 6_000, `${name} is a shim (${serialised.text.length} chars)`);
    const loaded = requireFromString(serialised.text).handler();
    const result = await loaded.check!({}, { hubUrl: "not a url", token: "" });
    assert.ok(Array.isArray(result.failures) && result.failures.length > 0, `${name} runs its real check after loading`);
  }
});

test("a preview's placeholders for values not known yet pass every check", async () => {
  // In a first preview the Space does not exist: its repoId and host, and all that is
  // computed from them (variables, bundle hash, commit), reach the providers as placeholders.
  const unknown = pulumi.runtime.unknownValue;
  const hub = { hubUrl: "https://huggingface.co", token: "hf_token" };
  const cases: Array<[string, pulumi.dynamic.ResourceProvider, Record<string, unknown>]> = [
    ["secrets", spaceSecretsProvider, { ...hub, repoId: unknown, values: { GEMINI_API_KEY: "k" } }],
    ["variables", spaceVariablesProvider, { ...hub, repoId: unknown, values: unknown }],
    ["bundle", spaceBundleProvider, { ...hub, repoId: unknown, bundleDir: "/tmp/b", hash: unknown }],
    [
      "rollout",
      spaceRolloutProvider,
      { ...hub, repoId: unknown, host: unknown, commitSha: unknown, settingsRevision: unknown, privateSpace: unknown, buildTimeoutSeconds: 60, healthTimeoutSeconds: 60, pollIntervalSeconds: 1, healthPath: "/api/health" },
    ],
  ];
  for (const [name, provider, news] of cases) {
    assert.deepEqual((await provider.check!({}, news)).failures, [], name);
  }
  const diff = await spaceVariablesProvider.diff!("my-user/docs-chat", { ...hub, repoId: "my-user/docs-chat", keys: [], hashes: {}, revision: "" }, { ...hub, repoId: "my-user/docs-chat", values: unknown as unknown as Record<string, string> });
  assert.equal(diff.changes, true, "unknown variables are a change to show, not a crash");
});
