import type * as pulumi from "@pulumi/pulumi";
import { vercelCall, vercelFor, type VercelConnection } from "../vercel/vercel-client.ts";
import { changedKeys } from "./inputs.ts";
import { progress, warning } from "./progress.ts";

/**
 * Redeploys the project's live production deployment so a changed env variable takes effect
 * (Vercel bakes env variables into a deployment at build time), the way the CLI's `vercel
 * redeploy` does. The live one is the project's `targets.production`: after an instant
 * rollback it is not the newest, and rebuilding the newest would undo the rollback.
 */
export type VercelRedeployInputs = VercelConnection & {
  /** Whatever should cause a redeploy when it changes: the variable's value. */
  trigger: string;
};

export type VercelRedeployOutputs = VercelRedeployInputs & {
  /** The new deployment, or "" when the project had none to redeploy. */
  deploymentId: string;
  deploymentUrl: string;
  redeployedFrom: string;
};

export const vercelRedeployImplementation: pulumi.dynamic.ResourceProvider<VercelRedeployInputs, VercelRedeployOutputs> = {
  async check(_olds, news) {
    const failures = [];
    if (!news.token) failures.push({ property: "token", reason: "a Vercel token is required" });
    if (!news.project) failures.push({ property: "project", reason: "the Vercel project's id or name" });
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    return { changes: changedKeys(olds, news, ["trigger", "project", "teamId", "apiUrl", "token"]).length > 0 };
  },

  async create(inputs) {
    return { id: `${inputs.project}/redeploy`, outs: await redeploy(inputs) };
  },

  async update(_id, olds, news) {
    if (olds.trigger === news.trigger && olds.project === news.project && olds.teamId === news.teamId) {
      return { outs: { ...olds, ...news } };
    }
    return { outs: await redeploy(news) };
  },

  async delete() {
    // A deployment is not undone by a destroy.
  },
};

async function redeploy(inputs: VercelRedeployInputs): Promise<VercelRedeployOutputs> {
  const vercel = vercelFor(inputs);
  const team = inputs.teamId ? { teamId: inputs.teamId } : {};
  const project = await vercelCall(`reading Vercel project ${inputs.project}`, () => vercel.projects.getProject({ idOrName: inputs.project, ...team }));
  // docs/platform-facts.md: The live production deployment
  const live = project.targets?.production;
  if (!live) {
    warning(`Vercel project ${project.name} has no production deployment to redeploy; the next deployment will pick up the variable`);
    return { ...inputs, deploymentId: "", deploymentUrl: "", redeployedFrom: "" };
  }
  const deployment = await vercelCall(`redeploying ${project.name}`, () =>
    // As `vercel redeploy` does: forceNew, or Vercel may hand back the old deployment
    // (built without the new variable), and the redeploy action in the metadata.
    vercel.deployments.createDeployment({
      ...team,
      forceNew: "1",
      requestBody: { name: project.name, project: project.id, deploymentId: live.id, target: "production", meta: { action: "redeploy" } },
    }),
  );
  progress(`Vercel project ${project.name}: redeploying ${live.id}, live in production, as ${deployment.id}`);
  const url = "url" in deployment && typeof deployment.url === "string" ? `https://${deployment.url}` : "";
  return { ...inputs, deploymentId: deployment.id, deploymentUrl: url, redeployedFrom: live.id };
}
