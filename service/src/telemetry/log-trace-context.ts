import { trace } from "@opentelemetry/api";

/**
 * A log line's trace_id and span_id while a recording span is active, so a line is found
 * from its trace and back (pino's mixin). Nothing when tracing is off: the no-op tracer's
 * spans record nothing and carry no ids worth keeping.
 */
export function traceContextFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (span === undefined || !span.isRecording()) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
