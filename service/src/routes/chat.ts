import { Router, type Request, type Response } from "express";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import { AppError } from "../errors.ts";
import type { ActiveStreams } from "../chat/active-streams.ts";
import type { OpenAnswers } from "../chat/open-answers.ts";
import { chatRequestSchema } from "../chat/chat-request.ts";
import type { ChatService, PreparedChat } from "../chat/chat-service.ts";
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

type StopCode = "client_disconnected" | "reader_stalled" | "shutting_down" | "stopped_by_reader";

const STOP_MESSAGES: Record<StopCode, string> = {
  client_disconnected: "The client disconnected.",
  reader_stalled: "The client stopped reading the answer.",
  shutting_down: "The server is restarting. Please ask again in a moment.",
  stopped_by_reader: "The reader stopped the answer.",
};

/** Why a stream was ended from our side; stored with the incomplete answer. */
export class StreamStop extends Error {
  readonly code: StopCode;
  constructor(code: StopCode) {
    super(code);
    this.name = "AbortError";
    this.code = code;
  }
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

async function streamAnswer(prepared: PreparedChat, res: Response, controller: AbortController, options: ChatRouteOptions, log: Logger): Promise<void> {
  const { signal } = controller;
  // Headers wait for the first piece: a failure up to then (quota, a bad key, a timeout)
  // still gets a real HTTP status, which is all today's client can show.
  let sse: SseStream | undefined;
  const open = (): SseStream => {
    const stream = new SseStream(res, {
      keepAliveMs: options.settings.keepAliveMs,
      writeTimeoutMs: options.settings.sseWriteTimeoutMs,
      maxBufferedBytes: MAX_BUFFERED_BYTES,
      onReaderStalled: () => controller.abort(new StreamStop("reader_stalled")),
    });
    stream.open();
    stream.send({ type: "metadata", conversation_id: prepared.conversationId, answer_id: prepared.answerId });
    return stream;
  };
  let answer = "";
  const onText = (text: string) => {
    answer += text;
    if (sse !== undefined) return sse.sendToken(text);
    sse = open();
    sse.sendToken(text);
    // The first token is the one the reader waits for: it goes out now.
    sse.flush();
  };

  try {
    await options.chat.generate(prepared, signal, onText);
  } catch (err) {
    const failure = describeFailure(err, signal);
    const saved = await options.chat.finish(prepared, answer, { incomplete: true, errorCode: failure.code });
    if (failure.code === "stopped_by_reader") {
      // Not a failure: the reader's stream ends as an answer does, with the sources so far.
      log.info({ saved, code: failure.code }, "answer stopped by the reader");
      sse ??= open();
      return endWithDone(sse, prepared, saved, true);
    }
    if (sse === undefined) throw failure.withDetails({ conversation_id: prepared.conversationId });
    if (failure.code === "client_disconnected" || failure.code === "reader_stalled") {
      log.info({ saved, code: failure.code }, "client gone or not reading: stream ended");
    } else {
      log.warn({ err, conversation_id: prepared.conversationId, saved }, "answer stream failed");
    }
    // The reader of a widget that ignores error events still learns the answer stopped; the
    // stored answer keeps only what the model wrote.
    sse.send({ type: "token", content: `\n\n[The answer was cut off here. ${failure.message}]`, notice: true });
    sse.send({ type: "error", code: failure.code, message: failure.message, conversation_id: prepared.conversationId });
    sse.end();
    return;
  }

  // An empty answer still gets its metadata before done.
  sse ??= open();
  if (!(await sse.delivered())) {
    // The whole answer came, but the reader never took it: not an answer given.
    const saved = await options.chat.finish(prepared, answer, { incomplete: true, errorCode: "reader_stalled" });
    log.info({ saved, code: "reader_stalled" }, "client gone or not reading: stream ended");
    sse.end();
    return;
  }
  const saved = await options.chat.finish(prepared, answer, { incomplete: false });
  if (!saved) log.error({ conversation_id: prepared.conversationId }, "answer streamed but not stored");
  endWithDone(sse, prepared, saved, false);
}

/** The stream's last event: done, or, when the answer could not be stored, an error saying so. */
function endWithDone(sse: SseStream, prepared: PreparedChat, saved: boolean, stopped: boolean): void {
  if (!saved) {
    // The reader has the answer, but it is not in the conversation: say so rather than "done".
    sse.send({ type: "error", code: "database_unavailable", message: `The answer could not be saved. ${DATABASE_UNAVAILABLE}`, conversation_id: prepared.conversationId });
  } else {
    const done = { type: "done", sources: prepared.sources, conversation_id: prepared.conversationId, saved } as const;
    sse.send(stopped ? { ...done, stopped } : done);
  }
  sse.end();
}

/** What to tell the client, and store, about a stream that ended early. */
function describeFailure(err: unknown, signal: AbortSignal): AppError {
  const reason: unknown = signal.aborted ? signal.reason : undefined;
  if (reason instanceof StreamStop) {
    return new AppError(reason.code, STOP_MESSAGES[reason.code], { cause: err });
  }
  if (reason instanceof DOMException && reason.name === "TimeoutError") {
    return new AppError("upstream_timeout", "The answer took too long and was stopped.", { cause: err });
  }
  if (err instanceof AppError) return err;
  return new AppError("upstream_error", "The answer was interrupted by an upstream failure.", { cause: err });
}
