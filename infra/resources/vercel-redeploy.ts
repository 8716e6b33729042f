import * as pulumi from "@pulumi/pulumi";
import type { VercelRedeployInputs, VercelRedeployOutputs } from "../providers/vercel-redeploy-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** Redeploys the latest production deployment whenever `trigger` changes. */
export type VercelRedeployArgs = { [K in keyof VercelRedeployInputs]: pulumi.Input<VercelRedeployInputs[K]> };

export const vercelRedeployProvider = delegatingProvider<VercelRedeployInputs, VercelRedeployOutputs>(
  new URL("../providers/vercel-redeploy-provider.ts", import.meta.url).href,
  "vercelRedeployImplementation",
);

export class VercelRedeploy extends pulumi.dynamic.Resource {
  declare readonly deploymentId: pulumi.Output<string>;
  declare readonly deploymentUrl: pulumi.Output<string>;

  constructor(name: string, args: VercelRedeployArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      vercelRedeployProvider,
      name,
      { ...args, deploymentId: undefined, deploymentUrl: undefined, redeployedFrom: undefined },
      { ...opts, additionalSecretOutputs: ["token"] },
      "vercel",
      "Redeploy",
    );
  }
}
