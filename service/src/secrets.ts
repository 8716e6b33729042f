/**
 * The one rule for secrets, shared by the service, the bundle script and the Pulumi
 * program: which variables hold them, which values count, and how a text is scrubbed.
 * Pure: no I/O, no imports, so any part of the repository can use it.
 */

/**
 * Environment variables whose values must never appear in a log, an error, a response or a file.
 * The OTLP headers carry the trace backend's credentials (`Authorization=Basic ...`).
 */
export const SECRET_NAMES = [
  "GEMINI_API_KEY",
  "QDRANT_API_KEY",
  "DATABASE_URL",
  "HF_TOKEN",
  "VERCEL_TOKEN",
  "METRICS_TOKEN",
  "OTEL_EXPORTER_OTLP_HEADERS",
  "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
] as const;

/** What a scrubbed secret becomes. */
export const REDACTED = "[REDACTED]";

/**
 * Shorter values are not treated as secrets: they would scrub ordinary words and match
 * by accident (an empty or placeholder variable); every real key or password is longer.
 */
const MIN_SECRET_LENGTH = 8;

export type SecretValue = { label: string; value: string };

/** The secret values an environment holds, with a label naming where each came from (never the value). */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): SecretValue[] {
  const found: SecretValue[] = [];
  for (const name of SECRET_NAMES) {
    const value = env[name]?.trim();
    if (!value) continue;
    found.push({ label: `the value of ${name}`, value });
    const password = passwordOf(value);
    if (password) {
      found.push({ label: `the password in ${name}`, value: password });
      const encoded = passwordOf(value, false);
      if (encoded && encoded !== password) found.push({ label: `the password in ${name}`, value: encoded });
    }
    // The exporter sends each header's value decoded: that is the credential on the wire.
    if (name.endsWith("_HEADERS")) {
      for (const [, header] of parseOtlpHeaders(value) ?? []) found.push({ label: `a header value in ${name}`, value: header });
    }
  }
  return keepSecretLike(found);
}

/**
 * An OTLP headers variable (`OTEL_EXPORTER_OTLP_HEADERS`: `key=value,key2=value2`, values
 * percent-encoded, as the OpenTelemetry specification writes them), decoded; undefined when malformed.
 */
export function parseOtlpHeaders(value: string): Array<[string, string]> | undefined {
  const headers: Array<[string, string]> = [];
  for (const pair of value.split(",")) {
    if (pair.trim() === "") continue;
    const at = pair.indexOf("=");
    const key = pair.slice(0, at).trim();
    if (at < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return undefined;
    try {
      headers.push([key, decodeURIComponent(pair.slice(at + 1).trim())]);
    } catch {
      return undefined;
    }
  }
  return headers;
}

/** Only values long enough to be secrets, each once. */
function keepSecretLike<T extends SecretValue>(values: readonly T[]): T[] {
  const seen = new Set<string>();
  return values.filter((v) => v.value.length >= MIN_SECRET_LENGTH && !seen.has(v.value) && seen.add(v.value));
}

/** A function that replaces every given secret inside a text by {@link REDACTED}. */
export function createRedactor(values: ReadonlyArray<string | undefined>): (text: string) => string {
  const secrets = [...new Set(values.filter((v): v is string => typeof v === "string" && v.length >= MIN_SECRET_LENGTH))]
    // Longest first, so a secret that contains another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}

/** The password of a URL-shaped value (a connection string), decoded unless asked not to. */
function passwordOf(value: string, decode = true): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  try {
    const raw = new URL(value).password;
    if (!raw) return undefined;
    return decode ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined;
  }
}
