import { context, trace } from "@opentelemetry/api";
import type { SpanProcessor } from "@opentelemetry/sdk-trace";
import type { TraceExportConfig } from "./telemetry-config.ts";

/** The process's tracing: on (an SDK provider registered) or off (the API's no-op tracer). */
export interface Tracing {
  readonly enabled: boolean;
  /** Sends the spans still buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/**
 * Starts exporting spans over OTLP/HTTP when an endpoint is configured. Without one nothing is
 * loaded or registered: the SDK's modules are imported here, on demand, so a service that
 * exports nothing neither loads them at start nor pays for them per chat.
 */
export async function startTracing(config: TraceExportConfig | undefined, resource: { serviceVersion?: string | undefined } = {}): Promise<Tracing> {
  if (config === undefined) return OFF;
  const [{ BatchSpanProcessor }, { OTLPTraceExporter }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    config.protocol === "http/json" ? import("@opentelemetry/exporter-trace-otlp-http") : import("@opentelemetry/exporter-trace-otlp-proto"),
  ]);
  // The exporter reads the remaining OTEL_EXPORTER_OTLP_* settings (timeout, compression,
  // certificates) from the environment itself.
  const exporter = new OTLPTraceExporter({ url: config.url, headers: config.headers });
  return registerTracing(new BatchSpanProcessor({ exporter }), { serviceName: config.serviceName, serviceVersion: resource.serviceVersion }, config.sampleRatio);
}

/**
 * Registers an SDK tracer provider with `processor` and the AsyncLocalStorage context
 * manager (a span's children are found through the async calls made inside it). Tests pass
 * an in-memory exporter's processor.
 */
export async function registerTracing(processor: SpanProcessor, resource: { serviceName: string; serviceVersion?: string | undefined }, sampleRatio = 1): Promise<Tracing> {
  const [{ TracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler }, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/resources"),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": resource.serviceName,
      ...(resource.serviceVersion ? { "service.version": resource.serviceVersion } : {}),
    }),
    spanProcessors: [processor],
    // A chat left out records nothing at all: its children follow its root's decision.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager) || !trace.setGlobalTracerProvider(provider)) {
    contextManager.disable();
    await provider.shutdown();
    throw new Error("A tracer provider is already registered in this process.");
  }
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
