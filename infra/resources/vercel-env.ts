import * as pulumi from "@pulumi/pulumi";
import type { VercelEnvInputs, VercelEnvOutputs } from "../providers/vercel-env-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** An environment variable of a Vercel project, for the chosen targets; removed on destroy. */
export type VercelEnvArgs = { [K in keyof VercelEnvInputs]: pulumi.Input<VercelEnvInputs[K]> };

export const vercelEnvProvider = delegatingProvider<VercelEnvInputs, VercelEnvOutputs>(
  new URL("../providers/vercel-env-provider.ts", import.meta.url).href,
  "vercelEnvImplementation",
);

export class VercelEnv extends pulumi.dynamic.Resource {
  declare readonly key: pulumi.Output<string>;
  declare readonly value: pulumi.Output<string>;
  declare readonly targets: pulumi.Output<string[]>;
  declare readonly envIds: pulumi.Output<string[]>;

  constructor(name: string, args: VercelEnvArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(vercelEnvProvider, name, { ...args, envIds: undefined }, { ...opts, additionalSecretOutputs: ["token"] }, "vercel", "ProjectEnv");
  }
}
