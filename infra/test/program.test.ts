import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { fixtureFiles, tempDir, writeBundle } from "./support.ts";

// The whole program (infra/index.ts) under Pulumi's runtime mocks: the mocks stand in for
// the engine, echoing inputs as outputs, adding computed fields, and (as the engine does)
// keeping an output secret when its input was and when additionalSecretOutputs names it.
type Registration = { type: string; name: string; urn: string; deps: string[]; secretOutputs: string[]; retain: boolean; inputs: Record<string, unknown> };

const SECRET_VALUES = {
  hfToken: "hf_program_test_token",
  geminiApiKey: "gemini-program-secret",
  qdrantUrl: "https://qdrant-program-secret.example",
  qdrantApiKey: "qdrant-program-secret",
  databaseUrl: "postgresql://u:db-program-secret@db.example/chat?sslmode=require",
  vercelToken: "vercel-program-secret",
};

const isSecretValue = (value: unknown): boolean => pulumi.Output.isInstance(value) || (typeof value === "object" && value !== null && (value as Record<string, unknown>)["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270");
const unwrap = (value: unknown): unknown => (isSecretValue(value) ? (value as { value: unknown }).value : value);

const outputValue = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply((v) => resolve(v)));
const outputIsSecret = (output: pulumi.Output<unknown>) => (output as unknown as { isSecret: Promise<boolean> }).isSecret;

describe("the program under runtime mocks", () => {
  const registrations: Registration[] = [];
  const warnings: string[] = [];
  let program: Record<string, pulumi.Output<string>>;
  let bundleHash: string;

  before(async () => {
    const bundleDir = join(await tempDir("program-"), ".bundle");
    bundleHash = await writeBundle(bundleDir, await fixtureFiles());
    const pending = new Map<string, Omit<Registration, "inputs" | "urn">>();
    await pulumi.runtime.setMocks(
      {
        newResource(args) {
          const type = args.type.split(":").pop()!;
          const recorded = pending.get(args.name)!;
          const inputs = Object.fromEntries(Object.entries(args.inputs).filter(([key]) => key !== "__provider"));
          const plain = Object.fromEntries(Object.entries(inputs).map(([key, value]) => [key, unwrap(value)])) as Record<string, any>;
          const computed: Record<string, unknown> = {};
          if (type === "Space") {
            Object.assign(computed, { repoId: `${plain.owner}/${plain.name}`, host: `https://${plain.owner}-${plain.name}.hf.space`, subdomain: `${plain.owner}-${plain.name}`, spaceUrl: `${plain.hubUrl}/spaces/${plain.owner}/${plain.name}`, logsUrl: `${plain.hubUrl}/spaces/${plain.owner}/${plain.name}?logs=container`, adopted: false });
          }
          if (type === "SpaceSecrets") Object.assign(computed, { keys: Object.keys(plain.values).sort(), hashes: { any: "hash" }, revision: "secret-revision" });
          if (type === "SpaceVariables") Object.assign(computed, { keys: Object.keys(plain.values).sort(), revision: "variable-revision" });
          if (type === "SpaceBundle") Object.assign(computed, { commitSha: "c0ffee", files: [] });
          if (type === "SpaceRollout") Object.assign(computed, { stage: "RUNNING", healthUrl: `${plain.host}${plain.healthPath}`, healthyAt: "2026-01-01T00:00:00Z" });
          if (type === "ProjectEnv") Object.assign(computed, { envIds: ["env_1"] });
          if (type === "Redeploy") Object.assign(computed, { deploymentId: "dpl_2" });
          const state: Record<string, unknown> = {};
          for (const [key, value] of Object.entries({ ...plain, ...computed })) {
            if (type === "SpaceSecrets" && key === "values") continue; // the provider never outputs them
            const secret = isSecretValue(inputs[key]) || recorded.secretOutputs.includes(key);
            state[key] = secret ? pulumi.secret(value) : value;
          }
          registrations.push({ ...recorded, urn: `urn:pulumi:prod::docs-chat::${args.type}::${args.name}`, inputs });
          return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
      },
      "docs-chat",
      "prod",
      false,
    );
    // Wrap the mock monitor to see what the engine would: options and dependencies.
    const monitor = (pulumi.runtime as unknown as { getMonitor(): any }).getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: unknown) => {
      pending.set(req.getName(), {
        type: req.getType().split(":").pop(),
        name: req.getName(),
        deps: req.getDependenciesList(),
        secretOutputs: req.getAdditionalsecretoutputsList(),
        retain: req.getRetainondelete(),
      });
      return register(req, callback);
    };

    const config: Record<string, string> = {
      "docs-chat:hfOwner": "reader",
      "docs-chat:hfSpaceName": "docs-chat",
      "docs-chat:vercelProject": "book",
      "docs-chat:allowedOrigins": '["https://book.example.com"]',
      "docs-chat:qdrantCollection": "my-book",
      "docs-chat:bundleBuild": "false",
      "docs-chat:bundleDir": bundleDir,
    };
    for (const [key, value] of Object.entries(SECRET_VALUES)) config[`docs-chat:${key}`] = value;
    pulumi.runtime.setAllConfig(config, Object.keys(SECRET_VALUES).map((key) => `docs-chat:${key}`));
    const warn = pulumi.log.warn;
    pulumi.log.warn = async (message: string) => void warnings.push(message);
    try {
      program = (await import("../index.ts")) as unknown as Record<string, pulumi.Output<string>>;
    } finally {
      pulumi.log.warn = warn;
    }
    await outputValue(program.productionUrl!);
    // The Vercel resources register after the URL resolves; wait for the whole graph.
    for (let waited = 0; registrations.length < 7 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  });

  const byType = (type: string) => {
    const found = registrations.find((r) => r.type === type);
    assert.ok(found, `${type} registered`);
    return found;
  };

  test("stack outputs: the Space's host, health, page, logs and the bundle hash", async () => {
    assert.equal(await outputValue(program.productionUrl!), "https://reader-docs-chat.hf.space");
    assert.equal(await outputValue(program.healthUrl!), "https://reader-docs-chat.hf.space/api/health");
    assert.equal(await outputValue(program.spaceUrl!), "https://huggingface.co/spaces/reader/docs-chat");
    assert.equal(await outputValue(program.logsUrl!), "https://huggingface.co/spaces/reader/docs-chat?logs=container");
    assert.equal(await outputValue(program.bundleHash!), bundleHash);
    for (const name of ["productionUrl", "healthUrl", "spaceUrl", "logsUrl", "bundleHash"]) {
      assert.equal(await outputIsSecret(program[name]!), false, `${name} is readable`);
    }
  });

  test("the resource graph runs Space, settings, bundle, rollout, then Vercel", () => {
    const urn = (type: string) => byType(type).urn;
    assert.deepEqual(registrations.map((r) => r.type), ["Space", "SpaceSecrets", "SpaceVariables", "SpaceBundle", "SpaceRollout", "ProjectEnv", "Redeploy"]);
    assert.ok(byType("SpaceSecrets").deps.includes(urn("Space")));
    assert.ok(byType("SpaceVariables").deps.includes(urn("Space")));
    assert.ok(byType("SpaceBundle").deps.includes(urn("SpaceSecrets")) && byType("SpaceBundle").deps.includes(urn("SpaceVariables")));
    assert.ok(byType("SpaceRollout").deps.includes(urn("SpaceBundle")));
    assert.ok(byType("ProjectEnv").deps.includes(urn("SpaceRollout")), "the frontend is pointed at a healthy backend only");
    assert.ok(byType("Redeploy").deps.includes(urn("ProjectEnv")));
    for (const type of ["Space", "SpaceSecrets", "SpaceVariables", "SpaceBundle"]) assert.equal(byType(type).retain, true, `${type} kept on destroy`);
  });

  test("every secret input is secret, and outputs that carry one are declared secret", () => {
    for (const registration of registrations) {
      assert.ok(isSecretValue(registration.inputs.token), `${registration.type}.token is secret`);
      assert.ok(registration.secretOutputs.includes("token"), `${registration.type} keeps token secret in its outputs`);
    }
    const secrets = byType("SpaceSecrets");
    assert.ok(isSecretValue(secrets.inputs.values));
    assert.deepEqual(Object.keys(unwrap(secrets.inputs.values) as object).sort(), ["DATABASE_URL", "GEMINI_API_KEY", "QDRANT_API_KEY", "QDRANT_URL"]);
    assert.ok(["hashes", "revision"].every((key) => secrets.secretOutputs.includes(key)));
    assert.ok(isSecretValue(byType("SpaceRollout").inputs.settingsRevision));
    // The rollout scrubs every service secret from what a failure shows: it holds them, as a secret.
    const serviceSecrets = byType("SpaceRollout").inputs.serviceSecrets;
    assert.ok(isSecretValue(serviceSecrets));
    for (const secret of Object.values(SECRET_VALUES)) assert.ok(Object.values(unwrap(serviceSecrets) as object).includes(secret), secret.slice(0, 6));

    // No secret value anywhere outside a secret wrapper.
    const exposed = (value: unknown): string => (isSecretValue(value) ? "" : typeof value === "object" && value !== null ? Object.values(value).map(exposed).join(" ") : String(value));
    const visible = registrations.map((r) => exposed(r.inputs)).join(" ");
    for (const secret of Object.values(SECRET_VALUES)) assert.ok(!visible.includes(secret), `a secret value is visible: ${secret.slice(0, 6)}…`);
  });

  test("an upstream on a port the Space cannot reach is one warning naming its host and port, never the value", () => {
    // The test's databaseUrl names no port: Postgres's default, 5432, which a Space cannot reach.
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^databaseUrl reaches db\.example on port 5432/);
    for (const secret of Object.values(SECRET_VALUES)) assert.ok(!warnings[0]!.includes(secret));
    assert.ok(!warnings[0]!.includes("db-program-secret"));
  });

  test("variables carry the knobs the stack sets and ALLOWED_ORIGINS with the Space's own origin; Vercel gets the URL", () => {
    const variables = unwrap(byType("SpaceVariables").inputs.values) as Record<string, string>;
    assert.equal(variables.ALLOWED_ORIGINS, "https://book.example.com,https://reader-docs-chat.hf.space");
    assert.equal(variables.QDRANT_COLLECTION, "my-book");
    assert.ok(!("LOG_LEVEL" in variables) && !("GEMINI_MODEL" in variables), "an unset knob is the service's own default");
    const env = byType("ProjectEnv").inputs;
    assert.equal(env.key, "CHAT_API_URL");
    assert.equal(env.value, "https://reader-docs-chat.hf.space");
    assert.deepEqual(env.targets, ["production", "preview"]);
    assert.equal(byType("SpaceBundle").inputs.hash, bundleHash);
    assert.equal(byType("SpaceRollout").inputs.bundleHash, bundleHash, "the rollout waits for this hash in /api/health");
    assert.equal(byType("SpaceRollout").inputs.rollbackOnFailure, true, "a failed bundle is rolled back unless the stack says not to");
  });
});
