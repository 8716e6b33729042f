import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import { GEN_AI_SCHEMA_URL } from "./gen-ai.ts";

export { SpanKind, SpanStatusCode, type Span };

/**
 * The service's tracer, from the OpenTelemetry API's global provider. Until tracing.ts
 * registers an SDK provider (only when an OTLP endpoint is configured) it is the API's no-op
 * tracer: spans cost an object or two and record nothing. Asked for each span rather than
 * kept: a tracer kept from one provider would outlive its replacement.
 */
function tracer() {
  return trace.getTracerProvider().getTracer("docs-chat", undefined, { schemaUrl: GEN_AI_SCHEMA_URL });
}

export function startSpan(name: string, options: { kind?: SpanKind; attributes?: Attributes } = {}): Span {
  return tracer().startSpan(name, options);
}

/**
 * Runs `fn` in a span, a child of the active one, that ends when `fn` settles. A failure
 * marks it: status ERROR and `error.type`, never the error's message, which may quote an
 * upstream answer or a prompt.
 */
export function inSpan<T>(name: string, options: { kind?: SpanKind; attributes?: Attributes }, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Status ERROR and a low-cardinality `error.type`: an AppError's code, an abort, or the error's class. */
export function markFailed(span: Span, err: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttribute("error.type", errorType(err));
}

function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[A-Za-z][\w.]{0,63}$/.test(code)) return code;
  if (err instanceof Error) return err.name;
  return "_OTHER";
}
