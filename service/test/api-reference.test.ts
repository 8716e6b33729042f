import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import express from "express";
import { chatRequestSchema, MESSAGE_MAX_CHARS } from "../src/chat/chat-request.ts";
import { feedbackRequestSchema } from "../src/chat/feedback-request.ts";
import { loadConfig } from "../src/config.ts";
import { apiReferenceRouter } from "../src/routes/api-reference.ts";
import { resolvePointer, validate, type Json, type JsonObject } from "./support/json-schema.ts";

const CONVERSATION = "6f1c2d3e-4b5a-4c6d-8e7f-901234567890";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function* walk(node: Json, at = "#"): Generator<{ at: string; node: JsonObject }> {
  if (node === null || typeof node !== "object") return;
  if (!Array.isArray(node)) yield { at, node };
  for (const [key, child] of Object.entries(node)) yield* walk(child, `${at}/${key}`);
}

describe("API description and viewer", () => {
  let server: Server;
  let base: string;
  let doc: JsonObject;

  before(async () => {
    const app = express();
    app.use(apiReferenceRouter());
    server = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const response = await fetch(`${base}/openapi.json`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^application\/json/);
    doc = (await response.json()) as JsonObject;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const schemaOf = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
  const responseSchema = (path: string, method: string, status: string, media = "application/json"): Json => {
    const schema = resolvePointer(doc, `#/paths/${path.replace(/\//g, "~1")}/${method}/responses/${status}/content/${media.replace(/\//g, "~1")}/schema`);
    assert.ok(schema !== undefined, `${method} ${path} documents ${status} ${media}`);
    return schema;
  };
  const fits = (schema: Json, value: Json) => validate(doc, schema, value);

  it("is OpenAPI 3.1 in shape: info, paths, operations with unique ids and described responses", () => {
    assert.match(String(doc.openapi), /^3\.1\.\d+$/);
    const info = doc.info as JsonObject;
    assert.equal(typeof info.title, "string");
    assert.equal(typeof info.version, "string");
    const paths = doc.paths as Record<string, JsonObject>;
    const operations: string[] = [];
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(paths)) {
      assert.match(path, /^\//);
      for (const [method, op] of Object.entries(item)) {
        assert.ok(METHODS.includes(method), `${path}: ${method} is not an HTTP method`);
        const operation = op as JsonObject;
        operations.push(`${method.toUpperCase()} ${path}`);
        assert.ok(typeof operation.operationId === "string" && !ids.has(operation.operationId), `${path} ${method}: unique operationId`);
        ids.add(operation.operationId);
        const responses = operation.responses as Record<string, JsonObject>;
        assert.ok(Object.keys(responses).length > 0, `${method} ${path} has responses`);
        for (const [status, response] of Object.entries(responses)) {
          assert.match(status, /^[1-5]\d\d$/, `${method} ${path}: status ${status}`);
          assert.equal(typeof response.description, "string", `${method} ${path} ${status} is described`);
          // 204 No Content is the one status with no body to document.
          if (status === "204") assert.equal(response.content, undefined, `${method} ${path} 204 has no body`);
          else assert.ok(response.content, `${method} ${path} ${status} documents its body`);
        }
        // Every `{name}` in the path is a required path parameter.
        const declared = ((operation.parameters ?? []) as JsonObject[]).filter((p) => p.in === "path");
        for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
          assert.ok(declared.some((p) => p.name === name && p.required === true), `${path}: parameter ${name} declared`);
        }
      }
    }
    assert.deepEqual(operations.sort(), [
      "DELETE /api/answers/{answer_id}/feedback",
      "GET /api/conversation/{id}",
      "GET /api/health",
      "GET /api/health/live",
      "POST /api/answers/{answer_id}/stop",
      "POST /api/chat",
      "PUT /api/answers/{answer_id}/feedback",
    ]);
  });

  it("resolves every $ref", () => {
    let refs = 0;
    for (const { at, node } of walk(doc)) {
      if (typeof node.$ref !== "string") continue;
      refs++;
      assert.notEqual(resolvePointer(doc, node.$ref), undefined, `${at}: ${node.$ref} resolves`);
    }
    assert.ok(refs > 10, "the description shares its schemas through $ref");
  });

  it("documents every error status the service answers, with the error JSON", () => {
    const expected: Record<string, Record<string, string[]>> = {
      "/api/chat post": { "400": ["invalid_request"], "404": ["not_found"], "413": ["payload_too_large"], "429": ["rate_limited", "quota_exceeded"], "503": ["service_starting"] },
      "/api/conversation/{id} get": { "400": ["invalid_request"], "404": ["not_found"], "503": ["database_unavailable"] },
      "/api/answers/{answer_id}/stop post": { "400": ["invalid_request"], "404": ["not_found"], "409": ["answer_not_streaming"], "429": ["rate_limited"] },
      "/api/answers/{answer_id}/feedback put": { "400": ["invalid_request"], "404": ["not_found"], "429": ["rate_limited"], "503": ["database_unavailable"] },
      "/api/answers/{answer_id}/feedback delete": { "400": ["invalid_request"], "404": ["not_found"], "429": ["rate_limited"] },
    };
    for (const [where, statuses] of Object.entries(expected)) {
      const [path, method] = where.split(" ") as [string, string];
      for (const [status, codes] of Object.entries(statuses)) {
        const schema = responseSchema(path, method, status);
        for (const code of codes) assert.deepEqual(fits(schema, { error: { code, message: "m" } }), [], `${where} ${status} ${code}`);
        assert.notDeepEqual(fits(schema, { error: { code: "no_such_code", message: "m" } }), [], `${where} ${status} names its codes`);
        assert.notDeepEqual(fits(schema, { error: { code: codes[0]! } }), [], `${where} ${status} requires a message`);
        assert.deepEqual(fits(schema, { error: { code: codes[0]!, message: "m", conversation_id: CONVERSATION, extra: "ignored" } }), []);
      }
    }
  });

  it("describes the request body by the contract's rules, as the service enforces them", () => {
    const body = resolvePointer(doc, "#/paths/~1api~1chat/post/requestBody/content/application~1json/schema")!;
    const service = chatRequestSchema(loadConfig({}).selectionMaxChars);
    const long = (n: number) => "a".repeat(n);
    const cases: Array<[JsonObject, boolean]> = [
      [{ message: "What is ROS?" }, true],
      [{ message: "x", mode: "general", conversation_id: CONVERSATION }, true],
      [{ message: "x", mode: null, context: null, conversation_id: null }, true],
      [{ message: long(MESSAGE_MAX_CHARS) }, true],
      // Both count code points, not UTF-16 units.
      [{ message: "😀".repeat(MESSAGE_MAX_CHARS) }, true],
      [{ message: "😀".repeat(MESSAGE_MAX_CHARS + 1) }, false],
      [{ message: "Explain", mode: "selection", context: "A selected passage." }, true],
      [{ message: "Explain", mode: "selection", context: long(8000) }, true],
      [{ message: "x", unknown_field: 1 }, true],
      [{}, false],
      [{ message: "" }, false],
      [{ message: "   " }, false],
      [{ message: long(MESSAGE_MAX_CHARS + 1) }, false],
      [{ message: 42 }, false],
      [{ message: "x", mode: "chat" }, false],
      [{ message: "Explain", mode: "selection" }, false],
      [{ message: "Explain", mode: "selection", context: null }, false],
      [{ message: "Explain", mode: "selection", context: "  " }, false],
      [{ message: "Explain", mode: "selection", context: long(8001) }, false],
      [{ message: "x", context: long(8001) }, false],
      [{ message: "x", conversation_id: "not-a-uuid" }, false],
      [{ message: "x", conversation_id: "12345678-1234-1234-1234-123456789abc" }, false],
    ];
    for (const [value, valid] of cases) {
      const label = JSON.stringify(value).slice(0, 80);
      assert.equal(fits(body, value).length === 0, valid, `description: ${label}`);
      assert.equal(service.safeParse(value).success, valid, `service: ${label}`);
    }
  });

  it("describes the feedback body as the service enforces it", () => {
    const body = resolvePointer(doc, "#/paths/~1api~1answers~1{answer_id}~1feedback/put/requestBody/content/application~1json/schema")!;
    const cases: Array<[JsonObject, boolean]> = [
      [{ vote: "up" }, true],
      [{ vote: "down", reason: "Too vague." }, true],
      [{ vote: "down", reason: null }, true],
      [{ vote: "down", reason: "a".repeat(500) }, true],
      [{ vote: "down", reason: "😀".repeat(500) }, true],
      [{ vote: "down", reason: "a".repeat(501) }, false],
      [{ vote: "down", reason: " ".repeat(501) }, false],
      [{}, false],
      [{ vote: "sideways" }, false],
      [{ vote: null }, false],
      [{ vote: "up", reason: 3 }, false],
    ];
    for (const [value, valid] of cases) {
      const label = JSON.stringify(value).slice(0, 80);
      assert.equal(fits(body, value).length === 0, valid, `description: ${label}`);
      assert.equal(feedbackRequestSchema.safeParse(value).success, valid, `service: ${label}`);
    }
  });

  it("follows the service's selection limit", async () => {
    const app = express().use(apiReferenceRouter({ selectionMaxChars: 500 }));
    const small = app.listen(0, "127.0.0.1");
    await new Promise<void>((resolve) => small.once("listening", resolve));
    try {
      const other = (await (await fetch(`http://127.0.0.1:${(small.address() as AddressInfo).port}/openapi.json`)).json()) as JsonObject;
      assert.equal(resolvePointer(other, "#/components/schemas/ChatRequest/properties/context/maxLength"), 500);
    } finally {
      await new Promise<void>((resolve) => small.close(() => resolve()));
    }
  });

  it("describes the stream's events and the stored conversation as the service sends them", () => {
    assert.equal(responseSchema("/api/chat", "post", "200", "text/event-stream") !== undefined, true);
    const event = schemaOf("ChatEvent");
    const source = { file: "docs/module-01/chapter-01.md", heading: "Intro > Setup", similarity: 0.83 };
    const events: Json[] = [
      { type: "metadata", conversation_id: CONVERSATION },
      { type: "metadata", conversation_id: CONVERSATION, answer_id: CONVERSATION },
      { type: "token", content: "Hello" },
      { type: "token", content: "\n\n[The answer was cut off here.]", notice: true },
      { type: "done", sources: [source, { ...source, url: "https://book.example.com/module-01/chapter-01" }] },
      { type: "done", sources: [], conversation_id: CONVERSATION, saved: true },
      { type: "done", sources: [source], conversation_id: CONVERSATION, saved: true, stopped: true },
      { type: "error", code: "upstream_error", message: "The answer was interrupted.", conversation_id: CONVERSATION },
    ];
    for (const valid of events) assert.deepEqual(fits(event, valid), [], JSON.stringify(valid));
    const broken: Json[] = [
      { type: "token" },
      { type: "metadata", conversation_id: "x" },
      { type: "metadata", conversation_id: CONVERSATION, answer_id: "x" },
      { type: "done" },
      { type: "surprise" },
      { type: "done", sources: [{ file: "a" }] },
      { type: "done", sources: [], stopped: false },
    ];
    for (const invalid of broken) {
      assert.notDeepEqual(fits(event, invalid), [], JSON.stringify(invalid));
    }

    const conversation = responseSchema("/api/conversation/{id}", "get", "200");
    const message = { id: CONVERSATION, role: "user", content: "Q", sources: null, created_at: "2026-11-21T10:00:00.000Z", incomplete: false };
    const answer = { ...message, role: "assistant", sources: [source], incomplete: true };
    assert.deepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [message, answer] }), []);
    const voted = { ...answer, feedback: { vote: "down", reason: "Too vague." } };
    assert.deepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [message, voted, { ...answer, feedback: null }] }), []);
    assert.notDeepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [{ ...answer, feedback: { vote: "sideways", reason: null } }] }), []);

    const feedback = responseSchema("/api/answers/{answer_id}/feedback", "put", "200");
    assert.deepEqual(fits(feedback, { answer_id: CONVERSATION, vote: "up", reason: null, updated_at: "2026-11-21T10:00:00.000Z" }), []);
    assert.notDeepEqual(fits(feedback, { answer_id: CONVERSATION, vote: "up", updated_at: "2026-11-21T10:00:00.000Z" }), []);
    assert.deepEqual(fits(responseSchema("/api/answers/{answer_id}/stop", "post", "202"), { answer_id: CONVERSATION, stopping: true }), []);
    assert.deepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [] }), []);
    assert.notDeepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [{ ...message, role: "system" }] }), []);
    const { incomplete: _dropped, ...withoutIncomplete } = message;
    assert.notDeepEqual(fits(conversation, { conversation_id: CONVERSATION, messages: [withoutIncomplete] }), []);
  });

  it("describes health: 200 only when healthy, 503 otherwise", () => {
    const report = (status: string) => ({
      status,
      services: { postgres: { status: "healthy", kind: "pglite", latency_ms: 2 }, gemini: { status: "degraded", message: "quota" } },
      timestamp: "2026-11-21T10:00:00.000Z",
    });
    const ok = responseSchema("/api/health", "get", "200");
    const unavailable = responseSchema("/api/health", "get", "503");
    assert.deepEqual(fits(ok, report("healthy")), []);
    assert.notDeepEqual(fits(ok, report("starting")), []);
    for (const status of ["starting", "degraded", "unhealthy"]) assert.deepEqual(fits(unavailable, report(status)), [], status);
    assert.notDeepEqual(fits(unavailable, report("healthy")), []);
    assert.notDeepEqual(fits(unavailable, { ...report("starting"), services: { postgres: { status: "sleepy" } } }), []);
    assert.deepEqual(fits(responseSchema("/api/health/live", "get", "200"), { status: "ok", timestamp: "2026-11-21T10:00:00.000Z" }), []);
  });

  for (const page of ["/docs", "/docs/"]) {
    it(`serves the viewer at ${page} with its assets and no inline script`, async () => {
      const response = await fetch(`${base}${page}`, { redirect: "manual" });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/html/);
      const html = await response.text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length >= 2);
      for (const [, attributes, body] of scripts) {
        assert.match(attributes!, /\bsrc="/, "every script is a file (CSP script-src 'self')");
        assert.equal(body!.trim(), "");
      }
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, `${base}${page}`));
      assert.ok(assets.some((u) => u.pathname.endsWith("/swagger-ui-bundle.js")));
      assert.ok(assets.some((u) => u.pathname.endsWith("/swagger-ui.css")));
      for (const asset of assets) {
        assert.equal(asset.origin, base, `${asset} is served by us`);
        const got = await fetch(asset);
        assert.equal(got.status, 200, `${asset.pathname}`);
        const type = got.headers.get("content-type")!;
        if (asset.pathname.endsWith(".js")) assert.match(type, /javascript/);
        if (asset.pathname.endsWith(".css")) assert.match(type, /text\/css/);
        const text = await got.text();
        if (asset.pathname.endsWith("/swagger-initializer.js")) assert.match(text, /url: "\/openapi\.json"/);
        if (asset.pathname.endsWith("/swagger-ui-bundle.js")) assert.ok(text.length > 100_000, "the real bundle");
      }
    });
  }

  it("serves our initializer and page in place of the package's Petstore ones", async () => {
    const initializer = await fetch(`${base}/docs/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    const script = await initializer.text();
    assert.doesNotMatch(script, /petstore/i);
    assert.match(script, /validatorUrl: null/, "the description is not sent to validator.swagger.io");
    const index = await (await fetch(`${base}/docs/index.html`)).text();
    assert.match(index, /<title>Docs chat API<\/title>/);
  });
});
