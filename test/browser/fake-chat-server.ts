// A test server for the chat page: serves service/public/ with the app's security headers
// and fakes the API as /work/shared/CONTRACT.md defines it, so tests can script failures
// the real service only shows under load (429, a mid-stream error, a slow start).
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self' https://huggingface.co https://*.hf.space";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface Source {
  file: string;
  heading: string;
  similarity: number;
  url?: string;
}

interface StoredMessage {
  id: string;
  role: "user" | "assistant";
  content: string;
  sources: Source[] | null;
  incomplete: boolean;
  created_at: string;
}

/** How the next POST /api/chat is answered; unscripted requests get the default answer. */
export type ChatScript =
  | { kind: "json"; status: number; body: unknown; headers?: Record<string, string> }
  /** Breaks the connection without an HTTP answer: fetch fails as on a network failure. */
  | { kind: "drop" }
  | {
      kind: "stream";
      tokens: string[];
      sources?: Source[];
      /** How the stream ends: `done`, an `error` event, or a dropped connection. */
      end?: { type: "done" } | { type: "error"; code: string; message: string } | { type: "drop" };
      /** Awaited before token `index` is sent, and with `tokens.length` before the end: lets a test release them one by one. */
      beforeToken?: (index: number) => Promise<void>;
    };

export const DEFAULT_TOKENS = ["To build ", "the workspace, ", "run `colcon build`", " in its root.\n\n", "Then source ", "`install/setup.bash`."];
export const DEFAULT_SOURCES: Source[] = [
  { file: "docs/module-01/chapter-02.md", heading: "Workspaces > Building", similarity: 0.8312, url: "https://book.example.com/module-01/chapter-02" },
  { file: "docs/module-01/chapter-03.md", heading: "Overlays", similarity: 0.7049 },
];

export interface FakeChatServer {
  url: string;
  /** What GET /api/health reports; "starting" also makes the API answer 503 service_starting. */
  health: "starting" | "healthy";
  script: ChatScript[];
  /** Bodies of every POST /api/chat, in order. */
  chatBodies: Array<Record<string, unknown>>;
  /** Times of every GET /api/health. */
  healthPolls: number[];
  conversationReads: string[];
  /** Streams the client closed before their end. */
  abortedStreams: number;
  conversations: Map<string, StoredMessage[]>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export async function startFakeChatServer(publicDir: string, extraPages: Record<string, string> = {}): Promise<FakeChatServer> {
  const fake: FakeChatServer = {
    url: "",
    health: "healthy",
    script: [],
    chatBodies: [],
    healthPolls: [],
    conversationReads: [],
    abortedStreams: 0,
    conversations: new Map(),
    close: async () => {},
  };

  const sendError = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...headers });
    res.end(JSON.stringify({ error: { code, message } }));
  };

  const store = (conversationId: string, role: StoredMessage["role"], content: string, sources: Source[] | null, incomplete = false) => {
    const list = fake.conversations.get(conversationId) ?? [];
    list.push({ id: randomUUID(), role, content, sources, incomplete, created_at: new Date().toISOString() });
    fake.conversations.set(conversationId, list);
  };

  async function chat(req: IncomingMessage, res: ServerResponse) {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendError(res, 400, "invalid_request", "The request body is not valid JSON.");
    }
    fake.chatBodies.push(body);
    const scripted = fake.script.shift();
    if (scripted?.kind === "json") {
      res.writeHead(scripted.status, { "Content-Type": "application/json; charset=utf-8", ...scripted.headers });
      return res.end(JSON.stringify(scripted.body));
    }
    // A malformed answer fails the fetch for sure; a bare reset would be retried by the
    // browser when the connection was a reused one.
    if (scripted?.kind === "drop") return req.socket.end("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
    if (fake.health === "starting") {
      return sendError(res, 503, "service_starting", "The service is starting up. Please try again in a few seconds.", { "Retry-After": "5" });
    }
    const message = body.message;
    if (typeof message !== "string" || message.trim() === "" || message.length > 2000) {
      return sendError(res, 400, "invalid_request", "message must be 1 to 2000 characters");
    }
    const given = body.conversation_id;
    if (given !== undefined && given !== null && (typeof given !== "string" || !UUID.test(given))) {
      return sendError(res, 400, "invalid_request", "conversation_id must be a UUID");
    }
    if (typeof given === "string" && !fake.conversations.has(given)) {
      return sendError(res, 404, "not_found", "No conversation has this conversation_id.");
    }
    const conversationId = typeof given === "string" ? given : randomUUID();
    store(conversationId, "user", message, null);

    const plan = scripted ?? { kind: "stream" as const, tokens: DEFAULT_TOKENS };
    const sources = plan.sources ?? DEFAULT_SOURCES;
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive" });
    res.flushHeaders();
    const send = (event: Record<string, unknown>) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    let closed = false;
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true;
        fake.abortedStreams++;
      }
    });

    send({ type: "metadata", conversation_id: conversationId });
    res.write(": keep-alive\n\n"); // comments must be skipped by the client
    let answer = "";
    for (const [index, token] of plan.tokens.entries()) {
      if (plan.beforeToken) await plan.beforeToken(index);
      else await delay(40);
      if (closed) return store(conversationId, "assistant", answer, sources, true);
      answer += token;
      send({ type: "token", content: token });
    }
    if (plan.beforeToken) await plan.beforeToken(plan.tokens.length);
    const end = plan.end ?? { type: "done" };
    if (end.type === "drop") {
      store(conversationId, "assistant", answer, sources, true);
      // Let the tokens reach the client first, then cut the stream without its last chunk.
      await delay(100);
      return req.socket.destroy();
    }
    if (end.type === "error") {
      store(conversationId, "assistant", answer, sources, true);
      send({ type: "error", code: end.code, message: end.message, conversation_id: conversationId });
    } else {
      store(conversationId, "assistant", answer, sources);
      send({ type: "done", sources, conversation_id: conversationId, saved: true });
    }
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Content-Type-Options", "nosniff");

    if (req.method === "POST" && path === "/api/chat") return chat(req, res);
    if (req.method === "GET" && path === "/api/health") {
      fake.healthPolls.push(Date.now());
      const healthy = fake.health === "healthy";
      res.writeHead(healthy ? 200 : 503, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
      return res.end(JSON.stringify({ status: fake.health, services: { postgres: { status: healthy ? "healthy" : "unhealthy" } }, timestamp: new Date().toISOString() }));
    }
    const conversation = /^\/api\/conversation\/([^/]+)$/.exec(path);
    if (req.method === "GET" && conversation) {
      const id = decodeURIComponent(conversation[1]!);
      fake.conversationReads.push(id);
      if (fake.health === "starting") return sendError(res, 503, "service_starting", "The service is starting up.", { "Retry-After": "5" });
      if (!UUID.test(id)) return sendError(res, 400, "invalid_request", "The conversation id must be a UUID.");
      const messages = fake.conversations.get(id);
      if (!messages) return sendError(res, 404, "not_found", "No conversation has this id.");
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
      return res.end(JSON.stringify({ conversation_id: id, messages }));
    }
    if (path.startsWith("/api/")) return sendError(res, 404, "not_found", `No route for ${req.method} ${path}.`);

    if (req.method === "GET" && extraPages[path] !== undefined) {
      res.writeHead(200, { "Content-Type": TYPES[".html"]! });
      return res.end(extraPages[path]);
    }
    const file = normalize(path === "/" ? "/index.html" : path);
    if (req.method === "GET" && !file.includes("..") && TYPES[extname(file)]) {
      try {
        const content = await readFile(join(publicDir, file));
        res.writeHead(200, { "Content-Type": TYPES[extname(file)]! });
        return res.end(content);
      } catch {
        // falls through to 404
      }
    }
    sendError(res, 404, "not_found", `No route for ${req.method} ${path}.`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, "internal_error", String(err));
      else res.destroy();
    });
  });
  server.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
