import * as pulumi from "@pulumi/pulumi";
import type { SettingsInputs, SettingsOutputs } from "../providers/space-settings-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** A Space's variables: plain values, read back from the Hub so drift shows. */
export type SpaceVariablesArgs = { [K in keyof SettingsInputs]: pulumi.Input<SettingsInputs[K]> };

export const spaceVariablesProvider = delegatingProvider<SettingsInputs, SettingsOutputs>(
  new URL("../providers/space-settings-provider.ts", import.meta.url).href,
  "variablesImplementation",
);

export class SpaceVariables extends pulumi.dynamic.Resource {
  declare readonly keys: pulumi.Output<string[]>;
  declare readonly values: pulumi.Output<Record<string, string>>;
  declare readonly revision: pulumi.Output<string>;

  constructor(name: string, args: SpaceVariablesArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      spaceVariablesProvider,
      name,
      { ...args, keys: undefined, hashes: undefined, revision: undefined },
      { ...opts, additionalSecretOutputs: ["token"] },
      "hub",
      "SpaceVariables",
    );
  }
}
