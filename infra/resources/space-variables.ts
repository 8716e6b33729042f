import type { SettingsInputs, SettingsOutputs } from "../providers/space-settings-provider.ts";
import { defineResource } from "./define-resource.ts";

/** A Space's variables: plain values, read back from the Hub so drift shows. */
export const SpaceVariables = defineResource<SettingsInputs, SettingsOutputs>({
  type: "hub:SpaceVariables",
  module: "infra/providers/space-settings-provider.ts",
  export: "variablesImplementation",
  computed: { keys: true, hashes: true, revision: true, writes: true },
  secrets: ["token"],
});
