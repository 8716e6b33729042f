import * as pulumi from "@pulumi/pulumi";
import type { BundleInputs, BundleOutputs } from "../providers/bundle-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** The Space repo's files, uploaded from the bundle folder when its hash changes. */
export type SpaceBundleArgs = { [K in keyof BundleInputs]: pulumi.Input<BundleInputs[K]> };

export const spaceBundleProvider = delegatingProvider<BundleInputs, BundleOutputs>(
  new URL("../providers/bundle-provider.ts", import.meta.url).href,
  "bundleImplementation",
);

export class SpaceBundle extends pulumi.dynamic.Resource {
  declare readonly hash: pulumi.Output<string>;
  declare readonly commitSha: pulumi.Output<string>;
  declare readonly files: pulumi.Output<Array<{ path: string; sha256: string; size: number }>>;

  constructor(name: string, args: SpaceBundleArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(spaceBundleProvider, name, { ...args, commitSha: undefined, files: undefined }, { ...opts, additionalSecretOutputs: ["token"] }, "hub", "SpaceBundle");
  }
}
