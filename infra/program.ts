import { createHash } from "node:crypto";
import { isAbsolute, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { prepareBundle } from "./bundle/prepare-bundle.ts";
import { allowedOriginsWith, type DeployConfig } from "./config.ts";
import { Space } from "./resources/space.ts";
import { SpaceBundle } from "./resources/space-bundle.ts";
import { SpaceRollout } from "./resources/space-rollout.ts";
import { SpaceSecrets } from "./resources/space-secrets.ts";
import { SpaceVariables } from "./resources/space-variables.ts";
import { VercelEnv } from "./resources/vercel-env.ts";
import { VercelRedeploy } from "./resources/vercel-redeploy.ts";

/**
 * The deployment, in order: the Space, its secrets and variables (so the first build
 * starts with them), the bundle, the rollout that waits for a healthy Space, and only then
 * the Vercel variable and redeploy, so the frontend is never pointed at a broken backend.
 */
export type DeployOptions = {
  /** The repository root: where scripts/bundle.ts and the bundle folder are. */
  root: string;
};

export type DeployOutputs = {
  productionUrl: pulumi.Output<string>;
  healthUrl: pulumi.Output<string>;
  spaceUrl: pulumi.Output<string>;
  logsUrl: pulumi.Output<string>;
  bundleHash: pulumi.Output<string>;
};

export function deploy(config: DeployConfig, options: DeployOptions): DeployOutputs {
  const hubToken = pulumi.secret(config.hub.token);
  const hub = { hubUrl: config.hub.url, token: hubToken };
  // A Space is only deleted on destroy when asked; its settings stay with it.
  const retainOnDelete = !config.hub.deleteOnDestroy;

  const space = new Space(
    "space",
    {
      ...hub,
      owner: config.hub.owner,
      name: config.hub.spaceName,
      private: config.hub.private,
      hardware: config.hub.hardware,
      ...(config.hub.sleepTimeSeconds === undefined ? {} : { sleepTimeSeconds: config.hub.sleepTimeSeconds }),
      adoptExisting: config.hub.adoptExisting,
      deleteOnDestroy: config.hub.deleteOnDestroy,
    },
    { retainOnDelete },
  );

  const secrets = new SpaceSecrets(
    "space-secrets",
    { ...hub, repoId: space.repoId, values: pulumi.secret(config.service.secrets) },
    { retainOnDelete, dependsOn: [space] },
  );
  const variables = new SpaceVariables(
    "space-variables",
    {
      ...hub,
      repoId: space.repoId,
      values: space.host.apply((host) => ({ ...config.service.variables, ALLOWED_ORIGINS: allowedOriginsWith(config.service.allowedOrigins, host) })),
    },
    { retainOnDelete, dependsOn: [space] },
  );

  const bundleDir = isAbsolute(config.bundle.dir) ? config.bundle.dir : join(options.root, config.bundle.dir);
  const secretEnv = { ...config.service.secrets, HF_TOKEN: config.hub.token, VERCEL_TOKEN: config.vercel.token };
  const bundleHash = space.host.apply((spaceHost) =>
    prepareBundle({ root: options.root, bundleDir, build: config.bundle.build, spaceHost, secretEnv }),
  );
  const bundle = new SpaceBundle(
    "space-bundle",
    { ...hub, repoId: space.repoId, bundleDir, hash: bundleHash },
    { retainOnDelete, dependsOn: [secrets, variables] },
  );

  const settingsRevision = pulumi
    .all([secrets.revision, variables.revision])
    .apply(([secretRevision, variableRevision]) => createHash("sha256").update(`${secretRevision}:${variableRevision}`).digest("hex"));
  const rollout = new SpaceRollout(
    "space-rollout",
    {
      ...hub,
      repoId: space.repoId,
      host: space.host,
      privateSpace: space.private,
      commitSha: bundle.commitSha,
      bundleHash: bundle.hash,
      settingsRevision: pulumi.secret(settingsRevision),
      buildTimeoutSeconds: config.rollout.buildTimeoutSeconds,
      healthTimeoutSeconds: config.rollout.healthTimeoutSeconds,
      pollIntervalSeconds: config.rollout.pollIntervalSeconds,
      healthPath: config.rollout.healthPath,
      serviceSecrets: secretEnv,
      rollbackOnFailure: config.rollout.rollbackOnFailure,
    },
    { dependsOn: [bundle, secrets, variables] },
  );

  // The URL is only handed on through the rollout's outputs: it exists once the Space is healthy.
  const productionUrl = pulumi.all([space.host, rollout.healthyAt]).apply(([host]) => host);
  const vercel = {
    token: pulumi.secret(config.vercel.token),
    project: config.vercel.project,
    ...(config.vercel.teamId ? { teamId: config.vercel.teamId } : {}),
    ...(config.vercel.apiUrl ? { apiUrl: config.vercel.apiUrl } : {}),
  };
  const vercelEnv = new VercelEnv(
    "vercel-env",
    // The stack's name marks its records, so a second stack (staging) never writes into them.
    { ...vercel, key: config.vercel.envName, value: productionUrl, targets: config.vercel.targets, stack: `${pulumi.getProject()}/${pulumi.getStack()}` },
    { dependsOn: [rollout] },
  );
  if (config.vercel.redeploy) {
    new VercelRedeploy("vercel-redeploy", { ...vercel, trigger: vercelEnv.value }, { dependsOn: [vercelEnv] });
  }

  return {
    productionUrl,
    healthUrl: rollout.healthUrl,
    spaceUrl: space.spaceUrl,
    logsUrl: space.logsUrl,
    bundleHash: bundle.hash,
  };
}
