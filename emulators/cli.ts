// Starts the Gemini and Qdrant emulators (and, when asked, the Hub and Vercel ones) and
// prints how to point the service, and a Pulumi stack, at them. Stays up until SIGINT or
// SIGTERM, then closes them all.
//
// Test code, never shipped. Usage: node emulators/cli.ts [options] (see USAGE).
import { parseArgs } from "node:util";
import { startGeminiEmulator, type GeminiEmulator } from "./gemini/gemini.ts";
import { startHubEmulator, type HubEmulator } from "./hub/hub.ts";
import { startQdrantEmulator, type QdrantEmulator } from "./qdrant/qdrant.ts";
import { startWhereSpaceReaches } from "./space-runner/egress.ts";
import { startVercelEmulator, type VercelEmulator } from "./vercel/vercel.ts";

const USAGE = `Usage: node emulators/cli.ts [options]
  --gemini-port P     port of the Gemini emulator (default 0: any free port; with --hub, 8080
                      of a loopback address of its own, where an emulated Space reaches it)
  --qdrant-port P     port of the Qdrant emulator (default as --gemini-port)
  --first-token-ms MS delay before the first streamed piece (default 0)
  --token-ms MS       delay between streamed pieces (default 0)
  --tokens N          pieces per streamed answer (default 20)
  --thinking-ms MS    how long a request that leaves thinking on thinks first (default 20)
  --gemini-key K      the Gemini key the emulator accepts (default test-gemini-key)
  --qdrant-key K      the api-key Qdrant requires (default test-qdrant-key; "" for none)
  --hub               also start the Hugging Face Hub emulator (it builds and runs committed Spaces)
  --hub-port P        its port (default 0: any free port)
  --hub-plan PLAN     the account's plan: pro (default) or free (a Docker Space is then a 402)
  --hub-user U        the account's user name (default emulator-user)
  --hub-token T       the token it accepts (default hf_emulator_token)
  --vercel            also start the Vercel emulator, with one project and one production deployment
  --vercel-port P     its port (default 0: any free port)
  --vercel-project N  the project's name (default book)
  --vercel-token T    the token it accepts (default vercel_emulator_token)`;

/** Pulumi's config namespace: the project's name in Pulumi.yaml. */
const STACK_NAMESPACE = "docs-chat";

function usageError(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) usageError(`--${name} must be a whole number, not ${value}`);
  return parsed;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        "gemini-port": { type: "string" },
        "qdrant-port": { type: "string" },
        "first-token-ms": { type: "string" },
        "token-ms": { type: "string" },
        tokens: { type: "string" },
        "thinking-ms": { type: "string" },
        "gemini-key": { type: "string" },
        "qdrant-key": { type: "string" },
        hub: { type: "boolean", default: false },
        "hub-port": { type: "string" },
        "hub-plan": { type: "string", default: "pro" },
        "hub-user": { type: "string" },
        "hub-token": { type: "string" },
        vercel: { type: "boolean", default: false },
        "vercel-port": { type: "string" },
        "vercel-project": { type: "string", default: "book" },
        "vercel-token": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
})();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const plan = values["hub-plan"];
const hubUser = values["hub-user"] ?? "emulator-user";
if (plan !== "pro" && plan !== "free") usageError(`--hub-plan must be pro or free, not ${plan}`);

/**
 * Listens on the port asked for; with --hub and none asked, where an emulated Space's app can
 * reach it (a Space reaches the outside only on ports 80, 443 and 8080).
 */
function listening<T>(portOption: "gemini-port" | "qdrant-port", start: (address: { host?: string; port: number }) => Promise<T>): Promise<T> {
  const asked = values[portOption];
  if (values.hub && asked === undefined) return startWhereSpaceReaches((host, port) => start({ host, port }));
  return start({ port: number(asked, portOption, 0) });
}

const gemini: GeminiEmulator = await listening("gemini-port", (address) =>
  startGeminiEmulator({
    ...address,
    ...(values["gemini-key"] !== undefined ? { apiKey: values["gemini-key"] } : {}),
    streamProfile: {
      firstTokenDelayMs: number(values["first-token-ms"], "first-token-ms", 0),
      tokenDelayMs: number(values["token-ms"], "token-ms", 0),
      tokens: Math.max(1, number(values.tokens, "tokens", 20)),
      thinkingMs: number(values["thinking-ms"], "thinking-ms", 20),
    },
  }),
);
const qdrant: QdrantEmulator = await listening("qdrant-port", (address) => startQdrantEmulator({ ...address, apiKey: values["qdrant-key"] ?? "test-qdrant-key" }));
const hub: HubEmulator | undefined = values.hub
  ? await startHubEmulator({
      port: number(values["hub-port"], "hub-port", 0),
      plan,
      user: hubUser,
      ...(values["hub-token"] ? { token: values["hub-token"] } : {}),
    })
  : undefined;
const vercel: VercelEmulator | undefined = values.vercel
  ? await startVercelEmulator({
      port: number(values["vercel-port"], "vercel-port", 0),
      ...(values["vercel-token"] ? { token: values["vercel-token"] } : {}),
      projects: [{ name: values["vercel-project"], withDeployment: true }],
    })
  : undefined;

process.stdout.write(
  [
    `Gemini emulator: ${gemini.url}`,
    `Qdrant emulator: ${qdrant.url}`,
    ...(hub ? [`Hub emulator:    ${hub.url} (user ${hubUser}, plan ${plan})`] : []),
    ...(vercel ? [`Vercel emulator: ${vercel.url} (project ${values["vercel-project"]})`] : []),
    "",
    "Environment for the service:",
    `GEMINI_BASE_URL=${gemini.url}`,
    `GEMINI_API_KEY=${gemini.apiKey}`,
    `QDRANT_URL=${qdrant.url}`,
    `QDRANT_API_KEY=${qdrant.apiKey}`,
    ...(hub || vercel
      ? ["", "To point a Pulumi stack at them (a real Postgres is still needed for databaseUrl, on port 80, 443 or 8080: an emulated Space reaches no other):", ...pulumiConfigLines()]
      : []),
    "",
    "Ctrl-C to stop.",
    "",
  ].join("\n"),
);

/** The `pulumi config set` commands that point a stack at the running emulators (config keys of infra/config.ts). */
function pulumiConfigLines(): string[] {
  const set = (key: string, value: string) => `pulumi config set ${STACK_NAMESPACE}:${key} ${value}`;
  const secret = (key: string, value: string) => `pulumi config set --secret ${STACK_NAMESPACE}:${key} ${value}`;
  const lines: string[] = [];
  if (hub) {
    lines.push(set("hubUrl", hub.url), set("hfOwner", hubUser), secret("hfToken", hub.token));
    // The emulated Space runs on this machine and reaches the Gemini and Qdrant emulators where they listen (8080).
    lines.push(
      secret("geminiApiKey", gemini.apiKey),
      `pulumi config set --path '${STACK_NAMESPACE}:spaceVariables.GEMINI_BASE_URL' ${gemini.url}`,
      secret("qdrantUrl", qdrant.url),
      secret("qdrantApiKey", qdrant.apiKey),
    );
  }
  if (vercel) lines.push(set("vercelApiUrl", vercel.url), set("vercelProject", values["vercel-project"]), secret("vercelToken", vercel.token));
  return lines;
}

// Nothing here reads the request logs, which hold every body: empty them, so a long load
// test against these emulators does not grow them without end.
const trimLogs = setInterval(() => {
  for (const emulator of [gemini, qdrant, hub, vercel]) if (emulator) emulator.requests.length = 0;
}, 1_000);
trimLogs.unref();

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${signal}: closing the emulators\n`);
  await Promise.all([gemini.close(), qdrant.close(), hub?.close(), vercel?.close()]);
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
