import { execFileSync } from "node:child_process";

/**
 * Which CPUs each side of a run may use. On a small machine the emulators and the load
 * generator would otherwise take CPU from the service under test, which production's Qdrant
 * and Gemini never do: the service gets one CPU of its own, everything else the bench starts
 * gets the others (Postgres, not started by the bench, is left where the system puts it).
 */
export interface Affinity {
  /** taskset's CPU list for the service process. */
  service: string;
  /** For the emulators and the load generator. */
  others: string;
  /** The CPU numbers of each side. */
  serviceCpus: number[];
  otherCpus: number[];
}

export type AffinityPlan = { affinity: Affinity } | { affinity: undefined; reason: string };

/** A taskset CPU list ("0-3,6") as numbers. */
export function parseCpuList(list: string): number[] {
  return list
    .trim()
    .split(",")
    .filter(Boolean)
    .flatMap((part) => {
      const [from, to] = part.split("-").map(Number) as [number, number | undefined];
      return to === undefined ? [from] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
}

/** The CPUs this process may run on, as taskset reports them; undefined without taskset. */
function allowedCpus(): number[] | undefined {
  try {
    const out = execFileSync("taskset", ["-pc", String(process.pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return parseCpuList(out.slice(out.lastIndexOf(":") + 1));
  } catch {
    return undefined;
  }
}

/** `wanted` true or undefined (auto) pins when taskset exists and two CPUs or more are allowed; false never pins. */
export function planAffinity(wanted: boolean | undefined): AffinityPlan {
  if (wanted === false) return { affinity: undefined, reason: "not pinned (--no-pin)" };
  const cpus = allowedCpus();
  if (cpus === undefined) return { affinity: undefined, reason: "not pinned: no taskset on this machine" };
  if (cpus.length < 2) return { affinity: undefined, reason: `not pinned: one CPU (${cpus.join(",")}) for everything` };
  const serviceCpus = cpus.slice(-1);
  const otherCpus = cpus.slice(0, -1);
  return { affinity: { service: serviceCpus.join(","), others: otherCpus.join(","), serviceCpus, otherCpus } };
}

/** The command prefix that starts a program on these CPUs (its threads inherit them). */
export function onCpus(cpus: string): string[] {
  return ["taskset", "-c", cpus];
}

/** Moves a running process, all its threads, to these CPUs. */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync("taskset", ["-a", "-pc", cpus, String(pid)], { stdio: "ignore" });
}

export function describeAffinity(plan: AffinityPlan): string {
  if (!plan.affinity) return plan.reason;
  const { service, others } = plan.affinity;
  return `the load scenarios' service on CPU ${service}, the emulators and the load generator on CPU ${others} (taskset)`;
}
