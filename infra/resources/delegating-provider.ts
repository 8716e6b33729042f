import type * as pulumi from "@pulumi/pulumi";

/**
 * Pulumi serialises a dynamic provider's code into the state and runs it in its own
 * process. What it serialises here is only this shim, a module path relative to the
 * project root and an export name: each call imports the implementation from the
 * checkout it runs in and forwards to it. No token or client is captured, editing the
 * implementation never changes the state, and state written from one checkout path
 * works from another (a teammate's clone, CI).
 */
export function delegatingProvider<Inputs, Outputs>(modulePath: string, exportName: string): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  const load = async (): Promise<pulumi.dynamic.ResourceProvider<Inputs, Outputs>> => {
    // The engine starts the provider in the program's folder: the project root is the
    // nearest folder above it that holds Pulumi.yaml.
    const { existsSync } = await import("node:fs");
    const { dirname, join } = await import("node:path");
    const { pathToFileURL } = await import("node:url");
    let root = process.cwd();
    while (!existsSync(join(root, "Pulumi.yaml"))) {
      const parent = dirname(root);
      if (parent === root) throw new Error(`no Pulumi.yaml in ${process.cwd()} or above it: run pulumi inside the project`);
      root = parent;
    }
    const implementation = await import(pathToFileURL(join(root, modulePath)).href);
    const provider = implementation[exportName];
    if (!provider) throw new Error(`${modulePath} has no export ${exportName}`);
    return provider;
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
