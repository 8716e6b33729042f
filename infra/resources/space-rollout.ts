import * as pulumi from "@pulumi/pulumi";
import type { RolloutInputs, RolloutOutputs } from "../providers/rollout-provider.ts";
import { delegatingProvider } from "./delegating-provider.ts";

/** Waits for the Space to build, run and answer its health check after each change. */
export type SpaceRolloutArgs = { [K in keyof RolloutInputs]: pulumi.Input<RolloutInputs[K]> };

export const spaceRolloutProvider = delegatingProvider<RolloutInputs, RolloutOutputs>(
  new URL("../providers/rollout-provider.ts", import.meta.url).href,
  "rolloutImplementation",
);

export class SpaceRollout extends pulumi.dynamic.Resource {
  declare readonly stage: pulumi.Output<string>;
  declare readonly healthUrl: pulumi.Output<string>;
  declare readonly healthyAt: pulumi.Output<string>;
  declare readonly host: pulumi.Output<string>;

  constructor(name: string, args: SpaceRolloutArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(
      spaceRolloutProvider,
      name,
      { ...args, stage: undefined, healthUrl: undefined, healthyAt: undefined, restarted: undefined },
      { ...opts, additionalSecretOutputs: ["token", "settingsRevision"] },
      "hub",
      "SpaceRollout",
    );
  }
}
