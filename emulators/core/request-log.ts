// The request log every emulator keeps, and the exchange that fills one entry: the body read
// and parsed, the status recorded as it is sent, and whether the client went away first.
// Test code, never shipped.
import type { IncomingMessage, ServerResponse } from "node:http";
import { faultKind, isStatusFault, type Fault, type FaultKind, type StatusFault } from "./faults.ts";
import { parseJson, pause, readBody, responseGone, sendJson, sendText, type JsonParse } from "./http.ts";
import type { Answer } from "./router.ts";

export type LoggedRequest = {
  method: string;
  /** The path without the query. */
  path: string;
  /** The query's parameters, without those that carry a key. */
  query: Record<string, string>;
  /** The parsed JSON body (the raw text when it was not JSON; undefined when empty). */
  body: unknown;
  /** The status sent, or null while none was (a hang, a stream still waiting). */
  status: number | null;
  /** True when the client closed the connection before the response ended. */
  aborted: boolean;
  /** The fault that hit this request, if any. */
  fault: FaultKind | null;
  startedAt: number;
  endedAt: number | null;
};

export type Exchange<Entry extends LoggedRequest> = {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  raw: Buffer;
  json: JsonParse;
  entry: Entry;
  /** Aborts when the response closed before it ended. */
  gone: AbortSignal;
  /** The server ends this response on purpose (a cut): not a client's abort. */
  markCut(): void;
  reply(status: number, body: unknown, headers?: Record<string, string>): void;
  replyText(status: number, text: string, headers?: Record<string, string>): void;
  /** A status with no body at all. */
  replyEmpty(status: number, headers?: Record<string, string>): void;
};

export type OpenExchangeOptions<Entry extends LoggedRequest> = {
  log: Entry[];
  /** The emulator's own fields of the entry, from the request line and body. */
  describe: (request: { url: URL; method: string; json: JsonParse; req: IncomingMessage }) => Omit<Entry, keyof LoggedRequest>;
  /** Query parameters left out of the log (e.g. `key`). */
  hiddenQuery?: string[];
  /** True while the emulator closes: connections it ends are not aborts. */
  closing: () => boolean;
};

/**
 * Reads the request, logs it, and returns the exchange; null when the client left before its
 * body arrived (nobody to answer; the entry is logged as aborted).
 */
export async function openExchange<Entry extends LoggedRequest>(
  req: IncomingMessage,
  res: ServerResponse,
  options: OpenExchangeOptions<Entry>,
): Promise<Exchange<Entry> | null> {
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const method = req.method ?? "GET";
  // Listen for the close at once: a client may go away while the body is still arriving.
  let entryRef: Entry | null = null;
  let closedEarly = false;
  let cutByServer = false;
  res.on("close", () => {
    if (!entryRef) {
      closedEarly = true;
      return;
    }
    entryRef.endedAt = Date.now();
    if (!res.writableFinished && !cutByServer && !options.closing()) entryRef.aborted = true;
  });
  const gone = responseGone(res);
  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch {
    return null; // the client aborted the upload
  }
  const json = parseJson(raw);
  const hidden = new Set(options.hiddenQuery ?? []);
  const entry = {
    method,
    path: url.pathname,
    query: Object.fromEntries([...url.searchParams].filter(([name]) => !hidden.has(name))),
    body: json.ok ? json.value : raw.toString("utf8"),
    status: null,
    aborted: false,
    fault: null,
    startedAt: Date.now(),
    endedAt: null,
    ...options.describe({ url, method, json, req }),
  } as Entry;
  options.log.push(entry);
  entryRef = entry;
  if (closedEarly) {
    entry.endedAt = Date.now();
    entry.aborted = true;
    return null;
  }
  return {
    req,
    res,
    url,
    method,
    raw,
    json,
    entry,
    gone,
    markCut() {
      cutByServer = true;
    },
    reply(status, body, headers = {}) {
      entry.status = status;
      sendJson(res, status, body, headers);
    },
    replyText(status, text, headers = {}) {
      entry.status = status;
      sendText(res, status, text, headers);
    },
    replyEmpty(status, headers = {}) {
      entry.status = status;
      if (res.destroyed || res.headersSent) return;
      res.writeHead(status, { "content-length": 0, ...headers });
      res.end();
    },
  };
}

/** Sends a route's answer: JSON, text, an empty body, or nothing when the route wrote the response itself. */
export function replyWith<Entry extends LoggedRequest>(ex: Exchange<Entry>, answer: Answer): void {
  if (answer === "streamed") {
    ex.entry.status = ex.res.statusCode;
    return;
  }
  if (answer.text !== undefined) return ex.replyText(answer.status, answer.text, answer.headers);
  if (answer.body === undefined) return ex.replyEmpty(answer.status, answer.headers);
  ex.reply(answer.status, answer.body, answer.headers);
}

/**
 * Answers a request the way its fault says, in the service's own shape for a status fault.
 * Resolves true when the request is dealt with (answered, held, or cut), false when it goes
 * on to its normal answer (after a slow fault's delay). "cut" ends it at once: an emulator
 * that streams handles its cut before this.
 */
export async function answerFault<Entry extends LoggedRequest>(
  ex: Exchange<Entry>,
  fault: Fault,
  statusAnswer: (fault: StatusFault) => { status: number; body: unknown; headers?: Record<string, string> },
): Promise<boolean> {
  ex.entry.fault = faultKind(fault);
  if (isStatusFault(fault)) {
    const answer = statusAnswer(fault);
    ex.reply(answer.status, fault.body ?? answer.body, answer.headers);
    return true;
  }
  switch (fault.kind) {
    case "hang":
      return true; // no headers, ever: held until the client or close() ends it
    case "slow":
      return !(await pause(fault.delayMs, ex.gone));
    case "cut":
      ex.markCut();
      ex.res.destroy();
      return true;
    case "down":
      return false; // the server's state, not a request's
  }
}
