import { Router, type Request, type Response } from "express";
import type { Logger } from "../logger.ts";
import { AppError, isAbortError } from "../errors.ts";
import type { ActiveStreams } from "../chat/active-streams.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import type { ChatService, PreparedChat } from "../chat/chat-service.ts";
import { SseStream } from "../http/sse.ts";
import { parseBody } from "../http/validate.ts";
import type { Readiness } from "../health/readiness.ts";

export interface ChatRouteOptions {
  chat: ChatService;
  streams: ActiveStreams;
  readiness: Readiness;
  selectionMaxChars: number;
  keepAliveMs: number;
  generationTimeoutMs: number;
}

/** Why a stream was ended from our side; stored with the incomplete answer. */
export class StreamStop extends Error {
  readonly code: string;
  constructor(code: "client_disconnected" | "shutting_down") {
    super(code);
    this.name = "AbortError";
    this.code = code;
  }
}

/** POST /api/chat: validate, prepare (store, retrieve), then stream the answer as SSE. */
export function chatRouter(options: ChatRouteOptions): Router {
  const schema = chatRequestSchema(options.selectionMaxChars);
  const router = Router();

  router.post("/api/chat", async function chatHandler(req: Request, res: Response) {
    const body = parseBody(schema, req.body);
    options.readiness.assertReady();

    const controller = new AbortController();
    const unregister = options.streams.add(controller);
    // `close` before the response finished means the client went away.
    res.on("close", () => {
      if (!res.writableFinished) controller.abort(new StreamStop("client_disconnected"));
    });
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(options.generationTimeoutMs)]);
    try {
      const prepared = await options.chat.prepare(body, signal);
      await streamAnswer(prepared, res, signal, options, req.log);
    } finally {
      unregister();
    }
  });

  return router;
}

async function streamAnswer(prepared: PreparedChat, res: Response, signal: AbortSignal, options: ChatRouteOptions, log: Logger): Promise<void> {
  const sse = new SseStream(res, { keepAliveMs: options.keepAliveMs });
  sse.open();
  sse.send({ type: "metadata", conversation_id: prepared.conversationId });

  let answer = "";
  try {
    for await (const piece of options.chat.generate(prepared, signal)) {
      answer += piece;
      sse.send({ type: "token", content: piece });
    }
  } catch (err) {
    const failure = describeFailure(err, signal);
    const saved = await options.chat.finish(prepared, answer, { incomplete: true, errorCode: failure.code });
    if (failure.code === "client_disconnected") {
      log.info({ conversation_id: prepared.conversationId, saved }, "client disconnected mid-stream");
    } else {
      log.warn({ err, conversation_id: prepared.conversationId, saved }, "answer stream failed");
    }
    sse.send({ type: "error", code: failure.code, message: failure.message, conversation_id: prepared.conversationId });
    sse.end();
    return;
  }

  const saved = await options.chat.finish(prepared, answer, { incomplete: false });
  if (!saved) log.error({ conversation_id: prepared.conversationId }, "answer streamed but not stored");
  sse.send({ type: "done", sources: prepared.sources, conversation_id: prepared.conversationId, saved });
  sse.end();
}

function describeFailure(err: unknown, signal: AbortSignal): { code: string; message: string } {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof StreamStop && reason.code === "shutting_down") {
    return { code: "shutting_down", message: "The server is restarting. Please ask again in a moment." };
  }
  if (reason instanceof StreamStop) return { code: reason.code, message: "The client disconnected." };
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return { code: "upstream_timeout", message: "The answer took too long and was stopped." };
  }
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (isAbortError(err)) return { code: "upstream_error", message: "The answer was interrupted." };
  return { code: "upstream_error", message: "The answer was interrupted by an upstream failure." };
}
