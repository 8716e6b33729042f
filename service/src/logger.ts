import pino, { type Logger } from "pino";
import { createRedactor, REDACTED } from "./secrets.ts";
import { traceContextFields } from "./telemetry/log-trace-context.ts";

export type { Logger };

/**
 * An error as a log field: name, code, status, message and cause, never the stack or the
 * upstream's request and response objects (URLs, headers, bodies). Used by the root logger
 * and by pino-http's request loggers alike.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: String(err) };
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" || typeof code === "number") out.code = code;
  const status = (err as { status?: unknown }).status;
  if (typeof status === "number") out.status = status;
  if (err.cause !== undefined) out.cause = serializeError(err.cause);
  return out;
}

/**
 * Every line the logger writes passes through the redactor on its way out, whatever logger
 * (root, child, pino-http's per request) or field carried it: scrubbing at serializers or
 * hooks misses whatever they do not know about. A secret is also looked for in its JSON
 * escaped form, the one it has inside a serialized line.
 */
function redactingDestination(destination: pino.DestinationStream, secrets: readonly string[]): pino.DestinationStream {
  const redact = createRedactor([...secrets, ...secrets.map((s) => JSON.stringify(s).slice(1, -1))]);
  const flushable = destination as pino.DestinationStream & { flushSync?: () => void; flush?: (cb?: () => void) => void };
  return {
    write: (line: string) => destination.write(redact(line)),
    ...(flushable.flush ? { flush: (cb?: () => void) => flushable.flush!(cb) } : {}),
    ...(flushable.flushSync ? { flushSync: () => flushable.flushSync!() } : {}),
  } as pino.DestinationStream;
}

/** Structured JSON logs on stdout (or `destination`), with every given secret scrubbed from every line. */
export function createLogger(options: { level: string; secrets: readonly string[]; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      mixin: traceContextFields,
      redact: {
        // Credentials whose value the process may not know (a client's own headers).
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          'req.headers["x-goog-api-key"]',
          'req.headers["api-key"]',
          "*.apiKey",
          "*.password",
          "*.token",
        ],
        censor: REDACTED,
      },
    },
    redactingDestination(options.destination ?? pino.destination({ dest: 1, sync: false }), options.secrets),
  );
}
