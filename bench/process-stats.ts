import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** One reading of a process's memory and CPU from /proc (Linux only). */
export interface ProcessReading {
  rssBytes: number;
  /** Peak resident set since the process started (VmHWM). */
  peakRssBytes: number;
  cpuSeconds: number;
}

const CLOCK_TICKS = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Reads /proc/<pid>; undefined once the process is gone. */
export function readProcess(pid: number): ProcessReading | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces: count fields from the closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return {
      rssBytes: kibField(status, "VmRSS") * 1024,
      peakRssBytes: kibField(status, "VmHWM") * 1024,
      cpuSeconds: ticks / CLOCK_TICKS,
    };
  } catch {
    return undefined;
  }
}

function kibField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

export interface ProcessWindow {
  /** Largest RSS seen while sampling. */
  maxRssBytes: number;
  /** VmHWM at the end: the process's lifetime peak. */
  peakRssBytes: number;
  cpuSeconds: number;
  wallSeconds: number;
}

/**
 * Samples a process from now until stop(): the largest RSS seen and the CPU time spent in
 * between. Sampling is cheap (two small reads) so a 100 ms period does not load the machine.
 */
export function watchProcess(pid: number, periodMs = 100): { stop(): ProcessWindow } {
  const first = readProcess(pid);
  const started = performance.now();
  let last = first;
  let maxRss = first?.rssBytes ?? 0;
  const timer = setInterval(() => {
    const reading = readProcess(pid);
    if (!reading) return;
    last = reading;
    maxRss = Math.max(maxRss, reading.rssBytes);
  }, periodMs);
  return {
    stop() {
      clearInterval(timer);
      const end = readProcess(pid) ?? last;
      if (end) maxRss = Math.max(maxRss, end.rssBytes);
      return {
        maxRssBytes: maxRss,
        peakRssBytes: end?.peakRssBytes ?? 0,
        cpuSeconds: (end?.cpuSeconds ?? 0) - (first?.cpuSeconds ?? 0),
        wallSeconds: (performance.now() - started) / 1000,
      };
    },
  };
}

/** CPU time from /proc/stat, in seconds: the machine's (summed over its CPUs) and each CPU's. */
export interface MachineReading {
  /** Time the CPUs ran anything (user, nice, system, irq, softirq). */
  busySeconds: number;
  /** Time the hypervisor gave this machine's CPUs to another guest. */
  stealSeconds: number;
  /** busySeconds of each CPU, by its number. */
  perCpuBusySeconds: Map<number, number>;
}

export function readMachine(): MachineReading | undefined {
  try {
    const lines = readFileSync("/proc/stat", "utf8").split("\n").filter((l) => l.startsWith("cpu"));
    const busy = (fields: number[]) => {
      const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
      return (user + nice + system + irq + softirq) / CLOCK_TICKS;
    };
    const fieldsOf = (line: string) => line.trim().split(/\s+/).slice(1).map(Number);
    const total = fieldsOf(lines[0]!);
    const perCpuBusySeconds = new Map<number, number>();
    for (const line of lines.slice(1)) perCpuBusySeconds.set(Number(/^cpu(\d+)/.exec(line)?.[1]), busy(fieldsOf(line)));
    return { busySeconds: busy(total), stealSeconds: (total[7] ?? 0) / CLOCK_TICKS, perCpuBusySeconds };
  } catch {
    return undefined;
  }
}

/** How busy the machine was between two readings, in cores (2 is a 2-CPU machine at full use). */
export interface MachineWindow {
  busyCores: number;
  stealCores: number;
  /** Each CPU's busy share, 0 to 1. */
  perCpuBusy: Map<number, number>;
}

/** Samples the machine from now until stop(). */
export function watchMachine(): { stop(): MachineWindow | undefined } {
  const first = readMachine();
  const started = performance.now();
  return {
    stop() {
      const end = readMachine();
      const seconds = (performance.now() - started) / 1000;
      if (!first || !end || seconds <= 0) return undefined;
      const perCpuBusy = new Map<number, number>();
      for (const [cpu, busy] of end.perCpuBusySeconds) perCpuBusy.set(cpu, (busy - (first.perCpuBusySeconds.get(cpu) ?? busy)) / seconds);
      return { busyCores: (end.busySeconds - first.busySeconds) / seconds, stealCores: (end.stealSeconds - first.stealSeconds) / seconds, perCpuBusy };
    },
  };
}

/** The soft limit on open files of a process, from /proc/<pid>/limits. */
export function openFilesLimit(pid: number | "self" = "self"): number | undefined {
  try {
    const match = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    if (!match) return undefined;
    return match[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return undefined;
  }
}
