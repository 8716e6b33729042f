import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { Router } from "express";
import type { Readiness } from "../health/readiness.ts";
import { bookServer } from "../mcp/book-server.ts";
import type { BookTools } from "../mcp/book-tools.ts";

/**
 * POST /mcp: the book over the Model Context Protocol (Streamable HTTP, stateless): each
 * request gets its own server and transport, closed with the response. The transport reads
 * and answers the JSON-RPC itself (parse errors, Accept and content-type checks). GET and
 * DELETE, which only sessions use, are 405.
 */
export function mcpRouter(options: { tools: BookTools; readiness: Readiness }): Router {
  const router = Router();
  router.post("/mcp", async function mcpHandler(req, res) {
    options.readiness.assertReady();
    const server = bookServer(options.tools, req.log);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  return router;
}
