import type * as pulumi from "@pulumi/pulumi";
import { createRedactor, secretValuesOf } from "../../service/src/secrets.ts";
import { step } from "../http/api-error.ts";
import type { HubClient } from "../hub/hub-client.ts";
import { getRuntime, restartSpace } from "../hub/space-api.ts";
import { readLogTail, type LogKind } from "../hub/space-logs.ts";
import { recommitBundle, remoteManifest } from "./bundle-commit.ts";
import { changedKeys, checkBundleHash, checkHubConnection, hubFor, isUnknown, type HubConnection } from "./inputs.ts";
import { progress, warning } from "./progress.ts";

/**
 * Waits until the Space runs what was just deployed and answers its health check. The
 * runtime never says which commit it runs, so the app does: its /api/health reports the
 * hash of the bundle it was built from (`version`), and only a 200 carrying the new hash
 * counts. After a new commit the Hub rebuilds by itself, and after a secret or variable change
 * it restarts the Space by itself; the Space is restarted here only when no rebuild shows (a
 * stopped Space, or settings that changed while it ran on). A build or runtime error, or an app that never answers
 * while the Hub says APP_STARTING (wrong port or host), fails the update with the log's tail.
 * A build stuck in BUILDING past the build timeout gets one factory rebuild first.
 *
 * When a new bundle fails, the last healthy one (this resource's state: its commit and hash)
 * is committed back from the Space repo's history, and the update fails only once health
 * reports that bundle again, saying so. Only the bundle goes back: secrets and variables stay
 * as the update set them. The first rollout of a Space has nothing to go back to.
 */
export type RolloutInputs = HubConnection & {
  repoId: string;
  /** The app's origin (the Space's `host`). */
  host: string;
  /** A private Space's app only answers with the token. */
  privateSpace: boolean;
  /** The commit that holds the bundle: a new one means the Hub rebuilds. */
  commitSha: string;
  /** The bundle's hash: what the app's health must report as `version`. */
  bundleHash: string;
  /** The secrets' and variables' revisions: a change means the running app has stale settings. */
  settingsRevision: string;
  buildTimeoutSeconds: number;
  /** How long the built app has to answer 200 with the new hash (from APP_STARTING on). */
  healthTimeoutSeconds: number;
  pollIntervalSeconds: number;
  healthPath: string;
  /**
   * The app's secret variables (name -> value): scrubbed from the log tails and answers
   * the rollout shows, with the passwords inside them. Only values as configured travel:
   * a derived one (a password) would be in no list Pulumi masks in its output.
   */
  serviceSecrets: Record<string, string>;
  /** Commit the last healthy bundle back when a new one fails (the stack's rollbackOnFailure); default true. */
  rollbackOnFailure?: boolean;
};

export type RolloutOutputs = RolloutInputs & {
  stage: string;
  healthUrl: string;
  healthyAt: string;
  restarted: boolean;
};

type RolloutErrorCode = "build_error" | "runtime_error" | "space_stopped" | "build_timeout" | "app_not_listening" | "unhealthy";

class RolloutError extends Error {
  readonly code: RolloutErrorCode;
  constructor(code: RolloutErrorCode, message: string) {
    super(message);
    this.name = "RolloutError";
    this.code = code;
  }
}

const BUILDING = new Set(["BUILDING", "RUNNING_BUILDING"]);
const STARTING = new Set(["APP_STARTING", "RUNNING_APP_STARTING"]);
const SERVING = new Set(["RUNNING", "SLEEPING"]); // a request to the app wakes a sleeping Space
const STOPPED = new Set(["PAUSED", "STOPPED"]);
const FAILED: Record<string, { code: RolloutErrorCode; log: LogKind }> = {
  BUILD_ERROR: { code: "build_error", log: "build" },
  CONFIG_ERROR: { code: "build_error", log: "build" },
  NO_APP_FILE: { code: "build_error", log: "build" },
  RUNTIME_ERROR: { code: "runtime_error", log: "run" },
};
/**
 * How long a just-pushed commit or a restart may take to show in the runtime. Until it
 * has (a building or starting stage seen, or this long passed), a failed or stopped stage
 * may be the previous build's, and after a restart the old container may still answer.
 */
const UNCONFIRMED_CHANGE_GRACE_MS = 30_000;
/** Progress lines while nothing changes: one every this often. */
const REPORT_EVERY_MS = 30_000;

export const rolloutImplementation: pulumi.dynamic.ResourceProvider<RolloutInputs, RolloutOutputs> = {
  async check(_olds, news) {
    const failures = checkHubConnection(news);
    for (const key of ["buildTimeoutSeconds", "healthTimeoutSeconds", "pollIntervalSeconds"] as const) {
      if (typeof news[key] !== "number" || !(news[key] > 0)) failures.push({ property: key, reason: "a positive number of seconds" });
    }
    failures.push(...checkBundleHash("bundleHash", news.bundleHash));
    if (news.rollbackOnFailure !== undefined && typeof news.rollbackOnFailure !== "boolean") failures.push({ property: "rollbackOnFailure", reason: "true or false" });
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
      "repoId", "host", "commitSha", "bundleHash", "settingsRevision", "token", "hubUrl", "privateSpace",
      "buildTimeoutSeconds", "healthTimeoutSeconds", "pollIntervalSeconds", "healthPath", "rollbackOnFailure",
    ]);
    return { changes: changed.length > 0 };
  },

  async create(inputs) {
    // A first rollout has no healthy bundle of ours to go back to.
    const outs = await rolloutOrRollBack(inputs, { commitChanged: true, settingsChanged: true }, undefined);
    return { id: `${inputs.repoId}/rollout`, outs };
  },

  async update(_id, olds, news) {
    const commitChanged = olds.commitSha !== news.commitSha || olds.bundleHash !== news.bundleHash || olds.repoId !== news.repoId;
    const settingsChanged = olds.settingsRevision !== news.settingsRevision;
    if (!commitChanged && !settingsChanged && olds.host === news.host && olds.healthPath === news.healthPath) {
      return { outs: { ...olds, ...news } }; // only timeouts or the token changed: nothing to roll out
    }
    const lastHealthy = commitChanged && olds.bundleHash !== news.bundleHash && olds.repoId === news.repoId ? { commitSha: olds.commitSha, bundleHash: olds.bundleHash } : undefined;
    return { outs: await rolloutOrRollBack(news, { commitChanged, settingsChanged }, lastHealthy) };
  },

  async delete() {
    // Nothing to undo: a rollout leaves no resource behind.
  },
};

type RolloutReason = { commitChanged: boolean; settingsChanged: boolean };
type HealthyBundle = { commitSha: string; bundleHash: string };

/** What a failed new bundle is rolled back for: it was built and failed, or never answered with its hash. */
const ROLLED_BACK: ReadonlySet<RolloutErrorCode> = new Set(["build_error", "runtime_error", "build_timeout", "app_not_listening", "unhealthy"]);

async function rolloutOrRollBack(inputs: RolloutInputs, reason: RolloutReason, lastHealthy: HealthyBundle | undefined): Promise<RolloutOutputs> {
  const hub = hubFor(inputs);
  if (reason.commitChanged) await recommitIfRolledBack(hub, inputs);
  try {
    return await rollout(inputs, reason);
  } catch (error) {
    if (!(error instanceof RolloutError) || !ROLLED_BACK.has(error.code) || !lastHealthy) throw error;
    if (inputs.rollbackOnFailure === false) {
      throw new RolloutError(error.code, `${error.message}\nNot rolled back (rollbackOnFailure is false): ${inputs.repoId} stays on bundle ${inputs.bundleHash.slice(0, 12)}.`);
    }
    throw await rollBack(hub, inputs, lastHealthy, error);
  }
}

/**
 * After a rollback the Space repo holds the last healthy bundle while the state's bundle is
 * the failed one: a later update of that same bundle (nothing changed in the folder) would
 * upload nothing and wait for a hash that never comes. Its commit is committed again instead.
 */
async function recommitIfRolledBack(hub: HubClient, inputs: RolloutInputs): Promise<void> {
  const held = await remoteManifest(hub, inputs.repoId);
  if (!held || held.hash === inputs.bundleHash) return;
  progress(`${inputs.repoId} holds bundle ${held.hash.slice(0, 12)} (a rollback, or another push), not ${inputs.bundleHash.slice(0, 12)}: committing it again from ${inputs.commitSha.slice(0, 12)}`);
  await step(`committing bundle ${inputs.bundleHash.slice(0, 12)} to ${inputs.repoId} again`, () =>
    recommitBundle(hub, inputs.repoId, inputs, {
      title: `Deploy bundle ${inputs.bundleHash.slice(0, 12)} again`,
      why: `Committed again from ${inputs.commitSha} by the Pulumi program in infra/: the Space held bundle ${held.hash}.`,
      doing: `committing bundle ${inputs.bundleHash.slice(0, 12)} again`,
    }),
  );
}

/**
 * Commits the last healthy bundle back and waits until health reports its hash; returns the
 * error the update fails with: the cause, its log tail, and where production stands now.
 */
async function rollBack(hub: HubClient, inputs: RolloutInputs, lastHealthy: HealthyBundle, failure: RolloutError): Promise<RolloutError> {
  const previous = lastHealthy.bundleHash.slice(0, 12);
  progress(`${inputs.repoId}: bundle ${inputs.bundleHash.slice(0, 12)} failed (${failure.code}): rolling back to bundle ${previous}, the last healthy one (commit ${lastHealthy.commitSha.slice(0, 12)})`);
  try {
    const committed = await step(`rolling ${inputs.repoId} back to bundle ${previous}`, () =>
      recommitBundle(hub, inputs.repoId, lastHealthy, {
        title: `Roll back to bundle ${previous}`,
        why: `Rolled back by the Pulumi program in infra/ from commit ${lastHealthy.commitSha}: bundle ${inputs.bundleHash} failed (${failure.code}).`,
        doing: `rolling back to bundle ${previous}`,
      }),
    );
    // Nothing to commit (the repo holds that bundle already): a restart rebuilds it.
    await rollout(
      { ...inputs, commitSha: committed ?? lastHealthy.commitSha, bundleHash: lastHealthy.bundleHash },
      committed ? { commitChanged: true, settingsChanged: false } : { commitChanged: false, settingsChanged: true },
    );
    const healthUrl = healthUrlOf(inputs);
    return new RolloutError(
      failure.code,
      `${failure.message}\nProduction was restored to bundle ${previous} (${lastHealthy.bundleHash}): ${healthUrl} reports it again` +
        `${committed ? ` (rollback commit ${committed.slice(0, 12)})` : ""}. Fix the bundle and run \`pulumi up\` again.`,
    );
  } catch (error) {
    return new RolloutError(
      failure.code,
      `${failure.message}\nThe rollback to bundle ${previous} failed too, so production may be down: ${(error as Error).message}`,
    );
  }
}

async function rollout(inputs: RolloutInputs, reason: RolloutReason): Promise<RolloutOutputs> {
  const hub = hubFor(inputs);
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  const healthUrl = healthUrlOf(inputs);
  const ours = inputs.bundleHash.slice(0, 12);
  let runtime = await step(`reading the runtime of ${inputs.repoId}`, () => getRuntime(hub, inputs.repoId));

  // The Hub rebuilds after a commit by itself, and restarts after a settings change by itself:
  // a Space already rebuilding or starting is not restarted again. A restart is for new
  // settings on a Space that runs on (this bundle, or no new commit came), and for a stopped one.
  // docs/platform-facts.md: Settings changes restart the Space
  const rebuilding = BUILDING.has(runtime.stage) || STARTING.has(runtime.stage);
  const servesOurs = SERVING.has(runtime.stage) && (await probe(healthUrl, inputs, 5_000)).version === inputs.bundleHash;
  const restart = STOPPED.has(runtime.stage) || (reason.settingsChanged && !rebuilding && (servesOurs || !reason.commitChanged));
  if (reason.settingsChanged && rebuilding) progress(`${inputs.repoId}: already ${runtime.stage} (the Hub restarts a Space after a settings change): not restarted again`);
  if (restart) {
    progress(`${inputs.repoId}: restarting so it runs with the new ${STOPPED.has(runtime.stage) ? "deployment" : "secrets and variables"}`);
    runtime = await step(`restarting ${inputs.repoId}`, () => restartSpace(hub, inputs.repoId));
  }
  // Until the change shows (a build or start seen, or the grace passed), a failure or an
  // answer may still be the previous container's.
  const expectChange = restart || (reason.commitChanged && !servesOurs);
  let changeSeen = !expectChange;
  let graceFrom = started;
  let buildDeadline = started + inputs.buildTimeoutSeconds * 1000;
  let factoryRebuilt = false;
  let startingSince: number | undefined; // when the built app began to start
  let lastStage = "";
  let lastReport = 0;
  let last = "no answer yet";
  for (;;) {
    const stage = runtime.stage;
    if (BUILDING.has(stage) || STARTING.has(stage)) changeSeen = true;
    const current = changeSeen || Date.now() - graceFrom > UNCONFIRMED_CHANGE_GRACE_MS;
    if (stage !== lastStage || Date.now() - lastReport > REPORT_EVERY_MS) {
      progress(`${inputs.repoId}: ${stage}${current ? "" : " (previous build)"} after ${elapsed()}${SERVING.has(stage) && current ? `, health: ${last}` : ""}`);
      lastStage = stage;
      lastReport = Date.now();
    }
    const failed = FAILED[stage];
    if (failed && current) await fail(hub, inputs, failed.code, `${inputs.repoId} ended in ${stage} after ${elapsed()}${runtime.errorMessage ? `: ${runtime.errorMessage}` : ""}`, failed.log);
    if (STOPPED.has(stage) && current) {
      throw new RolloutError("space_stopped", `${inputs.repoId} is ${stage}: restart it on the Hub or run the update again`);
    }
    if (BUILDING.has(stage)) startingSince = undefined;
    else if (current) startingSince ??= Date.now();

    if (!BUILDING.has(stage) || stage === "RUNNING_BUILDING") {
      const answer = await probe(healthUrl, inputs, 10_000);
      // A new hash proves the new build answers; after a restart the hash stays the same,
      // so the restart itself must have shown first.
      if (answer.status === 200 && answer.version === inputs.bundleHash && SERVING.has(stage) && (current || !restart)) {
        progress(`${inputs.repoId}: healthy with bundle ${ours} after ${elapsed()}`);
        return { ...inputs, stage: "RUNNING", healthUrl, healthyAt: new Date().toISOString(), restarted: restart };
      }
      // A late timeout does not hide the last real answer.
      if (answer.status || !last.startsWith("HTTP")) last = describe(answer, inputs.bundleHash);
    }

    const now = Date.now();
    if (startingSince !== undefined && now - startingSince > inputs.healthTimeoutSeconds * 1000) {
      if (STARTING.has(stage)) {
        await fail(
          hub, inputs, "app_not_listening",
          `${inputs.repoId} stayed in ${stage} for ${inputs.healthTimeoutSeconds}s: the new app never answered on its port (${healthUrl}, last: ${last}). ` +
            "The Hub waits for the app on the port README.md's `app_port` names (7860 here), on all interfaces: check that the app listens on 0.0.0.0 (not 127.0.0.1 or localhost) at that port (the Dockerfile sets PORT=7860)",
          "run",
        );
      }
      await fail(hub, inputs, "unhealthy", `${healthUrl} did not answer 200 with bundle ${ours} within ${inputs.healthTimeoutSeconds}s (last: ${last}); the Space is not healthy`, "run");
    }
    // The build timeout bounds the time in BUILDING; once built, the health timeout runs.
    if (BUILDING.has(stage) && now >= buildDeadline) {
      if (!factoryRebuilt) {
        // A build that stalls is mostly a stale build cache: the Hub's factory rebuild drops it. Once.
        // docs/platform-facts.md: Factory rebuild
        factoryRebuilt = true;
        warning(`${inputs.repoId} is stuck in ${stage} after ${inputs.buildTimeoutSeconds}s: asking the Hub for a factory rebuild (a restart with factory=true, without the build cache), once`);
        runtime = await step(`factory-rebuilding ${inputs.repoId}`, () => restartSpace(hub, inputs.repoId, { factory: true }));
        buildDeadline = Date.now() + inputs.buildTimeoutSeconds * 1000;
        changeSeen = false;
        graceFrom = Date.now();
        lastStage = "";
        continue;
      }
      await fail(
        hub, inputs, "build_timeout",
        `${inputs.repoId} did not reach RUNNING within ${inputs.buildTimeoutSeconds}s (last stage ${stage}), nor within ${inputs.buildTimeoutSeconds}s of a factory rebuild; raise rolloutBuildTimeoutSeconds if builds take longer, or look at the build log`,
        "build",
      );
    }
    await sleep(inputs.pollIntervalSeconds * 1000);
    runtime = await step(`reading the runtime of ${inputs.repoId}`, () => getRuntime(hub, inputs.repoId));
  }
}

const healthUrlOf = (inputs: RolloutInputs) => new URL(inputs.healthPath, `${inputs.host.replace(/\/+$/, "")}/`).href;

type HealthAnswer = { status: number; body: string; version: string | undefined };

async function probe(url: string, inputs: RolloutInputs, budgetMs: number): Promise<HealthAnswer> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(Math.max(1_000, budgetMs)),
      headers: inputs.privateSpace ? { Authorization: `Bearer ${inputs.token}` } : {},
    });
    const text = await response.text();
    let version: string | undefined;
    try {
      const parsed = JSON.parse(text) as { version?: unknown };
      if (typeof parsed.version === "string") version = parsed.version;
    } catch {
      // not JSON: no version (a proxy's page, another app)
    }
    return { status: response.status, body: redactorFor(inputs)(text.replace(/\s+/g, " ").slice(0, 200)), version };
  } catch (error) {
    return { status: 0, body: (error as Error)?.name === "TimeoutError" ? "timed out" : "no answer (connection failed)", version: undefined };
  }
}

/** The last answer in a line, saying when a 200 came from another build. */
function describe(answer: HealthAnswer, expected: string): string {
  if (!answer.status) return answer.body;
  if (answer.status === 200 && answer.version !== expected) {
    return `HTTP 200 from ${answer.version ? `bundle ${answer.version.slice(0, 12)}` : "an app that reports no version"}, not bundle ${expected.slice(0, 12)}`;
  }
  return `HTTP ${answer.status} ${answer.body}`;
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

const redactorFor = (inputs: RolloutInputs) => {
  const secrets = inputs.serviceSecrets ?? {};
  return createRedactor([inputs.token, ...Object.values(secrets), ...secretValuesOf(secrets).map((secret) => secret.value)]);
};

function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, "0")}s`;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

