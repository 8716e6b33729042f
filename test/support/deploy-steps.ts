// What the deploy rehearsals (test/deploy/) share: a stack pointed at the emulators, and each
// step's wall time and API calls, printed as a table at the end.
import type { GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import type { HubEmulator, HubLoggedRequest } from "../../emulators/hub/hub.ts";
import type { VercelEmulator, VercelLoggedRequest } from "../../emulators/vercel/vercel.ts";
import type { PulumiCli } from "../deploy/pulumi-cli.ts";

export type StepRecord = { step: string; ms: number; hubReads: number; hubWrites: number; vercelReads: number; vercelWrites: number; writes: string[] };

/** Runs one step, recording its wall time and the API calls it made in `records`. */
export async function measureStep<T>(
  records: StepRecord[],
  emulators: { hub: HubEmulator; vercel: VercelEmulator },
  step: string,
  body: () => Promise<T>,
  label = "rehearsal",
): Promise<T> {
  const { hub, vercel } = emulators;
  const hubBefore = hub.requests.length;
  const vercelBefore = vercel.requests.length;
  const started = performance.now();
  const result = await body();
  const hubCalls = hub.requests.slice(hubBefore);
  const vercelCalls = vercel.requests.slice(vercelBefore);
  records.push({
    step,
    ms: performance.now() - started,
    hubReads: hubCalls.filter((r) => !isWrite(r)).length,
    hubWrites: hubCalls.filter(isWrite).length,
    vercelReads: vercelCalls.filter((r) => !isWrite(r)).length,
    vercelWrites: vercelCalls.filter(isWrite).length,
    writes: [...hubCalls.filter(isWrite).map(describeCall), ...vercelCalls.filter(isWrite).map(describeCall)],
  });
  const r = records.at(-1)!;
  process.stdout.write(`${label} step ${step}: ${(r.ms / 1000).toFixed(1)} s, ${r.hubWrites} Hub and ${r.vercelWrites} Vercel writes\n`);
  return result;
}

/** Settings a real deploy leaves at their defaults, pointed at the emulators, and quick polling. */
export async function configureForEmulators(pulumi: PulumiCli, emulators: { hub: HubEmulator; vercel: VercelEmulator; gemini: GeminiEmulator }): Promise<void> {
  const set = (key: string, value: string, path = false) => pulumi.ok(["config", "set", ...(path ? ["--path"] : []), key, value]);
  await set("hubUrl", emulators.hub.url);
  await set("vercelApiUrl", emulators.vercel.url);
  await set("spaceVariables.GEMINI_BASE_URL", emulators.gemini.url, true);
  await set("rolloutPollSeconds", "0.5");
  await set("rolloutBuildTimeoutSeconds", "600");
  await set("rolloutHealthTimeoutSeconds", "120");
}

export const isWrite = (request: { method: string }) => !["GET", "HEAD"].includes(request.method);

export function describeCall(request: HubLoggedRequest | VercelLoggedRequest): string {
  const key = (request.body as { key?: unknown } | undefined)?.key;
  return `${request.method} ${request.path}${typeof key === "string" ? ` ${key}` : ""}`;
}

/** The table the README's deploy section quotes: what each step costs. */
export function printTable(records: StepRecord[], title = "deploy rehearsal, per step:"): void {
  if (records.length === 0) return;
  const lines = [
    "| step | wall time | Hub calls (reads + writes) | Vercel calls (reads + writes) | the writes |",
    "|---|---|---|---|---|",
    ...records.map((r) => `| ${r.step} | ${(r.ms / 1000).toFixed(1)} s | ${r.hubReads} + ${r.hubWrites} | ${r.vercelReads} + ${r.vercelWrites} | ${summarise(r.writes)} |`),
  ];
  process.stdout.write(`\n${title}\n${lines.join("\n")}\n`);
}

/** "POST /api/spaces/o/n/secrets KEY" x4 -> "4× POST …/secrets": the writes of a step, counted by kind. */
function summarise(writes: string[]): string {
  const counts = new Map<string, number>();
  for (const write of writes) {
    const [method, path] = write.split(" ");
    const kind = `${method} ${path!.replace(/^\/api\/spaces\/[^/]+\/[^/]+/, "…").replace(/^\/v\d+\/projects\/[^/]+/, "…").replace(/\/[^/]{20,}$/, "/{id}")}`;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => (n > 1 ? `${n}× ${kind}` : kind)).join(", ") || "none";
}
