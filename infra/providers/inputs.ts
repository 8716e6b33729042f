import * as pulumi from "@pulumi/pulumi";
import { manifestSchema } from "../../service/src/bundle-manifest.ts";
import { createHubClient, type HubClient } from "../hub/hub-client.ts";
import { reportRetry } from "./progress.ts";

/**
 * During a preview, an input computed from another resource's output that does not exist
 * yet reaches the provider as this placeholder: checks must let it through.
 */
export const isUnknown = (value: unknown): boolean => value === pulumi.runtime.unknownValue;

/** What every Hub resource carries: where the Hub is and the token (a secret input). */
export type HubConnection = { hubUrl: string; token: string };

export function hubFor(inputs: HubConnection): HubClient {
  return createHubClient({ hubUrl: inputs.hubUrl, token: inputs.token, retry: { onRetry: reportRetry("Hub") } });
}

/** Names of the properties whose values differ. */
export function changedKeys<T extends object>(olds: Partial<T>, news: T, keys: ReadonlyArray<keyof T>): string[] {
  return keys.filter((key) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null)).map(String);
}

export type CheckFailure = { property: string; reason: string };

export function checkHubConnection(news: Partial<HubConnection>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  try {
    const url = new URL(String(news.hubUrl));
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error();
  } catch {
    failures.push({ property: "hubUrl", reason: "must be an http(s) URL" });
  }
  if (typeof news.token !== "string" || news.token.trim() === "") failures.push({ property: "token", reason: "a Hugging Face token is required" });
  return failures;
}

/** The failure of a bundle hash that is not one the manifest would hold (the manifest's own rule); none while unknown. */
export function checkBundleHash(property: string, value: unknown): CheckFailure[] {
  return isUnknown(value) || manifestSchema.shape.hash.safeParse(value).success ? [] : [{ property, reason: "the bundle manifest's sha256 hash" }];
}
