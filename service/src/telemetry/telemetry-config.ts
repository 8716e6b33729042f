import { z } from "zod";
import { parseOtlpHeaders } from "../secrets.ts";

/** Where spans go: an OTLP/HTTP endpoint, in one of its two encodings. */
export interface TraceExportConfig {
  /** The full URL spans are posted to (…/v1/traces). */
  url: string;
  protocol: "http/protobuf" | "http/json";
  /** Sent with every export: the backend's credentials, usually. */
  headers: Record<string, string>;
  serviceName: string;
  /** The share of chats traced (OTEL_TRACES_SAMPLER and _ARG): 1 traces all, 0 none; a span's children follow it. */
  sampleRatio: number;
}

export interface TelemetryConfig {
  /** The bearer token /metrics asks for; unset, /metrics is not served at all. */
  metricsToken: string | undefined;
  /** Set only when an OTLP endpoint is configured (and the SDK not disabled): tracing costs nothing otherwise. */
  traceExport: TraceExportConfig | undefined;
}

// Guards a public endpoint, so a short or guessable token is refused at start.
const MIN_METRICS_TOKEN_LENGTH = 16;

const isHttpUrl = (value: string) => {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
};

// The standard variables of the OpenTelemetry specification (SDK environment variables and
// the OTLP exporter's), those this service honours. Messages never quote a value.
const schema = z.object({
  METRICS_TOKEN: z
    .string()
    .refine((v) => v.trim().length >= MIN_METRICS_TOKEN_LENGTH, `must be at least ${MIN_METRICS_TOKEN_LENGTH} characters`)
    .refine((v) => !/\s/.test(v.trim()), "must not contain spaces")
    .transform((v) => v.trim())
    .optional(),
  OTEL_SDK_DISABLED: z.enum(["true", "false", "TRUE", "FALSE"], "must be true or false").optional(),
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "none"], "must be otlp or none (the only exporters this service has)").optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"], "must be http/protobuf or http/json (grpc is not supported)").optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.enum(["http/protobuf", "http/json"], "must be http/protobuf or http/json (grpc is not supported)").optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().refine((v) => parseOtlpHeaders(v) !== undefined, "must be key=value pairs separated by commas").optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().refine((v) => parseOtlpHeaders(v) !== undefined, "must be key=value pairs separated by commas").optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).default("docs-chat"),
  OTEL_TRACES_SAMPLER: z
    .enum(
      ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"],
      "must be always_on, always_off, traceidratio or their parentbased_ forms",
    )
    .optional(),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0, "must be from 0 to 1").max(1, "must be from 0 to 1").optional(),
});

/**
 * Reads METRICS_TOKEN and the OTEL_* variables. Problems are added to `problems` (the
 * configuration's one list), never thrown here, so one start names every bad variable.
 */
export function telemetryConfig(env: Readonly<Record<string, string | undefined>>, problems: string[]): TelemetryConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`));
    return { metricsToken: undefined, traceExport: undefined };
  }
  const e = parsed.data;
  return { metricsToken: e.METRICS_TOKEN, traceExport: traceExport(e) };
}

function traceExport(e: z.infer<typeof schema>): TraceExportConfig | undefined {
  if (e.OTEL_SDK_DISABLED?.toLowerCase() === "true" || e.OTEL_TRACES_EXPORTER === "none") return undefined;
  // The signal's own endpoint is used as given; the general one gets the signal's path.
  const url = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "")}/v1/traces` : undefined);
  if (url === undefined) return undefined;
  // The signal's own headers win over the general ones, key by key.
  const headers = Object.fromEntries([...(parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_HEADERS ?? "") ?? []), ...(parseOtlpHeaders(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? "") ?? [])]);
  return {
    url,
    // The specification's default encoding.
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL ?? "http/protobuf",
    headers,
    serviceName: e.OTEL_SERVICE_NAME,
    sampleRatio: sampleRatio(e.OTEL_TRACES_SAMPLER, e.OTEL_TRACES_SAMPLER_ARG),
  };
}

/**
 * The specification's samplers, as a ratio of root spans kept (the parentbased_ forms are the
 * same here: no incoming request carries a parent). Its default, parentbased_always_on, keeps
 * all; traceidratio without an argument keeps all too, as the specification says.
 */
function sampleRatio(sampler: string | undefined, arg: number | undefined): number {
  if (sampler === undefined || sampler.endsWith("always_on")) return 1;
  if (sampler.endsWith("always_off")) return 0;
  return arg ?? 1;
}
