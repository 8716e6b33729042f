import * as pulumi from "@pulumi/pulumi";
import { delegatingProvider } from "./delegating-provider.ts";

/**
 * Declares a dynamic resource once: its type, where its provider lives, the properties
 * the provider computes and the ones that are secret. The resource's properties are
 * typed from the provider's own Inputs and Outputs, so no output name is written twice.
 */
export type ResourceSpec<Inputs, Outputs> = {
  /** "package:Type", e.g. "hub:Space" (the type in the resource's URN). */
  type: `${string}:${string}`;
  /** The provider implementation: its module relative to the project root, and the export. */
  module: string;
  export: string;
  /** One key per property the provider computes; the compiler checks the list against Outputs. */
  computed: { [K in Exclude<keyof Outputs, keyof Inputs>]-?: true };
  /** Properties kept secret in the state, inputs and outputs alike (tokens, values). */
  secrets: ReadonlyArray<keyof Outputs & string>;
};

export type ResourceArgs<Inputs> = { [K in keyof Inputs]: pulumi.Input<Inputs[K]> };
export type ResourceOutputs<Outputs> = { readonly [K in keyof Outputs]-?: pulumi.Output<Outputs[K]> };

export type DefinedResource<Inputs, Outputs> = {
  new (name: string, args: ResourceArgs<Inputs>, opts?: pulumi.CustomResourceOptions): pulumi.dynamic.Resource & ResourceOutputs<Outputs>;
  /** The serialisable provider, as Pulumi stores and calls it (tests call it directly). */
  readonly provider: pulumi.dynamic.ResourceProvider<Inputs, Outputs>;
};

export function defineResource<Inputs extends object, Outputs extends object>(spec: ResourceSpec<Inputs, Outputs>): DefinedResource<Inputs, Outputs> {
  const provider = delegatingProvider<Inputs, Outputs>(spec.module, spec.export);
  const [packageName, typeName] = spec.type.split(":") as [string, string];
  const computed = Object.fromEntries(Object.keys(spec.computed).map((key) => [key, undefined]));

  class Resource extends pulumi.dynamic.Resource {
    constructor(name: string, args: ResourceArgs<Inputs>, opts: pulumi.CustomResourceOptions = {}) {
      const props: Record<string, unknown> = { ...args, ...computed };
      for (const key of spec.secrets) {
        if (props[key] !== undefined) props[key] = pulumi.secret(props[key]);
      }
      super(provider, name, props, { ...opts, additionalSecretOutputs: [...spec.secrets] }, packageName, typeName);
    }
  }
  return Object.assign(Resource as unknown as DefinedResource<Inputs, Outputs>, { provider });
}
