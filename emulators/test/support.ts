// Helpers the emulator tests share.

/**
 * How long a wait may take on a cold, busy 2-core CI machine, where an emulated Space's build
 * and start once took minutes: no test may fail because the machine is slow.
 */
export const SLOW_MACHINE_MS = 10 * 60_000;

/** A suite's time on such a machine: several builds and waits, each up to SLOW_MACHINE_MS. */
export const SLOW_SUITE_MS = 3 * SLOW_MACHINE_MS;

/** Polls `probe` until it gives a value, or fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = SLOW_MACHINE_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
