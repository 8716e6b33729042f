// Starts the Gemini and Qdrant emulators together and prints how to point the service at them.
// Stays up until SIGINT or SIGTERM, then closes both.
//
// Test code, never shipped. Usage:
//   node emulators/cli.ts [--gemini-port P] [--qdrant-port P] [--first-token-ms MS] [--token-ms MS] [--tokens N]
//                         [--gemini-key K] [--qdrant-key K]
import { parseArgs } from "node:util";
import { startGeminiEmulator } from "./gemini.ts";
import { startQdrantEmulator } from "./qdrant.ts";

const USAGE = `Usage: node emulators/cli.ts [options]
  --gemini-port P     port of the Gemini emulator (default 0: any free port)
  --qdrant-port P     port of the Qdrant emulator (default 0: any free port)
  --first-token-ms MS delay before the first streamed piece (default 0)
  --token-ms MS       delay between streamed pieces (default 0)
  --tokens N          pieces per streamed answer (default 20)
  --gemini-key K      the Gemini key the emulator accepts (default test-gemini-key)
  --qdrant-key K      the api-key Qdrant requires (default test-qdrant-key; "" for none)`;

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    process.stderr.write(`--${name} must be a whole number, not ${value}\n${USAGE}\n`);
    process.exit(2);
  }
  return parsed;
}

const { values } = parseArgs({
  options: {
    "gemini-port": { type: "string" },
    "qdrant-port": { type: "string" },
    "first-token-ms": { type: "string" },
    "token-ms": { type: "string" },
    tokens: { type: "string" },
    "gemini-key": { type: "string" },
    "qdrant-key": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const gemini = await startGeminiEmulator({
  port: number(values["gemini-port"], "gemini-port", 0),
  ...(values["gemini-key"] !== undefined ? { apiKey: values["gemini-key"] } : {}),
  streamProfile: {
    firstTokenDelayMs: number(values["first-token-ms"], "first-token-ms", 0),
    tokenDelayMs: number(values["token-ms"], "token-ms", 0),
    tokens: Math.max(1, number(values.tokens, "tokens", 20)),
  },
});
const qdrant = await startQdrantEmulator({ port: number(values["qdrant-port"], "qdrant-port", 0), apiKey: values["qdrant-key"] ?? "test-qdrant-key" });

process.stdout.write(
  [
    `Gemini emulator: ${gemini.url}`,
    `Qdrant emulator: ${qdrant.url}`,
    "",
    "Environment for the service:",
    `GEMINI_BASE_URL=${gemini.url}`,
    `GEMINI_API_KEY=${gemini.apiKey}`,
    `QDRANT_URL=${qdrant.url}`,
    `QDRANT_API_KEY=${qdrant.apiKey}`,
    "",
    "Ctrl-C to stop.",
    "",
  ].join("\n"),
);

// Nothing here reads the request logs, which hold every body: empty them, so a long load
// test against these emulators does not grow them without end.
const trimLogs = setInterval(() => {
  gemini.requests.length = 0;
  qdrant.requests.length = 0;
}, 1_000);
trimLogs.unref();

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${signal}: closing the emulators\n`);
  await Promise.all([gemini.close(), qdrant.close()]);
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
