import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { chat, postChat, readEvents, startTestApp, type TestApp } from "./support/harness.ts";
import { parsePrometheusText, sampleOf, type MetricFamily } from "./support/prometheus-text.ts";
import { startStack, type Stack } from "./support/upstreams.ts";

const TOKEN = "metrics-token-for-the-tests-5d2e8b";

function scrape(url: string, authorization?: string): Promise<Response> {
  return fetch(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
}

/** /metrics read as Prometheus' text format, by a parser that knows nothing of prom-client. */
async function families(url: string): Promise<Map<string, MetricFamily>> {
  const response = await scrape(url, `Bearer ${TOKEN}`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

function family(all: Map<string, MetricFamily>, name: string, type: MetricFamily["type"]): MetricFamily {
  const found = all.get(name);
  assert.ok(found, `${name} is listed`);
  assert.equal(found.type, type, `${name} is a ${type}`);
  assert.ok(found.help.length > 0, `${name} says what it means`);
  return found;
}

/** A sample's value: a counter's or gauge's own, or a histogram's `_count` or `_sum`. */
function value(f: MetricFamily, labels: Record<string, string> = {}, suffix = ""): number | undefined {
  return sampleOf(f, f.name + suffix, labels)?.value;
}

describe("/metrics without METRICS_TOKEN", () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { SAMPLE_DOCS_DIR: "off" }, ready: false });
  });
  after(() => app?.close());

  it("is not served at all: 404, token or not", async () => {
    for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
      const response = await scrape(app.url, authorization);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
    }
    assert.equal(app.deps.metrics.enabled, false, "nothing is counted either");
  });
});

describe("/metrics with METRICS_TOKEN", () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ METRICS_TOKEN: TOKEN });
  });
  after(() => stack?.close());

  it("answers 401 with WWW-Authenticate for a missing, wrong or non-bearer token", async () => {
    for (const authorization of [undefined, "Bearer wrong", `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}`, TOKEN]) {
      const response = await scrape(stack.app.url, authorization);
      assert.equal(response.status, 401, `refused: ${authorization?.slice(0, 12)}`);
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "unauthorized");
      assert.ok(!body.error.message.includes(TOKEN));
    }
    assert.ok(stack.app.deps.config.secrets.includes(TOKEN), "the token is a secret the log redactor knows");
  });

  it("lists the process's default metrics", async () => {
    const all = await families(stack.app.url);
    family(all, "process_cpu_seconds_total", "counter");
    family(all, "process_resident_memory_bytes", "gauge");
    family(all, "nodejs_eventloop_lag_seconds", "gauge");
    family(all, "nodejs_heap_size_used_bytes", "gauge");
  });

  it("counts chats: request durations by route, first tokens, answers, Gemini tokens, retrieval modes", async () => {
    const first = await chat(stack.app.url, { message: "How do I configure the vector store?" });
    const conversationId = String(first.events[0]!.conversation_id);
    await chat(stack.app.url, { message: "How do I switch to it?", conversation_id: conversationId });
    const read = await fetch(`${stack.app.url}/api/conversation/${conversationId}`);
    assert.equal(read.status, 200);

    await stack.gemini.setFault({ route: "generate", status: 500 });
    try {
      assert.equal((await chat(stack.app.url, { message: "And if Gemini fails?" })).response.status, 502);
    } finally {
      await stack.gemini.setFault(null);
    }

    const response = await scrape(stack.app.url, `Bearer ${TOKEN}`);
    const text = await response.text();
    assert.ok(!text.includes(conversationId), "routes are labelled by pattern, never by the path's id");
    const all = parsePrometheusText(text);

    const requests = family(all, "docs_chat_http_request_duration_seconds", "histogram");
    assert.equal(value(requests, { method: "POST", route: "/api/chat", status_code: "200" }, "_count"), 2);
    assert.equal(value(requests, { method: "POST", route: "/api/chat", status_code: "502" }, "_count"), 1);
    assert.equal(value(requests, { method: "GET", route: "/api/conversation/:id", status_code: "200" }, "_count"), 1);
    assert.equal(value(requests, { method: "POST", route: "/api/chat", status_code: "200", le: "+Inf" }, "_bucket"), 2);

    const firstTokens = family(all, "docs_chat_first_token_seconds", "histogram");
    assert.equal(value(firstTokens, {}, "_count"), 2, "one first token per answered chat");
    assert.ok(value(firstTokens, {}, "_sum")! > 0);

    const answers = family(all, "docs_chat_answers_total", "counter");
    assert.equal(value(answers, { outcome: "complete", code: "none" }), 2);
    assert.equal(value(answers, { outcome: "failed", code: "upstream_error" }), 1, "counted by the chat service's outcome");

    const tokens = family(all, "docs_chat_gemini_tokens_total", "counter");
    const model = stack.app.deps.config.gemini.model;
    assert.ok(value(tokens, { model, direction: "input" })! > 0, "input tokens, by model");
    assert.ok(value(tokens, { model, direction: "output" })! > 0, "output tokens, by model");

    const retrievals = family(all, "docs_chat_retrievals_total", "counter");
    assert.equal(value(retrievals, { store: "qdrant", mode: "hybrid" }), 3);

    assert.equal(value(family(all, "docs_chat_streams_open", "gauge")), 0, "no chat in progress");
  });

  it("counts streams open while an answer streams", async () => {
    stack.gemini.setStreamProfile({ tokenDelayMs: 200, tokens: 5 });
    try {
      const response = await postChat(stack.app.url, { message: "What does the health endpoint report?" });
      const events = readEvents(response);
      await events.next();
      assert.equal(value(family(await families(stack.app.url), "docs_chat_streams_open", "gauge")), 1);
      for await (const _ of events);
    } finally {
      stack.gemini.setStreamProfile({ tokenDelayMs: 0, tokens: 20 });
    }
  });

  it("counts a model's thinking tokens apart", async () => {
    const thinking = await startStack({ METRICS_TOKEN: TOKEN, GEMINI_THINKING: "high" });
    try {
      await chat(thinking.app.url, { message: "How is a book ingested?" });
      const tokens = family(await families(thinking.app.url), "docs_chat_gemini_tokens_total", "counter");
      assert.ok(value(tokens, { model: thinking.app.deps.config.gemini.model, direction: "thinking" })! > 0);
    } finally {
      await thinking.close();
    }
  });
});
