// The Pulumi CLI as the rehearsal drives it: the engine scripts/pulumi-engine built, a
// local file backend, a passphrase secrets provider, no update check, no plugin downloads.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";

export type PulumiRun = { args: string[]; code: number | null; stdout: string; stderr: string; ms: number };

/** One resource's step in an update, from the engine's JSON events. */
export type EngineEvents = {
  /** Resource name (the URN's last part) -> its op: same, create, update, delete, ... */
  ops: Map<string, string>;
  /** Text of the update's info, warning and error diagnostics, in order. */
  diagnostics: string[];
  result: string | undefined;
};

/** The folder of the built engine, or why there is none. Never builds it. */
export function findEngine(root: string): { bin: string } | { missing: string } {
  const check = spawnSync("bash", [join(root, "scripts", "pulumi-engine"), "--check"], { encoding: "utf8" });
  if (check.status === 0) return { bin: check.stdout.trim().split("\n").at(-1)! };
  return { missing: check.stderr.trim() || `scripts/pulumi-engine --check exited ${check.status}` };
}

export class PulumiCli {
  readonly runs: PulumiRun[] = [];
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: { bin: string; cwd: string; stateDir: string; home: string; passphrase: string }) {
    mkdirSync(options.stateDir, { recursive: true });
    mkdirSync(options.home, { recursive: true });
    this.#cwd = options.cwd;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // A user's tokens come from the stack's secrets here, never from the environment.
    for (const name of ["HF_TOKEN", "VERCEL_TOKEN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE"]) delete env[name];
    this.#env = {
      ...env,
      // The engine first, then the Node that runs this test (the language host runs the `node` on PATH).
      PATH: [options.bin, dirname(process.execPath), process.env.PATH ?? ""].join(delimiter),
      PULUMI_HOME: options.home,
      PULUMI_BACKEND_URL: `file://${options.stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: options.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  /** Runs `pulumi <args>` in the project, `input` on stdin. Never blocks the event loop: the emulators live in this process. */
  run(args: string[], options: { input?: string } = {}): Promise<PulumiRun> {
    return this.#spawn("pulumi", args, args, options.input);
  }

  /** Runs a shell command line in the project, with the same environment (a README line that calls pulumi). */
  async shell(line: string): Promise<PulumiRun> {
    const run = await this.#spawn("bash", ["-euo", "pipefail", "-c", line], [line]);
    if (run.code !== 0) throw new Error(`${line} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  #spawn(command: string, argv: string[], label: string[], input?: string): Promise<PulumiRun> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const child = spawn(command, argv, { cwd: this.#cwd, env: this.#env, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      child.once("error", reject);
      child.once("close", (code) => {
        const run = { args: label, code, stdout, stderr, ms: performance.now() - started };
        this.runs.push(run);
        resolve(run);
      });
      child.stdin.end(input ?? "");
    });
  }

  /** Runs and fails with the command's whole output unless it exits 0. */
  async ok(args: string[], options: { input?: string } = {}): Promise<PulumiRun> {
    const run = await this.run(args, options);
    if (run.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    return run;
  }

  /** `pulumi up` without a preview, reading the engine's JSON events. */
  async up(): Promise<{ run: PulumiRun; events: EngineEvents }> {
    const run = await this.run(["up", "--yes", "--skip-preview", "--json"]);
    return { run, events: parseEvents(run.stdout) };
  }

  /** The whole stack state as `pulumi stack export` prints it (secrets stay encrypted). */
  async exportStack(): Promise<{ text: string; deployment: { resources?: unknown[]; pending_operations?: unknown[] } }> {
    const run = await this.ok(["stack", "export"]);
    return { text: run.stdout, deployment: (JSON.parse(run.stdout) as { deployment: { resources?: unknown[] } }).deployment };
  }
}

type EngineEvent = {
  resourcePreEvent?: { metadata: { op: string; urn: string } };
  resOutputsEvent?: { metadata: { op: string; urn: string } };
  diagnosticEvent?: { message: string; severity: string };
  summaryEvent?: { result?: string };
};

/** The JSON lines `pulumi up --json --skip-preview` writes: one engine event each. */
export function parseEvents(stdout: string): EngineEvents {
  const ops = new Map<string, string>();
  const diagnostics: string[] = [];
  let result: string | undefined;
  for (const line of stdout.split("\n")) {
    if (!line.startsWith("{")) continue;
    let event: EngineEvent;
    try {
      event = JSON.parse(line) as EngineEvent;
    } catch {
      continue;
    }
    const step = event.resourcePreEvent ?? event.resOutputsEvent;
    if (step) ops.set(step.metadata.urn.split("::").at(-1)!, step.metadata.op);
    if (event.diagnosticEvent && event.diagnosticEvent.severity !== "debug") diagnostics.push(event.diagnosticEvent.message);
    if (event.summaryEvent) result = event.summaryEvent.result;
  }
  return { ops, diagnostics, result };
}

/** The resources an update changed: every op but `same`. */
export function changed(events: EngineEvents): string[] {
  return [...events.ops].filter(([, op]) => op !== "same").map(([name, op]) => `${name}:${op}`).sort();
}
