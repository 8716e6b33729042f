import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { JsonEndpoint } from "../src/http/json-endpoint.ts";

describe("JsonEndpoint", () => {
  let server: Server;
  let base: string;
  let respond: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  before(async () => {
    server = createServer(async (req, res) => {
      let body = "";
      for await (const piece of req) body += piece;
      respond(req, res, body);
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  it("posts JSON under the base URL's path with its headers, and returns any status with its body", async () => {
    const seen: Array<{ url?: string; key?: string | string[]; type?: string; body: string }> = [];
    respond = (req, res, body) => {
      seen.push({ url: req.url, key: req.headers["x-api-key"], type: req.headers["content-type"], body });
      res.writeHead(seen.length === 1 ? 200 : 404, { "content-type": "application/json" }).end('{"ok":true}');
    };
    const api = new JsonEndpoint(`${base}/prefix/`, { "x-api-key": "k1" });
    assert.deepEqual(await api.post("/models/m:embed", { a: 1 }), { status: 200, text: '{"ok":true}' });
    assert.equal((await api.post("other", {})).status, 404);
    assert.deepEqual(seen[0], { url: "/prefix/models/m:embed", key: "k1", type: "application/json", body: '{"a":1}' });
    await api.close();
  });

  it("tries once more when the connection drops before the answer, and no more than once", async () => {
    let requests = 0;
    let drops = 1;
    respond = (req, res) => {
      requests++;
      if (requests > 1 && drops-- > 0) return void req.socket.destroy();
      res.end(String(requests));
    };
    const api = new JsonEndpoint(base);
    assert.equal((await api.post("x", {})).text, "1");
    // The kept-alive socket is closed unanswered, as by a server whose idle timeout ran out.
    assert.equal((await api.post("x", {})).text, "3");

    drops = 2;
    await assert.rejects(api.post("x", {}), (err: { code?: string }) => err.code === "UND_ERR_SOCKET" || err.code === "ECONNRESET");
    await api.close();
  });

  it("rejects with the signal's reason when aborted", async () => {
    respond = () => undefined; // never answers
    const api = new JsonEndpoint(base);
    const controller = new AbortController();
    const reason = new DOMException("stop", "AbortError");
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(api.post("x", {}, controller.signal), (err: unknown) => err === reason);
    await api.close().catch(() => undefined);
  });
});
