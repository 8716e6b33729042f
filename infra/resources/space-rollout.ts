import type { RolloutInputs, RolloutOutputs } from "../providers/rollout-provider.ts";
import { defineResource } from "./define-resource.ts";

/** Waits for the Space to build, run and answer its health check with the new bundle after each change. */
export const SpaceRollout = defineResource<RolloutInputs, RolloutOutputs>({
  type: "hub:SpaceRollout",
  module: "infra/providers/rollout-provider.ts",
  export: "rolloutImplementation",
  computed: { stage: true, healthUrl: true, healthyAt: true, restarted: true },
  secrets: ["token", "settingsRevision", "serviceSecrets"],
});
