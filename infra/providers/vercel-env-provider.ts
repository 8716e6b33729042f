import type * as pulumi from "@pulumi/pulumi";
import { isApiError } from "../http/api-error.ts";
import { vercelCall, vercelFor, type VercelConnection } from "../vercel/vercel-client.ts";
import { changedKeys } from "./inputs.ts";
import { progress } from "./progress.ts";

/** One environment variable of a Vercel project (the backend's URL), for the chosen targets. */
export type VercelEnvInputs = VercelConnection & {
  key: string;
  value: string;
  targets: string[];
};

export type VercelEnvOutputs = VercelEnvInputs & { envIds: string[] };

type EnvRecord = { id?: string | undefined; key: string; value?: string | undefined; target?: string[] | string | undefined };

const TARGETS = new Set(["production", "preview", "development"]);

const scope = (inputs: VercelConnection) => ({ idOrName: inputs.project, ...(inputs.teamId ? { teamId: inputs.teamId } : {}) });
const targetsOf = (env: EnvRecord) => (Array.isArray(env.target) ? env.target : env.target ? [env.target] : []);

async function envsWithKey(inputs: VercelConnection, key: string): Promise<EnvRecord[]> {
  const vercel = vercelFor(inputs);
  const body = await vercelCall(`listing the env variables of Vercel project ${inputs.project}`, () =>
    vercel.projects.filterProjectEnvs({ ...scope(inputs), decrypt: "true" }),
  );
  const envs: EnvRecord[] = "envs" in body ? (body.envs as EnvRecord[]) : [body as EnvRecord];
  return envs.filter((env) => env.key === key);
}

async function upsert(inputs: VercelEnvInputs): Promise<string[]> {
  const vercel = vercelFor(inputs);
  const result = await vercelCall(`setting ${inputs.key} on Vercel project ${inputs.project}`, () =>
    vercel.projects.createProjectEnv({
      ...scope(inputs),
      upsert: "true",
      requestBody: { key: inputs.key, value: inputs.value, type: "plain", target: inputs.targets as Array<"production" | "preview" | "development"> },
    }),
  );
  const failed = result.failed ?? [];
  if (failed.length > 0) {
    const reasons = failed.map((entry) => `${entry.error.code}: ${entry.error.message}`).join("; ");
    throw new Error(`setting ${inputs.key} on Vercel project ${inputs.project} failed: ${reasons}`);
  }
  const created = result.created === undefined ? [] : Array.isArray(result.created) ? result.created : [result.created];
  progress(`Vercel project ${inputs.project}: ${inputs.key} set for ${inputs.targets.join(", ")}`);
  return created.map((env) => env.id).filter((id): id is string => typeof id === "string");
}

async function remove(inputs: VercelConnection, ids: string[], key: string): Promise<void> {
  const vercel = vercelFor(inputs);
  for (const id of ids) {
    try {
      await vercelCall(`removing ${key} from Vercel project ${inputs.project}`, () => vercel.projects.removeProjectEnv({ ...scope(inputs), id }));
    } catch (error) {
      if (!isApiError(error, "not_found")) throw error;
    }
  }
}

export const vercelEnvImplementation: pulumi.dynamic.ResourceProvider<VercelEnvInputs, VercelEnvOutputs> = {
  async check(_olds, news) {
    const failures = [];
    if (!news.token) failures.push({ property: "token", reason: "a Vercel token is required" });
    if (!news.project) failures.push({ property: "project", reason: "the Vercel project's id or name" });
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(String(news.key))) failures.push({ property: "key", reason: "an environment variable name" });
    if (!Array.isArray(news.targets) || news.targets.length === 0 || news.targets.some((target) => !TARGETS.has(target))) {
      failures.push({ property: "targets", reason: "one or more of production, preview, development" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, ["project", "teamId", "key", "apiUrl"]);
    const changes = replaces.length > 0 || changedKeys(olds, news, ["value", "targets", "token"]).length > 0;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs) {
    const envIds = await upsert(inputs);
    return { id: `${inputs.project}/${inputs.key}`, outs: { ...inputs, envIds } };
  },

  async read(id, props) {
    if (!props) return {};
    let envs: EnvRecord[];
    try {
      envs = await envsWithKey(props, props.key);
    } catch (error) {
      if (isApiError(error, "not_found")) return {};
      throw error;
    }
    if (envs.length === 0) return {};
    const values = new Set(envs.map((env) => env.value));
    const targets = [...new Set(envs.flatMap(targetsOf))].sort();
    return {
      id,
      props: {
        ...props,
        // Differing values across targets read as "" so the next update writes ours everywhere.
        value: values.size === 1 ? (envs[0]!.value ?? "") : "",
        targets,
        envIds: envs.map((env) => env.id).filter((envId): envId is string => typeof envId === "string"),
      },
    };
  },

  async update(_id, olds, news) {
    const envIds = await upsert(news);
    // Targets dropped from the list: their records of this key go.
    const dropped = olds.targets.filter((target) => !news.targets.includes(target));
    if (dropped.length > 0) {
      const stale = (await envsWithKey(news, news.key)).filter(
        (env) => env.id && !envIds.includes(env.id) && targetsOf(env).every((target) => dropped.includes(target)),
      );
      await remove(news, stale.map((env) => env.id!), news.key);
    }
    return { outs: { ...news, envIds } };
  },

  async delete(_id, props) {
    const envs = await envsWithKey(props, props.key).catch((error) => {
      if (isApiError(error, "not_found")) return [];
      throw error;
    });
    const ours = envs.filter((env) => env.id && (props.envIds.includes(env.id) || targetsOf(env).every((target) => props.targets.includes(target))));
    await remove(props, ours.map((env) => env.id!), props.key);
    progress(`Vercel project ${props.project}: ${props.key} removed`);
  },
};
