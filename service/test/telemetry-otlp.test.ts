import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startOtlpCollector, type OtlpCollector } from "../../emulators/otlp/otlp.ts";
import { GEN_AI_SCHEMA_URL } from "../src/telemetry/gen-ai.ts";
import { startTracing, type Tracing } from "../src/telemetry/tracing.ts";
import { answerOf, chat } from "./support/harness.ts";
import { fromOtlpProtobuf } from "./support/otlp-protobuf.ts";
import { assertChatTrace, assertNoTextInAttributes, fromOtlpJson, jsonAttributes, type OtlpJsonRequest, type SpanShape } from "./support/trace-shapes.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

// A credential for the trace backend, sent as OTLP headers: it must reach the receiver and
// nothing else (no span, no log line).
const CREDENTIAL = "otlp-test-credential-7f3a9c";

const PROTOCOLS = [
  {
    protocol: "http/json",
    contentType: "application/json",
    decode(body: Buffer) {
      const request = JSON.parse(body.toString("utf8")) as OtlpJsonRequest;
      return {
        spans: fromOtlpJson(request),
        resources: request.resourceSpans.map((rs) => jsonAttributes(rs.resource?.attributes)),
        schemaUrls: request.resourceSpans.flatMap((rs) => rs.scopeSpans.map((ss) => ss.schemaUrl)),
      };
    },
  },
  {
    protocol: "http/protobuf",
    contentType: "application/x-protobuf",
    decode(body: Buffer) {
      const { spans, resources } = fromOtlpProtobuf(body);
      // ScopeSpans.schema_url (3) as a string in the body: enough to see it was sent.
      return { spans, resources, schemaUrls: body.includes(Buffer.from(GEN_AI_SCHEMA_URL)) ? [GEN_AI_SCHEMA_URL] : [] };
    },
  },
] as const;

// Each protocol in turn in this one process: startTracing registers the SDK's provider, and
// shutting it down sends what is buffered and unregisters it.
for (const { protocol, contentType, decode } of PROTOCOLS) {
  describe(`a chat's trace at an OTLP receiver on loopback, over ${protocol}`, () => {
    let receiver: OtlpCollector;
    let stack: Stack;
    let tracing: Tracing;
    before(async () => {
      receiver = await startOtlpCollector({ keep: true });
      stack = await startStack(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${CREDENTIAL}`,
          OTEL_SERVICE_NAME: "docs-chat-otlp-test",
        },
        { tracing: true },
      );
      tracing = await startTracing(stack.app.deps.config.telemetry.traceExport, { serviceVersion: "test-bundle-hash" });
    });
    after(async () => {
      await stack?.close();
      await receiver?.close();
    });

    it("posts the chat's spans to /v1/traces, one trace with every step, once flushed", async () => {
      assert.equal(tracing.enabled, true);
      const question = "Which environment variables does the service read?";
      const { response, events } = await chat(stack.app.url, { message: question });
      assert.equal(response.status, 200);
      // Shutting down sends the spans the batch processor holds, as SIGTERM does.
      await tracing.shutdown();

      assert.ok(receiver.posts.length > 0, "the exporter posted");
      const spans: SpanShape[] = [];
      for (const post of receiver.posts) {
        assert.equal(post.path, "/v1/traces");
        assert.equal(post.headers["content-type"], contentType);
        assert.equal(post.headers.authorization, `Bearer ${CREDENTIAL}`, "the OTLP headers reach the backend");
        const decoded = decode(post.body);
        spans.push(...decoded.spans);
        for (const resource of decoded.resources) {
          assert.equal(resource["service.name"], "docs-chat-otlp-test");
          assert.equal(resource["service.version"], "test-bundle-hash");
        }
        assert.ok(decoded.schemaUrls.includes(GEN_AI_SCHEMA_URL), "the scope names the GenAI conventions' version");
      }
      const config = stack.app.deps.config;
      assertChatTrace(spans, { model: config.gemini.model, embeddingModel: config.embedding.model, collection: config.vectorStore.collection, followUp: false });
      assertNoTextInAttributes(spans, [question, answerOf(events).slice(0, 40), CREDENTIAL, stack.gemini.apiKey]);
      assert.ok(!stack.app.logs.some((line) => line.includes(CREDENTIAL)), "the credential is in no log line");
    });
  });
}
