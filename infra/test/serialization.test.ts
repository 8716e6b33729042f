import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { Space } from "../resources/space.ts";
import { SpaceSecrets } from "../resources/space-secrets.ts";
import { SpaceVariables } from "../resources/space-variables.ts";
import { SpaceBundle } from "../resources/space-bundle.ts";
import { SpaceRollout } from "../resources/space-rollout.ts";
import { VercelEnv } from "../resources/vercel-env.ts";
import { VercelRedeploy } from "../resources/vercel-redeploy.ts";

// What Pulumi stores and later runs in its provider process: serialised the way
// pulumi.dynamic.Resource does it, then loaded the way the dynamic provider host does.
const CHECKOUT = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const requireFromString = createRequire(import.meta.url)("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };

test("each provider serialises to a small shim that captures no client or secret and still works", async () => {
  const providers = { Space, SpaceSecrets, SpaceVariables, SpaceBundle, SpaceRollout, VercelEnv, VercelRedeploy };
  for (const [name, { provider }] of Object.entries(providers)) {
    const serialised = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    assert.equal(serialised.containsSecrets, false, name);
    assert.ok(serialised.text.length < 6_000, `${name} is a shim (${serialised.text.length} chars)`);
    // State written from this checkout must work from a clone at another path.
    assert.ok(!serialised.text.includes(CHECKOUT), `${name}'s stored code names no path of this checkout`);
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
    ["secrets", SpaceSecrets.provider, { ...hub, repoId: unknown, values: { GEMINI_API_KEY: "k" } }],
    ["variables", SpaceVariables.provider, { ...hub, repoId: unknown, values: unknown }],
    ["bundle", SpaceBundle.provider, { ...hub, repoId: unknown, bundleDir: "/tmp/b", hash: unknown }],
    [
      "rollout",
      SpaceRollout.provider,
      { ...hub, repoId: unknown, host: unknown, commitSha: unknown, bundleHash: unknown, settingsRevision: unknown, privateSpace: unknown, buildTimeoutSeconds: 60, healthTimeoutSeconds: 60, pollIntervalSeconds: 1, healthPath: "/api/health" },
    ],
  ];
  for (const [name, provider, news] of cases) {
    assert.deepEqual((await provider.check!({}, news)).failures, [], name);
  }
  const diff = await SpaceVariables.provider.diff!("my-user/docs-chat", { ...hub, repoId: "my-user/docs-chat", keys: [], hashes: {}, revision: "" }, { ...hub, repoId: "my-user/docs-chat", values: unknown as unknown as Record<string, string> });
  assert.equal(diff.changes, true, "unknown variables are a change to show, not a crash");
});
