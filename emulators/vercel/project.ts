// A Vercel project as the emulator keeps it (its variables, its deployments, the one production
// traffic reaches) and the JSON the API answers about it and its deployments, in the shapes
// @vercel/sdk checks.
// Test code, never shipped.
import { envBody, type VercelEnvRecord } from "./env-records.ts";

export type VercelDeployment = {
  uid: string;
  name: string;
  url: string;
  created: number;
  target: string | null;
  readyState: string;
  projectId: string;
  /** The deployment this one redeploys, if any. */
  redeployOf?: string;
  /** The request's meta (the CLI's redeploy sends `action: "redeploy"`). */
  meta: Record<string, string>;
  /** The variables this build saw, by their real values: whether a new value was built in. */
  builtEnv: Record<string, string>;
  /** How many redeploy requests without forceNew were answered with this deployment. */
  reused: number;
};

export type VercelProject = {
  id: string;
  name: string;
  teamId?: string;
  envs: readonly VercelEnvRecord[];
  deployments: VercelDeployment[];
  /**
   * The deployment production traffic reaches (the API's `targets.production`): each new
   * production deployment, or an earlier one an instant rollback re-aimed the domains at.
   */
  liveProduction: string | null;
};

/** The deployment production traffic reaches, if any. */
const liveProduction = (project: VercelProject) => project.deployments.find((d) => d.uid === project.liveProduction);

// docs/platform-facts.md: The live production deployment
/** A deployment as the project's `targets` names it. */
const targetBody = (d: VercelDeployment, project: VercelProject) => ({
  id: d.uid,
  name: d.name,
  url: d.url,
  alias: [],
  createdAt: d.created,
  createdIn: "iad1",
  creator: { uid: "usr_emulator", email: "emulator@example.invalid", username: "emulator-user" },
  deploymentHostname: d.url.replace(/\.vercel\.app$/, ""),
  plan: "hobby",
  private: false,
  readyState: d.readyState,
  target: d.target,
  teamId: project.teamId ?? null,
  type: "LAMBDAS",
});

/** The project as GET /v9/projects/{idOrName} answers it. */
export const projectBody = (project: VercelProject) => ({
  id: project.id,
  name: project.name,
  accountId: project.teamId ?? "acc_emulator",
  createdAt: Date.now(),
  updatedAt: Date.now(),
  framework: "docusaurus-2",
  nodeVersion: "22.x",
  alias: [],
  defaultResourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
  resourceConfig: { fluid: false, functionDefaultRegions: ["iad1"] },
  deploymentExpiration: { expirationDays: 180 },
  latestDeployments: [],
  ...(liveProduction(project) ? { targets: { production: targetBody(liveProduction(project)!, project) } } : {}),
  env: project.envs.map(envBody),
  directoryListing: false,
  live: false,
});

/** A deployment as GET /v7/deployments lists it. */
export const deploymentListBody = (d: VercelDeployment) => ({
  uid: d.uid,
  name: d.name,
  url: d.url,
  created: d.created,
  createdAt: d.created,
  state: d.readyState,
  readyState: d.readyState,
  type: "LAMBDAS",
  creator: { uid: "usr_emulator" },
  target: d.target,
  projectId: d.projectId,
  meta: d.meta,
  inspectorUrl: null,
  source: "cli",
});

/** A deployment as POST /v13/deployments answers it, in the state given. */
export const deploymentBody = (d: VercelDeployment, project: VercelProject, readyState: string) => ({
  id: d.uid,
  name: d.name,
  url: d.url,
  createdAt: d.created,
  readyState,
  status: readyState,
  type: "LAMBDAS",
  creator: { uid: "usr_emulator" },
  target: d.target,
  projectId: project.id,
  build: { env: [] },
  env: [],
  meta: d.meta,
  plan: "hobby",
  projectSettings: {},
  regions: ["iad1"],
  public: false,
  routes: null,
  lambdas: [],
  alias: [],
  aliasAssigned: readyState === "READY",
  version: 2,
  ownerId: project.teamId ?? "acc_emulator",
  bootedAt: d.created,
  buildingAt: d.created,
  inspectorUrl: null,
});
