import type { BundleInputs, BundleOutputs } from "../providers/bundle-provider.ts";
import { defineResource } from "./define-resource.ts";

/** The Space repo's files, uploaded from the bundle folder when its hash changes. */
export const SpaceBundle = defineResource<BundleInputs, BundleOutputs>({
  type: "hub:SpaceBundle",
  module: "infra/providers/bundle-provider.ts",
  export: "bundleImplementation",
  computed: { commitSha: true, files: true, drifted: true },
  secrets: ["token"],
});
