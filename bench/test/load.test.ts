import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { runLoad } from "../load.ts";
import { distribution, percentile } from "../stats.ts";

/** A contract server whose behaviour the question picks: ok, split, 503, error, cut, slow. */
async function contractServer(): Promise<{ url: string; server: Server; open: () => number; maxOpen: () => number }> {
  let open = 0;
  let maxOpen = 0;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const { message } = JSON.parse(raw) as { message: string };
    const kind = message.split(" ")[0];
    if (kind === "unavailable") {
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"busy"}');
      return;
    }
    open++;
    maxOpen = Math.max(maxOpen, open);
    res.writeHead(200, { "content-type": "text/event-stream" });
    const events = [
      `: keep-alive\n\n`,
      `data: ${JSON.stringify({ type: "metadata", conversation_id: "c1" })}\n\n`,
      ...["Hel", "lo\nworld", "!"].map((content) => `data: ${JSON.stringify({ type: "token", content })}\r\n\r\n`),
      kind === "error"
        ? `data: ${JSON.stringify({ type: "error", code: "upstream_error" })}\n\n`
        : kind === "cut"
          ? ""
          : `data: ${JSON.stringify({ type: "done", sources: [] })}\n\n`,
    ];
    const text = events.join("");
    if (kind === "split") {
      // Every byte in its own write: lines and even UTF-8 must be reassembled.
      for (const ch of text) {
        res.write(ch);
        await sleep(0);
      }
    } else {
      if (kind === "slow") await sleep(50);
      res.write(text);
    }
    res.end();
    open--;
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, open: () => open, maxOpen: () => maxOpen };
}

describe("load generator", () => {
  let target: Awaited<ReturnType<typeof contractServer>>;
  before(async () => {
    target = await contractServer();
  });
  after(() => target.server.close());

  const load = (kind: string, extra: { concurrency?: number; chats?: number } = {}) =>
    runLoad({ baseUrl: target.url, concurrency: extra.concurrency ?? 1, chats: extra.chats ?? 1, question: (i) => `${kind} ${i}`, timeoutMs: 5_000 });

  test("reads a whole stream: tokens counted, first-token time measured", async () => {
    const { outcomes } = await load("ok");
    assert.equal(outcomes.length, 1);
    const [o] = outcomes;
    assert.equal(o!.ok, true);
    assert.equal(o!.tokens, 3);
    assert.ok(o!.firstTokenMs! > 0 && o!.firstTokenMs! <= o!.totalMs);
    assert.equal(o!.error, undefined);
  });

  test("reassembles lines split across any number of reads", async () => {
    const { outcomes } = await load("split");
    assert.equal(outcomes[0]!.ok, true);
    assert.equal(outcomes[0]!.tokens, 3);
  });

  test("a non-2xx status, an error event and a stream without done are errors", async () => {
    const [unavailable] = (await load("unavailable")).outcomes;
    assert.deepEqual([unavailable!.ok, unavailable!.status, unavailable!.error], [false, 503, "http_503"]);
    const [errored] = (await load("error")).outcomes;
    assert.deepEqual([errored!.ok, errored!.error, errored!.tokens], [false, "error_event:upstream_error", 3]);
    const [cut] = (await load("cut")).outcomes;
    assert.deepEqual([cut!.ok, cut!.error], [false, "no_done"]);
  });

  test("holds the requested number of chats open at once", async () => {
    const result = await load("slow", { concurrency: 20, chats: 40 });
    assert.equal(result.outcomes.length, 40);
    assert.ok(result.outcomes.every((o) => o.ok));
    assert.equal(result.maxInFlight, 20);
    assert.equal(target.maxOpen(), 20);
  });

  test("numbers each client's chats, so the ones begun after its first can be told apart", async () => {
    const result = await load("slow", { concurrency: 3, chats: 9 });
    const rounds = result.outcomes.map((o) => o.round).sort();
    assert.deepEqual(rounds, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  test("a duration bound stops starting chats", async () => {
    const started = performance.now();
    const result = await runLoad({ baseUrl: target.url, concurrency: 2, durationMs: 200, question: (i) => `slow ${i}`, timeoutMs: 5_000 });
    assert.ok(performance.now() - started < 1_000);
    assert.ok(result.outcomes.length >= 2 && result.outcomes.length <= 12, `${result.outcomes.length} chats`);
  });
});

describe("stats", () => {
  test("nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile(values, 100), 100);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 50), null);
    assert.deepEqual(distribution([3, 1, 2]), { count: 3, p50: 2, p95: 3, p99: 3, max: 3 });
  });
});
