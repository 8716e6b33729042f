import type * as pulumi from "@pulumi/pulumi";
import { createRedactor } from "../../service/src/secrets.ts";
import { step } from "../http/api-error.ts";
import type { HubClient } from "../hub/hub-client.ts";
import { getRuntime, restartSpace, type SpaceRuntime } from "../hub/space-api.ts";
import { readLogTail, type LogKind } from "../hub/space-logs.ts";
import { changedKeys, checkHubConnection, hubFor, isUnknown, type HubConnection } from "./inputs.ts";
import { progress, warning } from "./progress.ts";

/**
 * Waits until the Space runs what was just deployed and answers its health check. After
 * a new commit the Hub rebuilds by itself; after a secret or variable change alone the
 * Space is restarted here. A build or runtime error fails the update with the log's tail;
 * success is only ever reported after the health URL answered 200.
 */
export type RolloutInputs = HubConnection & {
  repoId: string;
  /** The app's origin (the Space's `host`). */
  host: string;
  /** A private Space's app only answers with the token. */
  privateSpace: boolean;
  /** The commit that holds the bundle. */
  commitSha: string;
  /** The secrets' and variables' revisions: a change means the running app has stale settings. */
  settingsRevision: string;
  buildTimeoutSeconds: number;
  healthTimeoutSeconds: number;
  pollIntervalSeconds: number;
  healthPath: string;
  /** Every secret the Space's app holds: scrubbed from the log tails and answers a failure shows. */
  redactValues: string[];
};

export type RolloutOutputs = RolloutInputs & {
  stage: string;
  healthUrl: string;
  healthyAt: string;
  restarted: boolean;
};

export type RolloutErrorCode = "build_error" | "runtime_error" | "space_stopped" | "build_timeout" | "unhealthy";

export class RolloutError extends Error {
  readonly code: RolloutErrorCode;
  constructor(code: RolloutErrorCode, message: string) {
    super(message);
    this.name = "RolloutError";
    this.code = code;
  }
}

const INTERMEDIATE = new Set(["BUILDING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"]);
const FAILED: Record<string, { code: RolloutErrorCode; log: LogKind }> = {
  BUILD_ERROR: { code: "build_error", log: "build" },
  CONFIG_ERROR: { code: "build_error", log: "build" },
  NO_APP_FILE: { code: "build_error", log: "build" },
  RUNTIME_ERROR: { code: "runtime_error", log: "run" },
};
/** Without a `sha` in the runtime, how long a just-pushed commit may take to show as a build. */
const UNCONFIRMED_BUILD_GRACE_MS = 30_000;

export const rolloutImplementation: pulumi.dynamic.ResourceProvider<RolloutInputs, RolloutOutputs> = {
  async check(_olds, news) {
    const failures = checkHubConnection(news);
    for (const key of ["buildTimeoutSeconds", "healthTimeoutSeconds", "pollIntervalSeconds"] as const) {
      if (typeof news[key] !== "number" || !(news[key] > 0)) failures.push({ property: key, reason: "a positive number of seconds" });
    }
    if (!isUnknown(news.host)) {
      try {
        new URL(news.healthPath, news.host);
      } catch {
        failures.push({ property: "host", reason: "the Space's origin, e.g. https://owner-name.hf.space" });
      }
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const changed = changedKeys(olds, news, [
      "repoId", "host", "commitSha", "settingsRevision", "token", "hubUrl", "privateSpace",
      "buildTimeoutSeconds", "healthTimeoutSeconds", "pollIntervalSeconds", "healthPath",
    ]);
    return { changes: changed.length > 0 };
  },

  async create(inputs) {
    const outs = await rollout(inputs, { commitChanged: true, settingsChanged: true, first: true });
    return { id: `${inputs.repoId}/rollout`, outs };
  },

  async update(_id, olds, news) {
    const commitChanged = olds.commitSha !== news.commitSha || olds.repoId !== news.repoId;
    const settingsChanged = olds.settingsRevision !== news.settingsRevision;
    if (!commitChanged && !settingsChanged && olds.host === news.host && olds.healthPath === news.healthPath) {
      return { outs: { ...olds, ...news } }; // only timeouts or the token changed: nothing to roll out
    }
    return { outs: await rollout(news, { commitChanged, settingsChanged, first: false }) };
  },

  async delete() {
    // Nothing to undo: a rollout leaves no resource behind.
  },
};

async function rollout(
  inputs: RolloutInputs,
  reason: { commitChanged: boolean; settingsChanged: boolean; first: boolean },
): Promise<RolloutOutputs> {
  const hub = hubFor(inputs);
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  let runtime = await step(`reading the runtime of ${inputs.repoId}`, () => getRuntime(hub, inputs.repoId));

  // The Hub rebuilds after a commit; only settings changes (or a stopped Space) need a restart.
  const building = INTERMEDIATE.has(runtime.stage);
  const runsThisCommit = runtime.sha ? runtime.sha === inputs.commitSha : undefined;
  const stopped = runtime.stage === "PAUSED" || runtime.stage === "STOPPED";
  const awaitingBuild = reason.commitChanged && (building || runsThisCommit === false || (runsThisCommit === undefined && !reason.first));
  const restart = stopped || (reason.settingsChanged && !awaitingBuild);
  if (restart) {
    progress(`${inputs.repoId}: restarting so it runs with the new ${stopped ? "deployment" : "secrets and variables"}`);
    runtime = await step(`restarting ${inputs.repoId}`, () => restartSpace(hub, inputs.repoId));
  }

  const expectRebuild = restart || awaitingBuild;
  let sawIntermediate = INTERMEDIATE.has(runtime.stage);
  const buildDeadline = started + inputs.buildTimeoutSeconds * 1000;
  let lastStage = "";
  let lastReport = 0;
  for (;;) {
    const stage = runtime.stage;
    if (INTERMEDIATE.has(stage)) sawIntermediate = true;
    // Whether what the runtime reports is the build of what we deployed, not the one before it.
    const current = runtime.sha
      ? runtime.sha === inputs.commitSha
      : !expectRebuild || sawIntermediate || Date.now() - started > UNCONFIRMED_BUILD_GRACE_MS;
    if (stage !== lastStage || Date.now() - lastReport > 30_000) {
      progress(`${inputs.repoId}: ${stage}${current ? "" : " (previous build)"} after ${elapsed()}`);
      lastStage = stage;
      lastReport = Date.now();
    }
    const failed = FAILED[stage];
    if (failed && current) await fail(hub, inputs, failed.code, `${inputs.repoId} ended in ${stage} after ${elapsed()}${runtime.errorMessage ? `: ${runtime.errorMessage}` : ""}`, failed.log);
    if ((stage === "PAUSED" || stage === "STOPPED") && current) {
      throw new RolloutError("space_stopped", `${inputs.repoId} is ${stage}: restart it on the Hub or run the update again`);
    }
    if ((stage === "RUNNING" || stage === "SLEEPING") && current) break; // a request to the app wakes a sleeping Space
    if (Date.now() >= buildDeadline) {
      await fail(hub, inputs, "build_timeout", `${inputs.repoId} did not reach RUNNING within ${inputs.buildTimeoutSeconds}s (last stage ${stage}); raise rolloutBuildTimeoutSeconds if builds take longer`, "build");
    }
    await sleep(inputs.pollIntervalSeconds * 1000);
    runtime = await step(`reading the runtime of ${inputs.repoId}`, () => getRuntime(hub, inputs.repoId));
  }

  const healthUrl = new URL(inputs.healthPath, `${inputs.host.replace(/\/+$/, "")}/`).href;
  progress(`${inputs.repoId}: RUNNING after ${elapsed()}, waiting for ${healthUrl} to answer 200`);
  const healthDeadline = Date.now() + inputs.healthTimeoutSeconds * 1000;
  let last = "no answer yet";
  for (let attempt = 1; ; attempt++) {
    const answer = await probe(healthUrl, inputs, Math.max(2_000, healthDeadline - Date.now()));
    if (answer.status === 200) {
      progress(`${inputs.repoId}: healthy after ${elapsed()}`);
      return { ...inputs, stage: "RUNNING", healthUrl, healthyAt: new Date().toISOString(), restarted: restart };
    }
    // A late timeout does not hide the last real answer.
    if (answer.status || !last.startsWith("HTTP")) last = answer.status ? `HTTP ${answer.status} ${answer.body}` : answer.body;
    if (attempt % 5 === 0) progress(`${inputs.repoId}: health check answered ${last} after ${elapsed()}`);
    const now = await step(`reading the runtime of ${inputs.repoId}`, () => getRuntime(hub, inputs.repoId));
    if (now.stage === "RUNTIME_ERROR" || now.stage === "BUILD_ERROR") {
      await fail(hub, inputs, "runtime_error", `${inputs.repoId} went to ${now.stage} while starting${now.errorMessage ? `: ${now.errorMessage}` : ""}`, "run");
    }
    if (Date.now() >= healthDeadline) {
      await fail(hub, inputs, "unhealthy", `${healthUrl} did not answer 200 within ${inputs.healthTimeoutSeconds}s (last: ${last}); the Space is not healthy`, "run");
    }
    await sleep(inputs.pollIntervalSeconds * 1000);
  }
}

async function probe(url: string, inputs: RolloutInputs, budgetMs: number): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(Math.min(10_000, budgetMs)),
      headers: inputs.privateSpace ? { Authorization: `Bearer ${inputs.token}` } : {},
    });
    const body = redactorFor(inputs)((await response.text()).replace(/\s+/g, " ").slice(0, 200));
    return { status: response.status, body };
  } catch (error) {
    return { status: 0, body: (error as Error)?.name === "TimeoutError" ? "timed out" : "no answer (connection failed)" };
  }
}

async function fail(hub: HubClient, inputs: RolloutInputs, code: RolloutErrorCode, message: string, log: LogKind): Promise<never> {
  let tail: string[] = [];
  try {
    tail = await readLogTail(hub, inputs.repoId, log, { maxLines: 40, waitMs: Math.min(3_000, Math.max(300, inputs.pollIntervalSeconds * 1000)), redact: redactorFor(inputs) });
  } catch (error) {
    tail = [`(could not read the ${log} log: ${(error as Error).message})`];
  }
  const shown = tail.length ? tail.map((line) => `  ${line}`).join("\n") : "  (empty)";
  const text = `${message}\n${log === "build" ? "Build" : "Container"} log, last ${tail.length} lines:\n${shown}\nLogs: ${inputs.hubUrl.replace(/\/+$/, "")}/spaces/${inputs.repoId}?logs=${log === "build" ? "build" : "container"}`;
  warning(text);
  throw new RolloutError(code, text);
}

const redactorFor = (inputs: RolloutInputs) => createRedactor([inputs.token, ...(inputs.redactValues ?? [])]);

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type { SpaceRuntime };
