import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StreamProfile } from "./settings.ts";
import type { UpstreamCounts, UpstreamsMessage, UpstreamsRequest } from "./upstreams-child.ts";

const CHILD_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), "upstreams-child.ts");

/** The Gemini and Qdrant emulators, running in their own process (upstreams-child.ts). */
export interface Upstreams {
  gemini: { url: string; apiKey: string };
  qdrant: { url: string; apiKey: string };
  /** The emulators' process, to read its CPU from /proc. */
  pid: number;
  setStreamProfile(profile: StreamProfile): Promise<void>;
  /** Every answer's text from now on (split into the profile's pieces); null for the default answers. */
  setAnswer(text: string | null): Promise<void>;
  resetCounts(): Promise<void>;
  counts(): Promise<UpstreamCounts>;
  close(): Promise<void>;
}

type Pending = { resolve(value: unknown): void; reject(err: Error): void };
type Request = UpstreamsRequest extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** With `cpuProfileDir`, the emulators' process writes a V8 CPU profile there when it exits. */
export async function startUpstreams(options: { geminiPort: number; qdrantPort: number; qdrantApiKey: string; cpuProfileDir?: string | undefined }): Promise<Upstreams> {
  const profile = options.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`, "--cpu-prof-name=emulators-${pid}.cpuprofile"] : [];
  const child = fork(CHILD_ENTRY, [String(options.geminiPort), String(options.qdrantPort), options.qdrantApiKey], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "json",
    execArgv: [...process.execArgv, ...profile],
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  child.on("exit", (code, signal) => failAll(new Error(`the emulators' process exited (${signal ?? code})`)));

  const ready = new Promise<Extract<UpstreamsMessage, { ready: true }>>((resolve, reject) => {
    child.once("exit", (code, signal) => reject(new Error(`the emulators' process exited before it was ready (${signal ?? code})`)));
    child.on("message", (message: UpstreamsMessage) => {
      if ("ready" in message) return resolve(message);
      const waiting = pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`emulators: ${message.error}`));
      else waiting.resolve(message.result);
    });
  });
  const { gemini, qdrant } = await ready;

  const call = <T>(request: Request): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id } as UpstreamsRequest);
    });

  return {
    gemini,
    qdrant,
    pid: child.pid!,
    setStreamProfile: (profile) => call({ op: "profile", profile }),
    setAnswer: (text) => call({ op: "answer", text }),
    resetCounts: () => call({ op: "resetCounts" }),
    counts: () => call<UpstreamCounts>({ op: "counts" }),
    close: () => stopChild(child),
  };
}

/** Closing the channel tells the child to close its servers and exit; SIGKILL if it lingers. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
