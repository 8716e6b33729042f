/** A figure the issue asks for, the value measured and whether it was met. */
export interface Goal {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
  /** Set when the figure was measured at another process's limit ("emulators", "machine"): not the service's alone. */
  limitedBy?: string;
}

export function goal(name: string, target: string, value: number | null | undefined, unit: string, met: (v: number) => boolean): Goal {
  if (value === null || value === undefined) return { name, target, value: "n/a", met: null };
  return { name, target, value: `${value}${unit}`, met: met(value) };
}
