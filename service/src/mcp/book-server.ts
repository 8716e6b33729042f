import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { MESSAGE_MAX_CHARS } from "../chat/chat-request.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { BookTools } from "./book-tools.ts";

export const MAX_PASSAGES = 20;

const passage = z.object({
  title: z.string().describe("The page's title."),
  heading: z.string().describe("The section's heading path, joined with ' > '."),
  url: z.string().describe("The page on the book's site, at the section (#anchor) when it has one."),
  file: z.string().describe("The page's file in the book's docs folder."),
  similarity: z.number().describe("Cosine similarity of the passage to the query."),
  text: z.string().describe("The passage's Markdown."),
});

const page = z.object({
  file: z.string(),
  title: z.string(),
  url: z.string(),
  chunks: z.array(z.object({ heading: z.string(), url: z.string(), text: z.string() })).describe("The page's passages, in the page's order."),
});

/**
 * The book as an MCP server: two read-only tools over the same retrieval as the chat. One
 * server per request (stateless): nothing outlives the call, and no conversation is stored.
 */
export function bookServer(tools: BookTools, log: Logger): McpServer {
  const server = new McpServer(
    { name: "docs-chat", version: "1.0.0" },
    { instructions: "Search the book with search_book, then read a whole page with read_page (its url or file, from a result)." },
  );
  const readOnly = { readOnlyHint: true, idempotentHint: true, openWorldHint: false };

  server.registerTool(
    "search_book",
    {
      title: "Search the book",
      description:
        "The book's passages closest to a query, by meaning and by words, best first, each with its page, section heading, link and text. Empty when the book does not cover the query.",
      inputSchema: {
        query: z.string().trim().min(1).max(MESSAGE_MAX_CHARS).describe("What to look for, in words (a question, a term, an error message)."),
        k: z.number().int().min(1).max(MAX_PASSAGES).optional().describe("How many passages to search for (default: the chat's)."),
      },
      outputSchema: { passages: z.array(passage) },
      annotations: readOnly,
    },
    async ({ query, k }, extra) =>
      answer(log, "search_book", async () => {
        const passages = await tools.searchBook(query, k, extra.signal);
        return { passages };
      }),
  );

  server.registerTool(
    "read_page",
    {
      title: "Read a page of the book",
      description: "A whole page of the book, its passages in order, by its url (as search_book returns it) or its file path in the docs folder.",
      inputSchema: { page: z.string().trim().min(1).max(2_000).describe("The page's url (an anchor is ignored) or its file path, e.g. docs/guide/setup.md.") },
      outputSchema: page.shape,
      annotations: readOnly,
    },
    async ({ page: reference }, extra) =>
      answer(log, "read_page", async () => {
        const found = await tools.readPage(reference, extra.signal);
        if (found === null) throw new AppError("not_found", `The book has no page ${JSON.stringify(reference)}: give a url or file that search_book returned.`);
        return found;
      }),
  );
  return server;
}

/**
 * A tool's result: its structured content, and the same as JSON text for clients that read
 * only text. A known error is the tool's error, in its words; anything else is logged and
 * said in a sentence that reveals nothing.
 */
async function answer(log: Logger, tool: string, run: () => Promise<object>) {
  try {
    const structured = { ...(await run()) };
    return { content: [{ type: "text" as const, text: JSON.stringify(structured) }], structuredContent: structured };
  } catch (err) {
    const known = err instanceof AppError;
    if (!known || err.status >= 500) log.warn({ err, tool }, "MCP tool failed");
    const message = known ? err.message : "The book could not be read just now. Please try again.";
    return { content: [{ type: "text" as const, text: message }], isError: true };
  }
}
