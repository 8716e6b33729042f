import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { freshPglite } from "./support/databases.ts";
import { startTestApp, type TestApp } from "./support/harness.ts";

/**
 * The rate limit's bucket is the client address: with TRUST_PROXY_HOPS=N, the Nth address
 * from the right of X-Forwarded-For plus the socket's. Each chat below is refused as
 * malformed (400) after the limiter counted it, so no answer is generated.
 */
async function chatStatus(app: TestApp, forwardedFor: string | undefined): Promise<number> {
  const response = await fetch(`${app.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor }) },
    body: "{}",
  });
  await response.arrayBuffer();
  return response.status;
}

async function withApp(hops: number, fn: (app: TestApp) => Promise<void>): Promise<void> {
  const { db } = await freshPglite();
  const app = await startTestApp({ env: { TRUST_PROXY_HOPS: String(hops), RATE_LIMIT_PER_MINUTE: "2", SAMPLE_DOCS_DIR: "/nonexistent" }, overrides: { db } });
  try {
    await fn(app);
  } finally {
    await app.close();
  }
}

describe("the client address behind the proxy", () => {
  it("one hop: the rightmost entry is the client; entries left of it and entries that are not addresses do not make new buckets", () =>
    withApp(1, async (app) => {
      assert.deepEqual([await chatStatus(app, "203.0.113.7"), await chatStatus(app, "203.0.113.7")], [400, 400]);
      assert.equal(await chatStatus(app, "203.0.113.7"), 429, "the third chat of one address in a minute");
      assert.equal(await chatStatus(app, "198.51.100.1, 203.0.113.7"), 429, "a forged entry on the left changes nothing");
      assert.equal(await chatStatus(app, "203.0.113.8"), 400, "another client has its own bucket");

      // Not addresses: ignored, so these fall back to the socket's address, one bucket.
      const statuses = [await chatStatus(app, "not-an-ip"), await chatStatus(app, "also not one"), await chatStatus(app, "203.0.113.999")];
      assert.deepEqual(statuses, [400, 400, 429]);
      assert.equal(await chatStatus(app, undefined), 429, "the same bucket as a request without the header");
    }));

  it("two hops: the second entry from the right is the client, whatever is forged on its left", () =>
    withApp(2, async (app) => {
      const client = "203.0.113.9, 10.16.3.80";
      assert.deepEqual([await chatStatus(app, client), await chatStatus(app, client)], [400, 400]);
      assert.equal(await chatStatus(app, `198.51.100.2, ${client}`), 429);
      assert.equal(await chatStatus(app, "203.0.113.9, 10.16.3.81"), 429, "another proxy instance, the same client");
      assert.equal(await chatStatus(app, "203.0.113.10, 10.16.3.80"), 400, "another client");
      assert.equal(await chatStatus(app, "2001:db8::1, 10.16.3.80"), 400, "an IPv6 client");
      assert.equal(await chatStatus(app, "not-an-ip, 10.16.3.80"), 400, "an entry that is no address: the proxy's address is next");
    }));
});
