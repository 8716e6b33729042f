import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { onCpus } from "./affinity.ts";
import { waitForHealthy } from "./load.ts";

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SERVER_ENTRY = path.join(REPO_DIR, "service/src/server.ts");

export interface ServiceProcess {
  url: string;
  pid: number;
  /** From spawn to the first 200 of /api/health, in ms. */
  readyMs: number;
  /** The end of what it wrote (stdout and stderr), for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Starts `node service/src/server.ts` with only the given environment (plus PATH and HOME,
 * so nothing of the caller's shell leaks in) and waits until it reports healthy. With `cpus`
 * (a taskset list) it runs on those CPUs alone; taskset execs node, so the pid is node's.
 */
export async function startService(env: Record<string, string>, options: { timeoutMs?: number; cpus?: string | undefined } = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const started = performance.now();
  const command = [...(options.cpus ? onCpus(options.cpus) : []), process.execPath, SERVER_ENTRY];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env, PORT: String(port), HOST: "127.0.0.1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  // Always drained: a full pipe would stall the service's writes and distort the figures.
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-8_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${port}`;
  const alive = () => child.exitCode === null && child.signalCode === null;
  try {
    await waitForHealthy(url, { timeoutMs: options.timeoutMs ?? 60_000, periodMs: 10, isAlive: alive });
  } catch (err) {
    await stopChild(child);
    throw new Error(`service did not become healthy: ${(err as Error).message}\n${tail}`);
  }
  return {
    url,
    pid: child.pid!,
    readyMs: performance.now() - started,
    output: () => tail,
    stop: () => stopChild(child),
  };
}

/** SIGTERM (the service drains its streams), then SIGKILL if it lingers. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
