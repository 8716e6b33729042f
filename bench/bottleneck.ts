import type { Affinity } from "./affinity.ts";
import type { LevelResult } from "./measure.ts";

// A CPU this busy has nothing left to give: whoever waits on it is slowed.
const SATURATED = 0.9;
// An event loop this busy queues its work: an emulator there delays every answer.
const LOOP_FULL = 0.8;
// Below this the emulators' share of a saturated machine is too small to blame.
const NOTABLE = 0.25;

const pct = (share: number) => `${Math.round(share * 100)}%`;

/**
 * Whether a level's figures are the service's, or the limit of something the bench runs
 * beside it: the emulators (their event loop full, or their CPU saturated, or, unpinned,
 * taking a notable share of a saturated machine, which production's Qdrant and Gemini never
 * take from the service), or other work on the machine. Undefined when nothing but the
 * service was at its limit, or when the machine could not be read.
 */
export function limitOf(level: LevelResult, affinity: Affinity | undefined, cpus: number): string | undefined {
  const emulators = level.upstreams?.cpuShare;
  const machine = level.machine;
  if (emulators === undefined || machine === undefined) return undefined;
  const service = level.service?.cpuShare ?? 0;
  const database = level.database ? `, Postgres ${pct(level.database.cpuShare)}` : "";
  // Each process's share of one core, wherever it ran: context for the reader, not the work on the CPU named.
  const sides = `each process, in a core's share: service ${pct(service)}, emulators ${pct(emulators)}${database}, load generator ${pct(level.bench.cpuShare)}`;
  if (emulators >= LOOP_FULL) return `emulators: ${pct(emulators)} of a core, their event loop nearly full (${sides})`;
  if (affinity) {
    const busy = (list: number[]) => list.reduce((sum, cpu) => sum + (machine.perCpuBusy[String(cpu)] ?? 0), 0) / list.length;
    const theirs = busy(affinity.otherCpus);
    if (theirs >= SATURATED) {
      // Saturated mostly by what the bench runs there, or mostly by other work on the machine.
      const ours = Math.min(theirs, (emulators + level.bench.cpuShare) / affinity.otherCpus.length);
      if (ours >= theirs / 2) return `emulators: their CPU ${affinity.others} ${pct(theirs)} busy, with the load generator and other work (${sides})`;
      return `machine: the emulators' CPU ${affinity.others} ${pct(theirs)} busy, ${pct(theirs - ours)} of it other work (${sides})`;
    }
    const mine = busy(affinity.serviceCpus);
    if (mine >= SATURATED && mine - service >= NOTABLE) return `machine: the service's CPU ${affinity.service} ${pct(mine)} busy, ${pct(mine - service)} of it other work (${sides})`;
    return undefined;
  }
  if (machine.busyCores < SATURATED * cpus) return undefined;
  const of = `busy ${machine.busyCores.toFixed(2)} of ${cpus} cores`;
  if (emulators >= NOTABLE) return `emulators: unpinned on a saturated machine (${of}), CPU the service could have used (${sides})`;
  return `machine: saturated by other work (${of}; ${sides})`;
}
