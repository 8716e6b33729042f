import type { DeployConfig } from "./config.ts";

/**
 * Whether the Space can reach the service's upstreams at all. A Space reaches the outside only
 * on ports 80, 443 and 8080, so a Qdrant or Postgres URL that works from a laptop on another
 * port fails from the Space. `pulumi preview` says so, one line per URL, naming its host and
 * port only: the values are secrets (a database URL holds a password). A URL is never changed.
 */
// docs/platform-facts.md: Space egress ports
export const SPACE_EGRESS_PORTS: readonly number[] = [80, 443, 8080];

const ALLOWED = `a Space reaches the outside only on ports ${SPACE_EGRESS_PORTS.join(", ").replace(/, (\d+)$/, " and $1")}`;

/** The port a URL reaches: its own, or its scheme's default (Postgres: 5432); undefined for an unknown scheme. */
function portOf(url: URL): { port: number; named: boolean } | undefined {
  if (url.port) return { port: Number(url.port), named: true };
  const defaults: Record<string, number> = { "http:": 80, "https:": 443, "postgres:": 5432, "postgresql:": 5432 };
  const port = defaults[url.protocol];
  return port === undefined ? undefined : { port, named: false };
}

/** The warnings for the stack's upstream URLs that name (or default to) a port a Space cannot reach. */
export function egressWarnings(config: DeployConfig): string[] {
  const warnings: string[] = [];
  const check = (key: string, value: string | undefined, fix: (port: number) => string) => {
    let url: URL;
    try {
      url = new URL(value ?? "");
    } catch {
      return; // the config's own checks name a malformed URL
    }
    const reached = portOf(url);
    if (!reached || SPACE_EGRESS_PORTS.includes(reached.port)) return;
    const where = reached.named ? `names port ${reached.port} on ${url.hostname}` : `reaches ${url.hostname} on port ${reached.port}, its scheme's default`;
    warnings.push(`${key} ${where}, but ${ALLOWED}: the Space could not connect. ${fix(reached.port)}`);
  };
  check("qdrantUrl", config.service.secrets.QDRANT_URL, (port) => `Qdrant Cloud answers its REST API on 443 too: drop ":${port}" from the URL (\`pulumi config set --secret qdrantUrl\`).`);
  // Over WebSockets the driver reaches Postgres on 443, whatever port the URL names.
  if (config.service.variables.DATABASE_TRANSPORT !== "websocket") {
    check(
      "databaseUrl",
      config.service.secrets.DATABASE_URL,
      () => "On Neon, let the service reach Postgres over WebSockets on 443: `pulumi config set --path 'spaceVariables.DATABASE_TRANSPORT' websocket`.",
    );
  }
  return warnings;
}
