import * as pulumi from "@pulumi/pulumi";
import type { SettingsInputs, SettingsOutputs } from "../providers/space-settings-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** A Space's secrets. Values stay Pulumi secrets; the state keeps only their hashes (secret too). */
export type SpaceSecretsArgs = { [K in keyof SettingsInputs]: pulumi.Input<SettingsInputs[K]> };

export const spaceSecretsProvider = delegatingProvider<SettingsInputs, SettingsOutputs>(
  new URL("../providers/space-settings-provider.ts", import.meta.url).href,
  "secretsImplementation",
);

export class SpaceSecrets extends pulumi.dynamic.Resource {
  declare readonly keys: pulumi.Output<string[]>;
  declare readonly hashes: pulumi.Output<Record<string, string>>;
  declare readonly revision: pulumi.Output<string>;

  constructor(name: string, args: SpaceSecretsArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      spaceSecretsProvider,
      name,
      { ...args, values: pulumi.secret(args.values), keys: undefined, hashes: undefined, revision: undefined },
      { ...opts, additionalSecretOutputs: ["token", "values", "hashes", "revision"] },
      "hub",
      "SpaceSecrets",
    );
  }
}
