import pino, { type Logger } from "pino";

export type { Logger };

/** Replaces every known secret value inside a string. */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
    return out;
  };
}

/**
 * Structured JSON logs. Errors are reduced to name, code and a scrubbed message: upstream
 * errors can embed request URLs, headers or bodies, and none of that belongs in a log.
 */
export function createLogger(options: { level: string; secrets: readonly string[]; destination?: pino.DestinationStream }): Logger {
  const scrub = createScrubber(options.secrets);
  const serializeError = (err: unknown): Record<string, unknown> => {
    if (!(err instanceof Error)) return { message: scrub(String(err)) };
    const out: Record<string, unknown> = { type: err.name, message: scrub(err.message) };
    const code = (err as { code?: unknown }).code;
    if (typeof code === "string" || typeof code === "number") out.code = code;
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number") out.status = status;
    if (err.cause !== undefined) out.cause = serializeError(err.cause);
    return out;
  };
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError, error: serializeError },
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          'req.headers["x-goog-api-key"]',
          'req.headers["api-key"]',
          "*.apiKey",
          "*.password",
          "*.token",
        ],
        censor: "[REDACTED]",
      },
      hooks: {
        // Free-text messages can carry a secret too (an upstream message echoing a URL).
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === "string" ? scrub(a) : a)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
    },
    options.destination,
  );
}
