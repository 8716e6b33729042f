import { createRepo, deleteRepo } from "@huggingface/hub";
import type * as pulumi from "@pulumi/pulumi";
import { isApiError, step } from "../http/api-error.ts";
import { viaSdk, type HubClient } from "../hub/hub-client.ts";
import { findSpace, getRuntime, getSpaceInfo, requestHardware, setSleepTime, setVisibility, type SpaceInfo } from "../hub/space-api.ts";
import { progress } from "./progress.ts";
import { changedKeys, checkHubConnection, hubFor, type HubConnection } from "./inputs.ts";

/** The Space itself: a Docker Space, its visibility, hardware and sleep time. */
export type SpaceInputs = HubConnection & {
  owner: string;
  name: string;
  private: boolean;
  hardware: string;
  /** Seconds of inactivity before sleep; only upgraded hardware honours it. */
  sleepTimeSeconds?: number;
  /** Take over a Space of that name that already exists instead of failing. */
  adoptExisting: boolean;
  /** Delete the Space on destroy; otherwise it is left on the Hub. */
  deleteOnDestroy: boolean;
};

export type SpaceOutputs = SpaceInputs & {
  repoId: string;
  /** The app's origin, e.g. https://owner-name.hf.space. */
  host: string;
  subdomain: string;
  /** The Space's page on the Hub. */
  spaceUrl: string;
  logsUrl: string;
  adopted: boolean;
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const IDENTITY: ReadonlyArray<keyof SpaceInputs> = ["hubUrl", "owner", "name"];
const SETTINGS: ReadonlyArray<keyof SpaceInputs> = ["private", "hardware", "sleepTimeSeconds", "token", "adoptExisting", "deleteOnDestroy"];

export const spaceImplementation: pulumi.dynamic.ResourceProvider<SpaceInputs, SpaceOutputs> = {
  async check(_olds, news) {
    const failures = checkHubConnection(news);
    if (!NAME.test(String(news.owner))) failures.push({ property: "owner", reason: "must be a Hugging Face user or organisation name" });
    if (!NAME.test(String(news.name))) failures.push({ property: "name", reason: "letters, digits, '.', '_' and '-' only, at most 96" });
    if (typeof news.hardware !== "string" || !news.hardware) failures.push({ property: "hardware", reason: "a hardware flavour such as cpu-basic" });
    if (news.sleepTimeSeconds !== undefined && (!Number.isInteger(news.sleepTimeSeconds) || news.sleepTimeSeconds < -1)) {
      failures.push({ property: "sleepTimeSeconds", reason: "whole seconds, or -1 for never" });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const replaces = changedKeys(olds, news, IDENTITY);
    const changes = replaces.length > 0 || changedKeys(olds, news, SETTINGS).length > 0;
    return { changes, replaces };
  },

  async create(inputs) {
    const hub = hubFor(inputs);
    const repoId = `${inputs.owner}/${inputs.name}`;
    const adopted = await createOrAdopt(hub, inputs, repoId);
    let info = await step(`reading Space ${repoId}`, () => getSpaceInfo(hub, repoId));
    if (adopted && info.sdk && info.sdk !== "docker") {
      throw new Error(`Space ${repoId} exists with the ${info.sdk} SDK; this program deploys a Docker Space. Change its SDK on the Hub or pick another name.`);
    }
    await applySettings(inputs, repoId, info, undefined);
    info = await step(`reading Space ${repoId}`, () => getSpaceInfo(hub, repoId));
    return { id: repoId, outs: outputsOf(inputs, info, adopted) };
  },

  async read(id, props) {
    if (!props) return {};
    const hub = hubFor(props);
    const info = await step(`reading Space ${id}`, () => findSpace(hub, id));
    if (!info) return {}; // gone: the engine drops it from the state
    const runtime = info.runtime ?? (await step(`reading the runtime of ${id}`, () => getRuntime(hub, id)));
    const current: SpaceOutputs = {
      ...outputsOf(props, info, props.adopted),
      private: info.private,
      hardware: runtime.hardware?.requested ?? runtime.hardware?.current ?? props.hardware,
    };
    if (props.sleepTimeSeconds !== undefined && typeof runtime.gcTimeout === "number") current.sleepTimeSeconds = runtime.gcTimeout;
    return { id, props: current };
  },

  async update(id, olds, news) {
    const hub = hubFor(news);
    const before = await step(`reading Space ${id}`, () => getSpaceInfo(hub, id));
    await applySettings(news, id, before, olds);
    const info = await step(`reading Space ${id}`, () => getSpaceInfo(hub, id));
    return { outs: outputsOf(news, info, olds.adopted) };
  },

  async delete(id, props) {
    if (!props.deleteOnDestroy) {
      progress(`leaving Space ${id} on the Hub (set hfDeleteOnDestroy to delete it on destroy)`);
      return;
    }
    const hub = hubFor(props);
    try {
      await viaSdk(() => deleteRepo({ repo: { type: "space", name: id }, hubUrl: hub.hubUrl, fetch: hub.fetch, ...hub.credentials }));
      progress(`deleted Space ${id}`);
    } catch (error) {
      if (isApiError(error, "not_found")) return;
      throw isApiError(error) ? error.during(`deleting Space ${id}`) : error;
    }
  },
};

/**
 * Creates the Space, or takes over one of that name when asked to; true when it adopted.
 * The Hub refuses a create with 409 when the Space exists, but also with 402 (Docker
 * Spaces need a paid plan) or 403 before it looks: like huggingface_hub, each of those
 * is followed by a look at whether the Space is there.
 */
async function createOrAdopt(hub: HubClient, inputs: SpaceInputs, repoId: string): Promise<boolean> {
  try {
    await viaSdk(() =>
      createRepo({
        repo: { type: "space", name: repoId },
        sdk: "docker",
        visibility: inputs.private ? "private" : "public",
        hubUrl: hub.hubUrl,
        fetch: hub.fetch,
        ...hub.credentials,
      }),
    );
    progress(`created Space ${repoId}`);
    return false;
  } catch (error) {
    if (!isApiError(error) || ![402, 403, 409].includes(error.status)) throw isApiError(error) ? error.during(`creating Space ${repoId}`) : error;
    const existing = await step(`looking for Space ${repoId} after the Hub refused to create it`, () => findSpace(hub, repoId));
    if (existing && inputs.adoptExisting) {
      progress(`adopting the existing Space ${repoId}`);
      return true;
    }
    throw new Error(refusal(repoId, error.status, existing !== undefined), { cause: error });
  }
}

/** One message per reason the Space could not be created, with the ways out. */
function refusal(repoId: string, status: number, exists: boolean): string {
  const adopt = "`pulumi config set hfAdoptExisting true` takes it over (its files, secrets and variables are managed from then on)";
  if (exists) return `Space ${repoId} already exists on the Hub (it answered ${status} to the create). ${adopt[0]!.toUpperCase()}${adopt.slice(1)}, or pick another hfSpaceName.`;
  const owner = repoId.split("/")[0];
  if (status === 402) {
    return (
      `The Hub refused to create Space ${repoId} with 402 Payment Required: Docker Spaces need a paid plan (PRO for a personal account, Team or Enterprise for an organisation). ` +
      `Ways out: upgrade ${owner} to PRO; or set hfOwner to an organisation with a paid plan; or, for a Docker Space that already exists, set hfSpaceName to it and hfAdoptExisting to true.`
    );
  }
  if (status === 403) {
    return `The Hub refused to create Space ${repoId} with 403: the Hugging Face token may not create repos under ${owner}. Use a token with write access (a fine-grained token needs "write" on ${owner}'s repos), and check that you are a member of ${owner} with write rights if it is an organisation.`;
  }
  return `The Hub answered ${status} to creating Space ${repoId} but no such Space is visible to the token; run \`pulumi up\` again, or pick another hfSpaceName.`;
}

/** Brings visibility, hardware and sleep time to what the inputs say, touching only what differs. */
async function applySettings(inputs: SpaceInputs, repoId: string, info: SpaceInfo, olds: SpaceOutputs | undefined): Promise<void> {
  const hub = hubFor(inputs);
  if (info.private !== inputs.private) {
    await step(`setting the visibility of ${repoId}`, () => setVisibility(hub, repoId, inputs.private));
  }
  const runtime = info.runtime ?? (await step(`reading the runtime of ${repoId}`, () => getRuntime(hub, repoId)));
  const requested = runtime.hardware?.requested ?? runtime.hardware?.current ?? "cpu-basic";
  if (requested !== inputs.hardware) {
    progress(`requesting ${inputs.hardware} hardware for ${repoId} (was ${requested})`);
    await step(`requesting hardware for ${repoId}`, () => requestHardware(hub, repoId, inputs.hardware));
  }
  const sleep = inputs.sleepTimeSeconds;
  if (sleep !== undefined && (runtime.gcTimeout !== sleep || olds?.sleepTimeSeconds !== sleep)) {
    await step(`setting the sleep time of ${repoId}`, () => setSleepTime(hub, repoId, sleep));
  }
}

function outputsOf(inputs: SpaceInputs, info: SpaceInfo, adopted: boolean): SpaceOutputs {
  const repoId = `${inputs.owner}/${inputs.name}`;
  // docs/platform-facts.md: Space subdomain
  const subdomain = info.subdomain ?? `${inputs.owner}-${inputs.name}`.toLowerCase().replace(/[^a-z0-9-]/g, "-");
  const host = (info.host ?? `https://${subdomain}.hf.space`).replace(/\/+$/, "");
  const spaceUrl = `${inputs.hubUrl.replace(/\/+$/, "")}/spaces/${repoId}`;
  return { ...inputs, repoId, host, subdomain, spaceUrl, logsUrl: `${spaceUrl}?logs=container`, adopted };
}
