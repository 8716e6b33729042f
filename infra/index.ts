// The Pulumi program (Pulumi.yaml: main infra/, runtime nodejs with typescript: false;
// Node 24 runs this file by type stripping). See README or `pulumi config` for the keys.
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadConfig, type ConfigSource } from "./config.ts";
import { deploy } from "./program.ts";
import { egressWarnings } from "./space-egress.ts";

function pulumiConfigSource(): ConfigSource {
  // isConfigSecret is not in the typings but is what tells a --secret value from a plain one.
  const runtime = pulumi.runtime as unknown as { getConfig(key: string): string | undefined; isConfigSecret?(key: string): boolean };
  return {
    project: pulumi.getProject(),
    get: (key) => runtime.getConfig(key),
    isSecret: (key) => runtime.isConfigSecret?.(key) ?? true,
    env: process.env,
  };
}

function configOrExplain() {
  try {
    return loadConfig(pulumiConfigSource(), `stack ${pulumi.getStack()}`);
  } catch (error) {
    // A RunError is shown without a stack trace: the list of keys is the whole message.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const config = configOrExplain();
// Said at every preview and update: an upstream on a port the Space cannot reach never answers it.
for (const warning of egressWarnings(config)) void pulumi.log.warn(warning);
const outputs = deploy(config, { root: dirname(dirname(fileURLToPath(import.meta.url))) });

export const productionUrl = outputs.productionUrl;
export const healthUrl = outputs.healthUrl;
export const spaceUrl = outputs.spaceUrl;
export const logsUrl = outputs.logsUrl;
export const bundleHash = outputs.bundleHash;
