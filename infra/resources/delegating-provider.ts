import type * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi serialises a dynamic provider's code into the state and runs it in its own
 * process. What it serialises here is only this shim and a file URL: each call imports
 * the implementation module and forwards to it. No token or client is captured, the
 * implementation may import what it likes, and editing it never changes the state.
 * (The URL is absolute: a checkout moved elsewhere needs `pulumi refresh` first.)
 */
export function delegatingProvider<Inputs, Outputs>(
  implementationUrl: string,
  exportName: string,
): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  const load = async (): Promise<pulumi.dynamic.ResourceProvider<Inputs, Outputs>> => {
    const implementation = await import(implementationUrl);
    return implementation[exportName];
  };
  return {
    async check(olds, news) {
      const provider = await load();
      return provider.check ? provider.check(olds, news) : { inputs: news };
    },
    async diff(id, olds, news) {
      const provider = await load();
      return provider.diff ? provider.diff(id, olds, news) : {};
    },
    async create(inputs) {
      return (await load()).create(inputs);
    },
    async read(id, props) {
      const provider = await load();
      return provider.read ? provider.read(id, props) : { id, props };
    },
    async update(id, olds, news) {
      const provider = await load();
      if (!provider.update) throw new Error(`${exportName} cannot update in place`);
      return provider.update(id, olds, news);
    },
    async delete(id, props) {
      const provider = await load();
      await provider.delete?.(id, props);
    },
  };
}
