import * as pulumi from "@pulumi/pulumi";
import type { SpaceInputs, SpaceOutputs } from "../providers/space-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** A Docker Space on the Hugging Face Hub. */
export type SpaceArgs = { [K in keyof SpaceInputs]: pulumi.Input<SpaceInputs[K]> };

export const spaceProvider = delegatingProvider<SpaceInputs, SpaceOutputs>(
  new URL("../providers/space-provider.ts", import.meta.url).href,
  "spaceImplementation",
);

export class Space extends pulumi.dynamic.Resource {
  declare readonly repoId: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;
  declare readonly subdomain: pulumi.Output<string>;
  declare readonly spaceUrl: pulumi.Output<string>;
  declare readonly logsUrl: pulumi.Output<string>;
  declare readonly private: pulumi.Output<boolean>;
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: SpaceArgs, opts: pulumi.CustomResourceOptions = {}) {
    const outputs = { repoId: undefined, host: undefined, subdomain: undefined, spaceUrl: undefined, logsUrl: undefined, adopted: undefined };
    super(spaceProvider, name, { ...args, ...outputs }, { ...opts, additionalSecretOutputs: ["token"] }, "hub", "Space");
  }
}
