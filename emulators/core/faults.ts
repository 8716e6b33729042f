// The one fault shape of every emulator: what goes wrong (a status answer, a hang, a slow
// answer, a stream cut short, or the whole server down), which requests it hits (a named
// route group, a method, a path), and for how many requests. Each emulator renders a status
// fault in its own service's error body; the rest is the same everywhere.
// Test code, never shipped.

export type StatusFault = {
  kind?: "status";
  status: number;
  /** Overrides the emulator's own error message for this status. */
  message?: string;
  /** Overrides the whole error body. */
  body?: unknown;
  /**
   * Seconds the client is told to wait, in the service's own way (Retry-After, the Hub's
   * RateLimit header, Gemini's RetryInfo); null sends none; undefined, the emulator's default.
   */
  retryAfter?: number | null;
};

export type FaultEffect =
  | StatusFault
  /** No answer at all until the client gives up or the emulator closes. */
  | { kind: "hang" }
  /** The answer comes after `delayMs`. */
  | { kind: "slow"; delayMs: number }
  /** A stream ends after `afterTokens` pieces without its end; other answers end at once. */
  | { kind: "cut"; afterTokens?: number }
  /** The listener is closed: connections are refused until the fault is replaced or cleared. */
  | { kind: "down" };

export type FaultTarget<Route extends string> = {
  /** A route group named by the emulator; "all" or absent: every route. */
  route?: Route | "all";
  method?: string;
  /** A path prefix or a pattern, matched against the path without the query. */
  path?: string | RegExp;
};

export type Fault<Route extends string = string> = FaultEffect &
  FaultTarget<Route> & {
    /** How many requests it hits before it clears itself; default: the emulator's (see FaultList). */
    times?: number;
  };

export type FaultKind = "status" | "hang" | "slow" | "cut" | "down";

export const faultKind = (fault: FaultEffect): FaultKind => fault.kind ?? "status";

export function isStatusFault(fault: FaultEffect): fault is StatusFault {
  return fault.kind === undefined || fault.kind === "status";
}

/** What a request offers for matching: its method, path, and whether a route group covers it. */
export type FaultProbe<Route extends string> = { method: string; path: string; covers?: (route: Route) => boolean };

/**
 * The faults in force, first match wins. `defaultTimes` is how long a fault without `times`
 * lasts: Infinity for emulators whose faults are a state (Gemini, Qdrant), 1 for those whose
 * faults are scripted answers (Hub, Vercel).
 */
export class FaultList<Route extends string = string> {
  private faults: Array<{ fault: Fault<Route>; left: number }> = [];
  private readonly defaultTimes: number;

  constructor(defaultTimes: number) {
    this.defaultTimes = defaultTimes;
  }

  add(fault: Fault<Route>): void {
    this.faults.push({ fault, left: fault.times ?? this.defaultTimes });
  }

  /** Replaces every fault with this one (or none). */
  replace(fault: Fault<Route> | null): void {
    this.clear();
    if (fault) this.add(fault);
  }

  clear(): void {
    this.faults = [];
  }

  /** True while a "down" fault is in force. */
  get down(): boolean {
    return this.faults.some(({ fault }) => fault.kind === "down");
  }

  /** The fault for this request, counted against its `times`; "down" is the server's, never a request's. */
  take(probe: FaultProbe<Route>): Fault<Route> | null {
    const hit = this.faults.find(({ fault }) => fault.kind !== "down" && matches(fault, probe));
    if (!hit) return null;
    hit.left -= 1;
    if (hit.left <= 0) this.faults = this.faults.filter((entry) => entry !== hit);
    return hit.fault;
  }
}

function matches<Route extends string>(fault: Fault<Route>, probe: FaultProbe<Route>): boolean {
  if (fault.method !== undefined && fault.method !== probe.method) return false;
  if (fault.path !== undefined && !(typeof fault.path === "string" ? probe.path.startsWith(fault.path) : fault.path.test(probe.path))) return false;
  if (fault.route === undefined || fault.route === "all") return true;
  return probe.covers ? probe.covers(fault.route) : false;
}

type Listener = { goDown(): Promise<void>; comeUp(): Promise<void> };

/**
 * The fault switches of an emulator whose faults are a state of the upstream (Gemini, Qdrant):
 * setFault replaces the fault in force (null: none), "down" closing the listener until replaced.
 */
export function stateFaultSwitch<Route extends string>(faults: FaultList<Route>, server: Listener) {
  return async (fault: Fault<Route> | null): Promise<void> => {
    faults.replace(fault);
    if (fault?.kind === "down") await server.goDown();
    else await server.comeUp();
  };
}

/**
 * The fault switches of an emulator whose faults are scripted answers (Hub, Vercel): setFault
 * queues one more, clearFaults drops them all; "down" closes the listener until cleared.
 */
export function scriptedFaultSwitches(faults: FaultList, server: Listener) {
  return {
    async setFault(fault: Fault): Promise<void> {
      faults.add(fault);
      if (fault.kind === "down") await server.goDown();
    },
    async clearFaults(): Promise<void> {
      faults.clear();
      await server.comeUp();
    },
  };
}
