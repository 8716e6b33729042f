import type { SpaceInputs, SpaceOutputs } from "../providers/space-provider.ts";
import { defineResource } from "./define-resource.ts";

/** A Docker Space on the Hugging Face Hub. */
export const Space = defineResource<SpaceInputs, SpaceOutputs>({
  type: "hub:Space",
  module: "infra/providers/space-provider.ts",
  export: "spaceImplementation",
  computed: { repoId: true, host: true, subdomain: true, spaceUrl: true, logsUrl: true, adopted: true },
  secrets: ["token"],
});
