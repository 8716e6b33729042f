import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { freshPglite } from "./support/databases.ts";
import { postChat, startTestApp, type TestApp } from "./support/harness.ts";

// The embedded defaults, with CORS and rate limits configured as a deployment would.
describe("HTTP edges: CORS, rate limit, security headers, pages", () => {
  let app: TestApp;
  before(async () => {
    const { db } = await freshPglite();
    app = await startTestApp({
      env: {
        ALLOWED_ORIGINS: "https://book.example.com,https://*-myteam.vercel.app",
        RATE_LIMIT_PER_MINUTE: "3",
        TRUST_PROXY_HOPS: "1",
        SAMPLE_DOCS_DIR: "",
      },
      overrides: { db },
    });
  });
  after(() => app.close());

  it("answers a preflight from an allowed origin, without credentials", async () => {
    const response = await fetch(`${app.url}/api/chat`, {
      method: "OPTIONS",
      headers: { Origin: "https://pr-12-myteam.vercel.app", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get("access-control-allow-origin"), "https://pr-12-myteam.vercel.app");
    assert.match(response.headers.get("access-control-allow-methods")!, /POST/);
    assert.match(response.headers.get("access-control-allow-headers")!, /content-type/i);
    assert.equal(response.headers.get("access-control-allow-credentials"), null);
  });

  it("gives a disallowed origin no CORS headers", async () => {
    const response = await fetch(`${app.url}/api/health/live`, { headers: { Origin: "https://evil.example" } });
    assert.equal(response.headers.get("access-control-allow-origin"), null);
    const preflight = await fetch(`${app.url}/api/chat`, {
      method: "OPTIONS",
      headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "POST" },
    });
    assert.equal(preflight.headers.get("access-control-allow-origin"), null);
  });

  it("limits a burst from one address and still serves another", async () => {
    const from = (ip: string) => postChat(app.url, { message: "" }, { headers: { "X-Forwarded-For": ip } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await from("203.0.113.7")).status);
    assert.deepEqual(statuses, [400, 400, 400, 429, 429]);
    const limited = await from("203.0.113.7");
    assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "rate_limited");
    assert.ok(limited.headers.get("retry-after"));
    assert.equal((await from("198.51.100.9")).status, 400, "another address is served");
  });

  it("trusts only the proxy's hop of X-Forwarded-For: a forged left-most address changes nothing", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await postChat(app.url, { message: "" }, { headers: { "X-Forwarded-For": `10.0.0.${i}, 192.0.2.44` } })).status);
    }
    assert.deepEqual(statuses, [400, 400, 400, 429]);
  });

  it("sends security headers that still let the Space page frame the chat", async () => {
    const response = await fetch(`${app.url}/`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /text\/html/);
    const csp = response.headers.get("content-security-policy")!;
    assert.match(csp, /frame-ancestors 'self' https:\/\/huggingface\.co https:\/\/\*\.hf\.space/);
    assert.match(csp, /script-src 'self'/);
    assert.equal(response.headers.get("x-frame-options"), null);
    assert.equal(response.headers.get("x-content-type-options"), "nosniff");
    assert.equal(response.headers.get("x-powered-by"), null);
  });

  it("answers a known path asked with a method it does not take with 405 and Allow", async () => {
    for (const [method, path, allow] of [["GET", "/api/chat", "POST"], ["DELETE", "/api/health", "GET, HEAD"], ["PUT", "/api/conversation/x", "GET, HEAD"]] as const) {
      const response = await fetch(`${app.url}${path}`, { method });
      assert.equal(response.status, 405, `${method} ${path}`);
      assert.equal(response.headers.get("allow"), allow);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, "method_not_allowed");
    }
  });

  it("answers unknown routes with a JSON 404", async () => {
    const response = await fetch(`${app.url}/api/nope`);
    assert.equal(response.status, 404);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, "not_found");
  });

  it("echoes a safe X-Request-Id and makes one up otherwise", async () => {
    const given = await fetch(`${app.url}/api/health/live`, { headers: { "X-Request-Id": "abc-123" } });
    assert.equal(given.headers.get("x-request-id"), "abc-123");
    const forged = await fetch(`${app.url}/api/health/live`, { headers: { "X-Request-Id": "<script>" } });
    assert.match(forged.headers.get("x-request-id")!, /^[0-9a-f-]{36}$/);
  });
});
