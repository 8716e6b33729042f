import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { startGeminiEmulator, type GeminiEmulator } from "../../emulators/gemini/gemini.ts";
import { GeminiError } from "../src/gemini/gemini-error.ts";
import { GeminiStreamClient, type StreamGenerateRequest } from "../src/gemini/stream-client.ts";

const request: StreamGenerateRequest = { contents: [{ role: "user", parts: [{ text: "What is ROS 2?" }] }], systemInstruction: "Answer from the book.", temperature: 0.2 };

type StreamCall = (onText: (text: string) => void) => Promise<unknown>;

/** The pieces of a stream that ends well. */
async function collect(call: StreamCall): Promise<string[]> {
  const pieces: string[] = [];
  await call((text) => pieces.push(text));
  return pieces;
}

/** The pieces that came before a stream failed, and its error. */
async function collectUntilFailure(call: StreamCall): Promise<{ pieces: string[]; err: unknown }> {
  const pieces: string[] = [];
  const err = await call((text) => pieces.push(text)).then(
    () => assert.fail("resolved"),
    (e: unknown) => e,
  );
  return { pieces, err };
}

describe("GeminiStreamClient against the Gemini emulator", () => {
  let gemini: GeminiEmulator;
  before(async () => {
    gemini = await startGeminiEmulator();
  });
  after(() => gemini.close());
  beforeEach(() => gemini.reset());

  const client = () => new GeminiStreamClient({ apiKey: gemini.apiKey, baseUrl: gemini.url });

  it("streams the answer's pieces in order and sends what the API expects", async () => {
    gemini.setStreamProfile({ tokens: 12 });
    gemini.setAnswer("ROS 2 is a set of libraries for robots, and this is the whole answer.");
    const pieces = await collect((onText) => client().stream("models/gemini-3.5-flash-lite", request, new AbortController().signal, onText));
    assert.equal(pieces.length, 12);
    assert.equal(pieces.join(""), "ROS 2 is a set of libraries for robots, and this is the whole answer.");

    const [call] = gemini.requests;
    assert.equal(call!.path, "/v1beta/models/gemini-3.5-flash-lite:streamGenerateContent");
    assert.equal(call!.kind, "stream");
    assert.ok(call!.apiKeyPresent);
    assert.deepEqual(call!.body, {
      contents: request.contents,
      systemInstruction: { parts: [{ text: "Answer from the book." }] },
      generationConfig: { temperature: 0.2 },
    });
  });

  it("reuses one connection for streams one after another", async () => {
    const c = client();
    for (let i = 0; i < 3; i++) await collect((onText) => c.stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText));
    assert.equal(gemini.requests.length, 3);
    assert.equal(gemini.activeStreams(), 0);
  });

  it("fails a 429 with a GeminiError carrying the body's status name and RetryInfo", async () => {
    gemini.setFault({ kind: "status", status: 429, retryAfter: 17, route: "generate" });
    const { err } = await collectUntilFailure((onText) => client().stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText));
    assert.ok(err instanceof GeminiError);
    assert.equal(err.status, 429);
    assert.equal(err.code, "RESOURCE_EXHAUSTED");
    assert.equal(err.retryDelaySeconds, 17);
    assert.equal(err.retryable, true);
  });

  it("fails a stream cut mid-answer after the pieces that came", async () => {
    gemini.setStreamProfile({ tokens: 10 });
    gemini.setFault({ kind: "cut", afterTokens: 4, route: "generate" });
    const { pieces, err } = await collectUntilFailure((onText) => client().stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText));
    assert.ok(err instanceof Error);
    assert.equal(pieces.length, 4);
  });

  it("closes the upstream request when the signal aborts", async () => {
    gemini.setStreamProfile({ tokens: 50, tokenDelayMs: 20 });
    const controller = new AbortController();
    let received = 0;
    const { pieces, err } = await collectUntilFailure((onText) =>
      client().stream("gemini-3.5-flash-lite", request, controller.signal, (text) => {
        onText(text);
        if (text && ++received === 3) controller.abort();
      }),
    );
    assert.equal((err as Error).name, "AbortError");
    assert.equal(pieces.length, 3, "no piece after the abort");
    for (let i = 0; i < 50 && gemini.activeStreams() > 0; i++) await sleep(10);
    assert.equal(gemini.activeStreams(), 0);
  });
});

describe("GeminiStreamClient on the edges of the SSE format", () => {
  let server: Server;
  let url: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  before(async () => {
    server = createServer((req, res) => void respond(req, res));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/prefix`;
  });
  after(() => server.close());

  const chunk = (text: string, extra: object = {}) => JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text, ...extra }] } }] });
  const client = () => new GeminiStreamClient({ apiKey: "k", baseUrl: url });

  it("reads events split across writes, with \\n\\n or \\r\\n\\r\\n endings, and leaves thoughts out", async () => {
    let path = "";
    respond = async (req, res) => {
      path = req.url ?? "";
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      const stream = `data: ${chunk("Hello")}\r\n\r\ndata: ${chunk("thinking...", { thought: true })}\n\ndata: ${chunk(", world")}\n\n`;
      for (let i = 0; i < stream.length; i += 7) {
        res.write(stream.slice(i, i + 7));
        await sleep(1);
      }
      res.end();
    };
    assert.deepEqual(await collect((onText) => client().stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText)), ["Hello", ", world"]);
    assert.equal(path, "/prefix/v1beta/models/gemini-3.5-flash-lite:streamGenerateContent?alt=sse");
  });

  it("resolves with the last chunk's usage, finish reason and model; earlier chunks carry only the prompt's count", async () => {
    // Gemini's streams: every chunk has usageMetadata, the last one the answer's and thinking's counts.
    const usageChunk = (text: string, usage: object, extra: object = {}) =>
      JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...extra }], usageMetadata: usage, modelVersion: "gemini-3.5-flash", responseId: "r-1" });
    respond = (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`data: ${usageChunk("An ", { promptTokenCount: 120, totalTokenCount: 120 })}\r\n\r\n`);
      res.end(`data: ${usageChunk("answer.", { promptTokenCount: 120, candidatesTokenCount: 9, thoughtsTokenCount: 33, totalTokenCount: 162 }, { finishReason: "STOP" })}\r\n\r\n`);
    };
    const outcome = await client().stream("gemini-3.5-flash", request, new AbortController().signal, () => undefined);
    assert.deepEqual(outcome, {
      usage: { model: "gemini-3.5-flash", inputTokens: 120, outputTokens: 9, thinkingTokens: 33, totalTokens: 162 },
      finishReason: "STOP",
      responseModel: "gemini-3.5-flash",
      responseId: "r-1",
    });
  });

  it("resolves without usage when the stream said nothing of it", async () => {
    respond = (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${chunk("No counts here.")}\n\n`);
    };
    const outcome = await client().stream("gemini-2.5-flash", request, new AbortController().signal, () => undefined);
    assert.equal(outcome.usage, undefined);
    assert.equal(outcome.finishReason, undefined);
  });

  it("sends a request again on a new socket when the server closed the kept-alive one as it was reused", async () => {
    const c = client();
    let requests = 0;
    respond = (req, res) => {
      req.resume();
      requests++;
      // The second request arrives on the first one's socket: close it unanswered, as a
      // server whose keep-alive timeout ran out at that moment does.
      if (requests === 2) return void req.socket.destroy();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${chunk(`answer ${requests}`)}\n\n`);
    };
    assert.deepEqual(await collect((onText) => c.stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText)), ["answer 1"]);
    assert.deepEqual(await collect((onText) => c.stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText)), ["answer 3"]);
    assert.equal(requests, 3);
  });

  it("turns an error event after the 200 into a GeminiError with its code", async () => {
    respond = (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: ${chunk("Part")}\n\ndata: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\n\n`);
    };
    const { pieces, err } = await collectUntilFailure((onText) => client().stream("gemini-3.5-flash-lite", request, new AbortController().signal, onText));
    assert.deepEqual(pieces, ["Part"]);
    assert.ok(err instanceof GeminiError);
    assert.equal(err.status, 503);
    assert.equal(err.code, "UNAVAILABLE");
    assert.equal(err.retryDelaySeconds, undefined);
  });

  it("reports a non-JSON error body with its status, and an event that is not JSON", async () => {
    respond = (req, res) => {
      req.resume();
      res.writeHead(502, { "content-type": "text/html" });
      res.end("<html>Bad Gateway</html>");
    };
    await assert.rejects(collect((onText) => client().stream("m", request, new AbortController().signal, onText)), (err: unknown) => err instanceof GeminiError && err.status === 502 && err.code === undefined && /Bad Gateway/.test(err.message));

    respond = (req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end("data: {not json\n\n");
    };
    await assert.rejects(collect((onText) => client().stream("m", request, new AbortController().signal, onText)), /not JSON: \{not json/);
  });
});
