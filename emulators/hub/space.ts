// The Hub emulator's model of a Space repo, and the JSON the Hub answers about one (repo info,
// runtime, variables), shaped after huggingface_hub's hf_api.py and its recorded answers.
// Test code, never shipped.
import { createHash } from "node:crypto";

export type SpaceStage =
  | "NO_APP_FILE"
  | "BUILDING"
  | "RUNNING"
  | "BUILD_ERROR"
  | "RUNTIME_ERROR"
  | "STOPPED"
  | "PAUSED"
  | "SLEEPING"
  | "APP_STARTING";

export type EmulatedSpace = {
  repoId: string;
  owner: string;
  name: string;
  private: boolean;
  sdk: string;
  sha: string;
  files: Map<string, Buffer>;
  commits: Array<{ oid: string; summary: string; description: string }>;
  secrets: Map<string, { value: string; updatedAt: string }>;
  variables: Map<string, { value: string; updatedAt: string; description?: string }>;
  hardware: { current: string | null; requested: string };
  gcTimeout: number | null;
  stage: SpaceStage;
  errorMessage: string | null;
  /** The commit the current build came from. */
  runtimeSha: string | null;
  logs: { build: string[]; run: string[] };
  port: number;
  builds: number;
  restarts: number;
};

const FREE_SLEEP_SECONDS = 172_800; // free hardware sleeps after 48 h, per hf_api.py

export const shaOf = (text: string) => createHash("sha1").update(text).digest("hex");
export const now = () => new Date().toISOString();

export function newSpace(owner: string, name: string, isPrivate: boolean, sdk: string, port: number): EmulatedSpace {
  const readme = `---\ntitle: ${name}\nemoji: 🐳\ncolorFrom: blue\ncolorTo: green\nsdk: ${sdk}\npinned: false\n---\n`;
  const files = new Map<string, Buffer>([
    [".gitattributes", Buffer.from("*.bin filter=lfs diff=lfs merge=lfs -text\n")],
    ["README.md", Buffer.from(readme)],
  ]);
  const sha = shaOf(`${owner}/${name}:initial:${Date.now()}:${Math.random()}`);
  return {
    repoId: `${owner}/${name}`,
    owner,
    name,
    private: isPrivate,
    sdk,
    sha,
    files,
    commits: [{ oid: sha, summary: "initial commit", description: "" }],
    secrets: new Map(),
    variables: new Map(),
    hardware: { current: null, requested: "cpu-basic" },
    gcTimeout: FREE_SLEEP_SECONDS,
    stage: "NO_APP_FILE",
    errorMessage: null,
    runtimeSha: null,
    logs: { build: [], run: [] },
    port,
    builds: 0,
    restarts: 0,
  };
}

export function hostOf(space: EmulatedSpace): string {
  return `http://127.0.0.1:${space.port}`;
}

export function runtimeOf(space: EmulatedSpace) {
  return {
    stage: space.stage,
    hardware: { current: space.hardware.current, requested: space.hardware.requested },
    storage: null,
    gcTimeout: space.gcTimeout,
    replicas: { current: 1, requested: 1 },
    devMode: false,
    domains: [{ domain: `${space.owner}-${space.name}.hf.space`.toLowerCase(), stage: "READY" }],
    sha: space.runtimeSha,
    ...(space.errorMessage ? { errorMessage: space.errorMessage } : {}),
  };
}

export function infoOf(space: EmulatedSpace) {
  return {
    _id: shaOf(space.repoId).slice(0, 24),
    id: space.repoId,
    author: space.owner,
    sha: space.sha,
    lastModified: now(),
    createdAt: now(),
    private: space.private,
    gated: false,
    disabled: false,
    likes: 0,
    sdk: space.sdk,
    tags: [space.sdk, "region:us"],
    subdomain: `${space.owner}-${space.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-"),
    host: hostOf(space),
    runtime: runtimeOf(space),
    siblings: [...space.files.keys()].sort().map((rfilename) => ({ rfilename })),
    cardData: { sdk: space.sdk },
  };
}

export function variablesOf(space: EmulatedSpace) {
  return Object.fromEntries(
    [...space.variables].map(([key, entry]) => [key, { value: entry.value, updatedAt: entry.updatedAt, ...(entry.description ? { description: entry.description } : {}) }]),
  );
}
