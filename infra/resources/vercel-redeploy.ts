import type { VercelRedeployInputs, VercelRedeployOutputs } from "../providers/vercel-redeploy-provider.ts";
import { defineResource } from "./define-resource.ts";

/** Redeploys the latest production deployment whenever `trigger` changes. */
export const VercelRedeploy = defineResource<VercelRedeployInputs, VercelRedeployOutputs>({
  type: "vercel:Redeploy",
  module: "infra/providers/vercel-redeploy-provider.ts",
  export: "vercelRedeployImplementation",
  computed: { deploymentId: true, deploymentUrl: true, redeployedFrom: true },
  secrets: ["token"],
});
