import type { VercelEnvInputs, VercelEnvOutputs } from "../providers/vercel-env-provider.ts";
import { defineResource } from "./define-resource.ts";

/** An environment variable of a Vercel project, for the chosen targets; removed on destroy. */
export const VercelEnv = defineResource<VercelEnvInputs, VercelEnvOutputs>({
  type: "vercel:ProjectEnv",
  module: "infra/providers/vercel-env-provider.ts",
  export: "vercelEnvImplementation",
  computed: { envIds: true },
  secrets: ["token"],
});
