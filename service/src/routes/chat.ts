import { Router, type Request, type Response } from "express";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { ActiveStreams } from "../chat/active-streams.ts";
import type { OpenAnswers } from "../chat/open-answers.ts";
import { tokenJson, type ChatEvent } from "../chat/chat-event.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import type { ChatService, PreparedChat, UnpreparedChat } from "../chat/chat-service.ts";
import { StreamStop } from "../chat/stream-stop.ts";
import { DATABASE_UNAVAILABLE } from "../db/conversation-store.ts";
import { MAX_BUFFERED_BYTES, SseStream } from "../http/sse.ts";
import { parseBody } from "../http/validate.ts";
import type { Readiness } from "../health/readiness.ts";

export interface ChatRouteOptions {
  chat: ChatService;
  streams: ActiveStreams;
  /** Where POST /api/answers/{id}/stop finds the answer this stream writes. */
  answers: OpenAnswers;
  readiness: Readiness;
  settings: Pick<Config, "selectionMaxChars" | "keepAliveMs" | "generationTimeoutMs" | "sseWriteTimeoutMs">;
}

/** POST /api/chat: validate, prepare (store, retrieve), then stream the answer as SSE. */
export function chatRouter(options: ChatRouteOptions): Router {
  const schema = chatRequestSchema(options.settings.selectionMaxChars);
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
    // A timer cleared when the chat ends, rather than AbortSignal.timeout, which keeps the
    // signal and every listener the SDK attached to it alive for the whole timeout.
    const timer = setTimeout(
      () => controller.abort(new DOMException("The answer took too long.", "TimeoutError")),
      options.settings.generationTimeoutMs,
    );
    try {
      const prepared = await options.chat.prepare(body, controller.signal);
      const close = options.answers.open(prepared.answerId, () => controller.abort(new StreamStop("stopped_by_reader")));
      try {
        await streamAnswer(prepared, res, controller, options, req.log);
      } finally {
        close();
      }
    } finally {
      clearTimeout(timer);
      unregister();
    }
  });

  return router;
}

/** Runs the answer, and turns its outcome into events, or an HTTP error while no event has gone out. */
async function streamAnswer(prepared: PreparedChat | UnpreparedChat, res: Response, controller: AbortController, options: ChatRouteOptions, log: Logger): Promise<void> {
  const conversationId = prepared.conversationId;
  // Headers wait for the first piece: a failure up to then (quota, a bad key, a timeout)
  // still gets a real HTTP status, which is all today's client can show.
  let sse: SseStream<ChatEvent> | undefined;
  const open = (): SseStream<ChatEvent> => {
    const stream = new SseStream<ChatEvent>(res, {
      keepAliveMs: options.settings.keepAliveMs,
      writeTimeoutMs: options.settings.sseWriteTimeoutMs,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      onReaderStalled: () => controller.abort(new StreamStop("reader_stalled")),
    });
    stream.open();
    stream.send({ type: "metadata", conversation_id: conversationId, answer_id: prepared.answerId });
    return stream;
  };
  const outcome = await options.chat.answer(prepared, controller.signal, {
    text(piece) {
      if (sse !== undefined) return sse.sendJson(tokenJson(piece));
      sse = open();
      sse.sendJson(tokenJson(piece));
      // The first token is the one the reader waits for: it goes out now.
      sse.flush();
    },
    delivered() {
      // An empty answer still gets its metadata before done.
      sse ??= open();
      return sse.delivered();
    },
  });

  switch (outcome.kind) {
    case "not_started":
      throw outcome.error;
    case "complete":
      sse!.send({ type: "done", sources: outcome.sources, conversation_id: conversationId, saved: true });
      break;
    case "not_stored":
      log.error({ conversation_id: conversationId }, "answer streamed but not stored");
      sse!.send(notSaved(conversationId));
      break;
    case "stopped":
      // Not a failure: the reader's stream ends as an answer does, with the sources so far.
      log.info({ saved: outcome.saved, code: "stopped_by_reader" }, "answer stopped by the reader");
      sse ??= open();
      sse.send(outcome.saved ? { type: "done", sources: outcome.sources, conversation_id: conversationId, saved: true, stopped: true } : notSaved(conversationId));
      break;
    case "undelivered":
      log.info({ saved: outcome.saved, code: "reader_stalled" }, "client gone or not reading: stream ended");
      break;
    case "client_gone":
    case "shutting_down":
    case "failed": {
      const { error, saved } = outcome;
      if (sse === undefined) throw error.withDetails({ conversation_id: conversationId });
      if (outcome.kind === "client_gone") log.info({ saved, code: error.code }, "client gone or not reading: stream ended");
      else log.warn({ err: error, conversation_id: conversationId, saved }, "answer stream failed");
      // The reader of a widget that ignores error events still learns the answer stopped; the
      // stored answer keeps only what the model wrote.
      sse.send({ type: "token", content: `\n\n[The answer was cut off here. ${error.message}]`, notice: true });
      sse.send({ type: "error", code: error.code, message: error.message, conversation_id: conversationId });
      break;
    }
  }
  sse?.end();
}

/** The reader has the answer, but it is not in the conversation: say so rather than "done". */
function notSaved(conversationId: string): ChatEvent {
  return { type: "error", code: "database_unavailable", message: `The answer could not be saved. ${DATABASE_UNAVAILABLE}`, conversation_id: conversationId };
}
