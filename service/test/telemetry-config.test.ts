import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../src/config.ts";
import { secretValuesOf } from "../src/secrets.ts";
import { startTracing } from "../src/telemetry/tracing.ts";

const telemetryOf = (env: NodeJS.ProcessEnv) => loadConfig(env).telemetry;

/** The problems a refused configuration names. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  let problems: string[] = [];
  assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && (problems = err.problems).length > 0);
  return problems;
}

describe("telemetry configuration", () => {
  it("exports nothing and serves no /metrics when nothing is set", async () => {
    assert.deepEqual(telemetryOf({}), { metricsToken: undefined, traceExport: undefined });
    const tracing = await startTracing(undefined);
    assert.equal(tracing.enabled, false);
  });

  it("posts to the general endpoint's /v1/traces, or to the traces endpoint as given; protobuf unless told", () => {
    assert.deepEqual(telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "https://otlp.example.com/otlp/" }).traceExport, {
      url: "https://otlp.example.com/otlp/v1/traces",
      protocol: "http/protobuf",
      headers: {},
      serviceName: "docs-chat",
      sampleRatio: 1,
    });
    const traces = telemetryOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "https://general.example.com",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example.com/custom/path",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: "book-chat",
    }).traceExport;
    assert.equal(traces?.url, "https://traces.example.com/custom/path");
    assert.equal(traces?.protocol, "http/json");
    assert.equal(traces?.serviceName, "book-chat");
  });

  it("decodes the OTLP headers, the traces' own winning key by key", () => {
    const { traceExport } = telemetryOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20dXNlcjpwYXNz,x-scope=general",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-scope=traces",
    });
    assert.deepEqual(traceExport?.headers, { authorization: "Basic dXNlcjpwYXNz", "x-scope": "traces" });
  });

  it("samples chats as OTEL_TRACES_SAMPLER says: all by default, a ratio, or none", () => {
    const ratio = (env: NodeJS.ProcessEnv) => telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", ...env }).traceExport?.sampleRatio;
    assert.equal(ratio({}), 1);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" }), 0.25);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: "traceidratio" }), 1);
    assert.equal(ratio({ OTEL_TRACES_SAMPLER: "always_off" }), 0);
    assert.ok(problemsOf({ OTEL_TRACES_SAMPLER_ARG: "2" }).some((p) => p.startsWith("OTEL_TRACES_SAMPLER_ARG")));
  });

  it("turns export off with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none, endpoint or not", () => {
    assert.equal(telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SDK_DISABLED: "true" }).traceExport, undefined);
    assert.equal(telemetryOf({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" }).traceExport, undefined);
  });

  it("names each bad variable, never its value", () => {
    const problems = problemsOf({
      METRICS_TOKEN: "short-secret",
      OTEL_EXPORTER_OTLP_ENDPOINT: "grpc://collector:4317",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: "no-equals-sign-here",
      OTEL_TRACES_EXPORTER: "zipkin",
    });
    for (const name of ["METRICS_TOKEN", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_TRACES_EXPORTER"]) {
      assert.ok(problems.some((p) => p.startsWith(name)), `${name} is named: ${problems.join("; ")}`);
    }
    assert.ok(problems.every((p) => !p.includes("short-secret") && !p.includes("no-equals-sign-here")));
    assert.ok(problemsOf({ METRICS_TOKEN: "a token with spaces in it" }).some((p) => p.startsWith("METRICS_TOKEN")));
  });

  it("keeps METRICS_TOKEN and the OTLP headers' credentials among the secrets to scrub", () => {
    const env = { METRICS_TOKEN: "metrics-token-0123456789", OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20dXNlcjpwYXNzd29yZA==" };
    const config = loadConfig(env);
    assert.equal(config.telemetry.metricsToken, "metrics-token-0123456789");
    for (const secret of ["metrics-token-0123456789", "authorization=Basic%20dXNlcjpwYXNzd29yZA==", "Basic dXNlcjpwYXNzd29yZA=="]) {
      assert.ok(config.secrets.includes(secret), `${secret.slice(0, 12)}... is a secret`);
    }
    assert.ok(secretValuesOf(env).some((s) => s.label === "a header value in OTEL_EXPORTER_OTLP_HEADERS"));
  });
});
