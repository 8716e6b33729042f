import type { SettingsInputs, SettingsOutputs } from "../providers/space-settings-provider.ts";
import { defineResource } from "./define-resource.ts";

/** A Space's secrets. Values stay Pulumi secrets; the state keeps only their hashes (secret too). */
export const SpaceSecrets = defineResource<SettingsInputs, SettingsOutputs>({
  type: "hub:SpaceSecrets",
  module: "infra/providers/space-settings-provider.ts",
  export: "secretsImplementation",
  computed: { keys: true, hashes: true, revision: true, writes: true },
  secrets: ["token", "values", "hashes", "revision"],
});
