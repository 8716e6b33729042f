// The Hub emulator's model of a Space repo, and the JSON the Hub answers about one (repo info,
// runtime, variables), shaped after huggingface_hub's hf_api.py and its recorded answers.
// Test code, never shipped.
import { createHash } from "node:crypto";

/** The stages of hf_api.py's SpaceStage that the emulator goes through. */
export type SpaceStage =
  | "NO_APP_FILE"
  | "CONFIG_ERROR"
  | "BUILDING"
  | "RUNNING_BUILDING"
  | "APP_STARTING"
  | "RUNNING_APP_STARTING"
  | "RUNNING"
  | "BUILD_ERROR"
  | "RUNTIME_ERROR"
  | "STOPPED"
  | "PAUSED"
  | "SLEEPING";

export type EmulatedSpace = {
  repoId: string;
  owner: string;
  name: string;
  private: boolean;
  sdk: string;
  sha: string;
  files: Map<string, Buffer>;
  /** Each commit with the files the repo held after it: the Hub serves a file at any of them (resolve/{revision}). */
  commits: Array<{ oid: string; summary: string; description: string; files: Map<string, Buffer> }>;
  secrets: Map<string, { value: string; updatedAt: string }>;
  variables: Map<string, { value: string; updatedAt: string; description?: string }>;
  hardware: { current: string | null; requested: string };
  gcTimeout: number | null;
  stage: SpaceStage;
  errorMessage: string | null;
  /**
   * The commit whose app serves the Space's host now (null: none does). The Hub's runtime
   * never says this; it is here for tests to check what a rollout really reached.
   */
  runtimeSha: string | null;
  logs: { build: string[]; run: string[] };
  port: number;
  builds: number;
  restarts: number;
  /** Restarts asked with factory=true (a rebuild without the build cache). */
  factoryRestarts: number;
  /**
   * A fault mode: the Space's builds hang in BUILDING, as on the Hub when a build stalls on
   * its cached layers. "cache": until a factory rebuild drops the cache; "always": that too hangs.
   */
  buildHang: "cache" | "always" | null;
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
    commits: [{ oid: sha, summary: "initial commit", description: "", files: new Map(files) }],
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
    factoryRestarts: 0,
    buildHang: null,
  };
}

/** `owner-name` lower-cased, `_` and `.` (and anything else a DNS label cannot hold) as `-`. */
// docs/platform-facts.md: Space subdomain
function subdomainOf(space: EmulatedSpace): string {
  return `${space.owner}-${space.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
}

function hostOf(space: EmulatedSpace): string {
  return `http://127.0.0.1:${space.port}`;
}

export function runtimeOf(space: EmulatedSpace) {
  return {
    stage: space.stage,
    hardware: { current: space.hardware.current, requested: space.hardware.requested },
    storage: null,
    gcTimeout: space.gcTimeout,
    // As recorded from production: no `current` replica until an app runs, and no `sha` ever.
    replicas: space.stage === "RUNNING" ? { current: 1, requested: 1 } : { requested: 1 },
    devMode: false,
    domains: [{ domain: `${subdomainOf(space)}.hf.space`, stage: "READY" }],
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
    subdomain: subdomainOf(space),
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

/** The files the repo held at a revision (a branch name, main, or a commit id), or undefined for an unknown one. */
export function filesAt(space: EmulatedSpace, revision: string): { oid: string; files: Map<string, Buffer> } | undefined {
  if (revision === "main" || revision === space.sha) return { oid: space.sha, files: space.files };
  const commit = space.commits.find((entry) => entry.oid === revision);
  return commit && { oid: commit.oid, files: commit.files };
}

const DEFAULT_APP_PORT = 7860;

/**
 * The port a Docker Space's app must listen on: `app_port` in the README's front matter
 * (spaces-config-reference.md), 7860 when absent; an error text when it is not a port.
 */
export function appPortOf(space: EmulatedSpace): number | { error: string } {
  const readme = space.files.get("README.md")?.toString("utf8") ?? "";
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readme)?.[1];
  const line = frontMatter?.split(/\r?\n/).find((entry) => /^app_port\s*:/.test(entry));
  if (line === undefined) return DEFAULT_APP_PORT;
  const value = line.replace(/^app_port\s*:/, "").trim().replace(/^["']|["']$/g, "");
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return { error: `Invalid app_port in README.md: ${value}` };
  return port;
}
