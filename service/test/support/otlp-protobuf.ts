import type { SpanShape } from "./trace-shapes.ts";

/**
 * Decodes an OTLP/HTTP protobuf trace export (ExportTraceServiceRequest) into the tests'
 * span shape, by the field numbers of opentelemetry-proto's trace/v1/trace.proto and
 * common/v1/common.proto. The exporter packages only encode; this reads what they post.
 */

type Field = { no: number; wire: number; varint: bigint; bytes: Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const byte = buf[at++];
      if (byte === undefined) throw new Error("protobuf: truncated varint");
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, varint: varint(), bytes: Buffer.alloc(0) };
    else if (wire === 2) {
      const length = Number(varint());
      yield { no, wire, varint: 0n, bytes: buf.subarray(at, at + length) };
      at += length;
    } else if (wire === 1 || wire === 5) {
      const size = wire === 1 ? 8 : 4;
      yield { no, wire, varint: 0n, bytes: buf.subarray(at, at + size) };
      at += size;
    } else throw new Error(`protobuf: wire type ${wire} is not used by OTLP`);
  }
}

const messages = (buf: Buffer, no: number) => [...fields(buf)].filter((f) => f.no === no).map((f) => f.bytes);
const first = (buf: Buffer, no: number) => [...fields(buf)].find((f) => f.no === no);

/** AnyValue: string 1, bool 2, int 3, double 4, array 5 (ArrayValue: repeated AnyValue 1). */
function anyValue(buf: Buffer): unknown {
  for (const f of fields(buf)) {
    if (f.no === 1) return f.bytes.toString("utf8");
    if (f.no === 2) return f.varint !== 0n;
    if (f.no === 3) return Number(BigInt.asIntN(64, f.varint));
    if (f.no === 4) return f.bytes.readDoubleLE(0);
    if (f.no === 5) return messages(f.bytes, 1).map(anyValue);
  }
  return undefined;
}

/** KeyValue: key 1, value 2. */
export function protobufAttributes(list: Buffer[]): Record<string, unknown> {
  return Object.fromEntries(list.map((kv) => [first(kv, 1)!.bytes.toString("utf8"), anyValue(first(kv, 2)?.bytes ?? Buffer.alloc(0))]));
}

const KINDS: Array<SpanShape["kind"]> = ["internal", "server", "client", "producer", "consumer"];

/**
 * ExportTraceServiceRequest: resource_spans 1. ResourceSpans: resource 1, scope_spans 2.
 * ScopeSpans: spans 2. Span: trace_id 1, span_id 2, parent_span_id 4, name 5, kind 6,
 * attributes 9, status 15 (Status: code 3).
 */
export function fromOtlpProtobuf(body: Buffer): { spans: SpanShape[]; resources: Array<Record<string, unknown>> } {
  const spans: SpanShape[] = [];
  const resources: Array<Record<string, unknown>> = [];
  for (const resourceSpans of messages(body, 1)) {
    const resource = first(resourceSpans, 1)?.bytes;
    resources.push(resource ? protobufAttributes(messages(resource, 1)) : {});
    for (const scopeSpans of messages(resourceSpans, 2)) {
      for (const span of messages(scopeSpans, 2)) {
        const parent = first(span, 4)?.bytes;
        const status = first(span, 15)?.bytes;
        spans.push({
          name: first(span, 5)!.bytes.toString("utf8"),
          kind: KINDS[Number(first(span, 6)?.varint ?? 1n) - 1]!,
          traceId: first(span, 1)!.bytes.toString("hex"),
          spanId: first(span, 2)!.bytes.toString("hex"),
          parentSpanId: parent && parent.length > 0 ? parent.toString("hex") : undefined,
          attributes: protobufAttributes(messages(span, 9)),
          statusCode: status ? Number(first(status, 3)?.varint ?? 0n) : 0,
        });
      }
    }
  }
  return { spans, resources };
}
