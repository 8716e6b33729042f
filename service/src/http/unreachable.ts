/**
 * Words for an upstream whose connection did not open in time. On a Hugging Face Space a
 * port other than 80, 443 and 8080 is blocked, which shows as exactly that: a timeout, not a
 * refusal (docs/platform-facts.md: Space networking). The hint is given wherever the service
 * runs, not only on a Space: production runs only on one, and a developer trying the same
 * URL elsewhere learns before deploying that it cannot work there.
 */
export const SPACE_OUTBOUND_PORTS: readonly number[] = [80, 443, 8080];

export interface Endpoint {
  host: string;
  port: number;
}

/** True when `err` (or an error it wraps) is a timeout rather than an answer or a refusal. */
export function isTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.name === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "ETIMEDOUT") return true;
    if (/timed out|timeout expired|connection timeout/i.test(e.message)) return true;
  }
  return false;
}

/** "{what} at host:port did not answer in time", with the Space's port rule when the port is outside it. */
export function timeoutMessage(what: string, endpoint: Endpoint): string {
  const where = `${what} at ${endpoint.host}:${endpoint.port} did not answer in time.`;
  if (SPACE_OUTBOUND_PORTS.includes(endpoint.port)) return where;
  return `${where} A Hugging Face Space reaches outbound ports 80, 443 and 8080 only, so port ${endpoint.port} is blocked there: use an address on 443 (an https URL without a port; for Neon, DATABASE_TRANSPORT=websocket).`;
}
