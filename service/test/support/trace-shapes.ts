import assert from "node:assert/strict";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";

/**
 * A span as the tests read it, whichever way it came: from the SDK's in-memory exporter, or
 * posted to an OTLP receiver as JSON or protobuf. Ids in hex, kind by name.
 */
export interface SpanShape {
  name: string;
  kind: "internal" | "server" | "client" | "producer" | "consumer";
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error (the API's and OTLP's numbering agree). */
  statusCode: number;
}

// The API numbers kinds from 0 (INTERNAL); OTLP from 1, with 0 for "unspecified".
const API_KINDS = ["internal", "server", "client", "producer", "consumer"] as const;

export function fromReadableSpans(spans: readonly ReadableSpan[]): SpanShape[] {
  return spans.map((s) => ({
    name: s.name,
    kind: API_KINDS[s.kind]!,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    attributes: { ...s.attributes },
    statusCode: s.status.code,
  }));
}

type JsonAnyValue = { stringValue?: string; boolValue?: boolean; intValue?: number | string; doubleValue?: number; arrayValue?: { values?: JsonAnyValue[] } };
type JsonKeyValue = { key: string; value: JsonAnyValue };
type JsonSpan = { name: string; kind: number; traceId: string; spanId: string; parentSpanId?: string; attributes?: JsonKeyValue[]; status?: { code?: number } };
export type OtlpJsonRequest = {
  resourceSpans: Array<{ resource?: { attributes?: JsonKeyValue[] }; scopeSpans: Array<{ scope?: { name?: string }; schemaUrl?: string; spans: JsonSpan[] }> }>;
};

function jsonValue(v: JsonAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(jsonValue);
  return undefined;
}

export function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, jsonValue(kv.value)]));
}

/** The spans of an OTLP/JSON export request (ids are hex strings there). */
export function fromOtlpJson(body: OtlpJsonRequest): SpanShape[] {
  return body.resourceSpans.flatMap((rs) =>
    rs.scopeSpans.flatMap((ss) =>
      ss.spans.map((s) => ({
        name: s.name,
        kind: API_KINDS[s.kind - 1]!,
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId || undefined,
        attributes: jsonAttributes(s.attributes),
        statusCode: s.status?.code ?? 0,
      })),
    ),
  );
}

/** What a chat's trace must hold, whichever exporter carried it. */
export function assertChatTrace(spans: readonly SpanShape[], expected: { model: string; embeddingModel: string; collection: string; followUp: boolean }): void {
  const byName = (name: string) => spans.filter((s) => s.name === name);
  const [root, ...otherRoots] = spans.filter((s) => s.parentSpanId === undefined);
  assert.ok(root && otherRoots.length === 0, `one root span, got ${spans.filter((s) => s.parentSpanId === undefined).map((s) => s.name).join(", ")}`);
  assert.equal(root.name, "POST /api/chat");
  assert.equal(root.kind, "server");
  assert.equal(root.attributes["http.route"], "/api/chat");
  assert.equal(root.attributes["http.response.status_code"], 200);
  for (const span of spans) assert.equal(span.traceId, root.traceId, `${span.name} is in the chat's trace`);

  const parentOf = (span: SpanShape) => spans.find((s) => s.spanId === span.parentSpanId);
  const only = (name: string) => {
    const found = byName(name);
    assert.equal(found.length, 1, `one ${name} span, got ${found.length} among ${spans.map((s) => s.name).join(", ")}`);
    return found[0]!;
  };

  const embedding = only(`embeddings ${expected.embeddingModel}`);
  assert.equal(parentOf(embedding), root);
  assert.equal(embedding.kind, "client");
  assert.equal(embedding.attributes["gen_ai.operation.name"], "embeddings");
  assert.equal(embedding.attributes["gen_ai.provider.name"], "gcp.gemini");
  assert.equal(embedding.attributes["gen_ai.request.model"], expected.embeddingModel);

  const retrieval = only(`retrieval ${expected.collection}`);
  assert.equal(parentOf(retrieval), root);
  assert.equal(retrieval.attributes["gen_ai.operation.name"], "retrieval");
  assert.equal(retrieval.attributes["docs_chat.retrieval.store"], "qdrant");
  assert.equal(retrieval.attributes["docs_chat.retrieval.mode"], "hybrid");
  assert.equal(retrieval.attributes["docs_chat.retrieval.top_k"], 5);
  assert.ok(Number(retrieval.attributes["docs_chat.retrieval.passages"]) > 0, "passages kept after the threshold");

  const answer = only("generate_answer");
  assert.equal(parentOf(answer), root);
  const calls = byName(`generate_content ${expected.model}`);
  assert.equal(calls.length, expected.followUp ? 2 : 1, "one Gemini call for the answer, and one for a follow-up's rewrite");
  const generation = calls.find((s) => parentOf(s) === answer);
  assert.ok(generation, "the answer's Gemini call is a child of generate_answer");
  assertGeminiSpan(generation, expected.model);

  const rewrites = byName("rewrite_query");
  if (expected.followUp) {
    assert.equal(rewrites.length, 1);
    assert.equal(parentOf(rewrites[0]!), root);
    const rewrite = calls.find((s) => parentOf(s) === rewrites[0]);
    assert.ok(rewrite, "the rewrite's Gemini call is a child of rewrite_query");
    // 64 tokens of query, and room for the default model's least thinking (minimal), which counts against the cap.
    assert.equal(rewrite.attributes["gen_ai.request.max_tokens"], 64 + 8_192);
  } else {
    assert.equal(rewrites.length, 0, "a first question is not rewritten");
  }
}

/** A Gemini call's span, by the GenAI semantic conventions, after a complete answer. */
export function assertGeminiSpan(span: SpanShape, model: string): void {
  assert.equal(span.kind, "client");
  const a = span.attributes;
  assert.equal(a["gen_ai.operation.name"], "generate_content");
  assert.equal(a["gen_ai.provider.name"], "gcp.gemini");
  assert.equal(a["gen_ai.request.model"], model);
  assert.equal(a["gen_ai.response.model"], model);
  assert.deepEqual(a["gen_ai.response.finish_reasons"], ["stop"]);
  assert.ok(Number(a["gen_ai.usage.input_tokens"]) > 0, "input tokens");
  assert.ok(Number(a["gen_ai.usage.output_tokens"]) > 0, "output tokens");
  assert.equal(typeof a["gen_ai.usage.reasoning.output_tokens"], "number");
  assert.equal(a["gen_ai.system"], undefined, "the old attribute name is not sent");
}

/** No attribute of any span holds one of `texts` (a question, an answer, a secret). */
export function assertNoTextInAttributes(spans: readonly SpanShape[], texts: readonly string[]): void {
  for (const span of spans) {
    for (const [key, value] of Object.entries(span.attributes)) {
      const shown = JSON.stringify(value);
      for (const text of texts) assert.ok(!shown.includes(text), `${span.name} attribute ${key} holds "${text.slice(0, 30)}"`);
    }
  }
}
