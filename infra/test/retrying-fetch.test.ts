import assert from "node:assert/strict";
import { test } from "node:test";
import { rateLimitResetMs, retryingFetch, type RetryEvent } from "../http/retrying-fetch.ts";

/** A fetch that answers from a script, one response per call, recording what was asked. */
function scripted(answers: Array<() => Response>) {
  const calls: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    calls.push(`${init?.method ?? "GET"} ${String(input)}`);
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    return next();
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

test("a Hub 429 waits as its RateLimit header says (t+1 seconds), bounded, and says so", async () => {
  const { fetch, calls } = scripted([
    () => new Response('{"error":"rate limited"}', { status: 429, headers: { RateLimit: '"api";r=0;t=55' } }),
    () => new Response('{"error":"rate limited"}', { status: 429, headers: { RateLimit: '"api";r=0;t=900' } }),
    () => new Response("{}", { status: 200 }),
  ]);
  const waits: number[] = [];
  const events: RetryEvent[] = [];
  const retrying = retryingFetch({ fetch, sleep: async (ms) => void waits.push(ms), onRetry: (event) => events.push(event) });
  const response = await retrying("https://hub.example/api/spaces/o/n/runtime?token=x", { method: "POST" });
  assert.equal(response.status, 200);
  assert.equal(calls.length, 3);
  assert.deepEqual(waits, [56_000, 301_000], "t+1 seconds, at most the 5-minute window and a second");
  assert.deepEqual(
    events.map((e) => [e.reason, e.status, e.method, e.url, e.attempt, e.attempts]),
    [
      ["RateLimit", 429, "POST", "https://hub.example/api/spaces/o/n/runtime", 1, 5],
      ["RateLimit", 429, "POST", "https://hub.example/api/spaces/o/n/runtime", 2, 5],
    ],
    "each wait is reported, the URL without its query",
  );
});

test("Retry-After and backoff still apply; a 409 'already exists' is not retried, a conflicting operation is", async () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const a = scripted([() => new Response("", { status: 503, headers: { "Retry-After": "2" } }), () => new Response("", { status: 500 }), () => new Response("ok")]);
  assert.equal((await retryingFetch({ fetch: a.fetch, sleep, baseDelayMs: 100 })("https://x.example/")).status, 200);
  assert.deepEqual(waits, [2_000, 200]);

  const exists = scripted([() => new Response('{"error":"You already created this space repo"}', { status: 409 })]);
  assert.equal((await retryingFetch({ fetch: exists.fetch, sleep })("https://x.example/api/repos/create")).status, 409);
  assert.equal(exists.calls.length, 1);

  const busy = scripted([() => new Response('{"error":"There is another conflicting operation in progress"}', { status: 409 }), () => new Response("{}", { status: 200 })]);
  assert.equal((await retryingFetch({ fetch: busy.fetch, sleep })("https://x.example/api/repos/create")).status, 200);
  assert.equal(busy.calls.length, 2);
});

test("RateLimit headers: t is read wherever it stands; none, none", () => {
  assert.equal(rateLimitResetMs('"api";r=0;t=0'), 1_000);
  assert.equal(rateLimitResetMs('"resolvers";t=12;r=3'), 13_000);
  assert.equal(rateLimitResetMs('"api";r=10'), undefined);
  assert.equal(rateLimitResetMs(null), undefined);
});
