import type { Response } from "express";

/** What a stream may hold for a reader that is slow to take it: a few seconds of a fast answer. */
export const MAX_BUFFERED_BYTES = 64 * 1024;

export interface SseOptions {
  keepAliveMs: number;
  /** How long a write may wait for the reader to take what was sent before the reader counts as gone. */
  writeTimeoutMs: number;
  /** The most a stream may hold in memory for its reader (bytes the socket has not taken). */
  maxBufferedBytes: number;
  /** Called once when the reader stopped reading: the stream is then destroyed, not ended. */
  onReaderStalled: () => void;
}

/**
 * All Server-Sent Events framing of the service, for events of any type `Event`. Every event
 * is one `data: <JSON>` line and a blank line, as the existing client reads them: JSON
 * encoding keeps newlines out of the line. Writes go straight to the socket (no compression,
 * no buffering proxies).
 *
 * A reader that stops reading fills the socket, then write() returns false and what follows
 * waits in this process's memory. So the stream waits for "drain" at most writeTimeoutMs,
 * holds at most maxBufferedBytes, and past either the reader counts as stalled.
 */
export class SseStream<Event> {
  readonly #res: Response;
  readonly #o: SseOptions;
  #timer: NodeJS.Timeout | undefined;
  #drainTimer: NodeJS.Timeout | undefined;
  #ended = false;
  #stalled = false;
  /** Callers of delivered() waiting for the reader: true on drain, false on a stall. */
  #waiting: Array<(delivered: boolean) => void> = [];
  /** Frames given to sendJson in this run of callbacks, written as one when it ends. */
  #pending = "";

  constructor(res: Response, options: SseOptions) {
    this.#res = res;
    this.#o = options;
  }

  /** Sets the stream's headers. They leave with the first event, in the same packet. */
  open(): void {
    const res = this.#res;
    res.status(200);
    res.setHeader("Content-Type", "text/event-stream; charset=utf-8");
    res.setHeader("Cache-Control", "no-cache, no-transform");
    res.setHeader("Connection", "keep-alive");
    // Proxies such as nginx buffer responses unless told otherwise.
    res.setHeader("X-Accel-Buffering", "no");
    res.socket?.setNoDelay(true);
    this.#armKeepAlive();
  }

  get ended(): boolean {
    return this.#ended || this.#res.writableEnded || this.#res.destroyed;
  }

  /** True once the reader stopped taking what was sent (see the class comment). */
  get stalled(): boolean {
    return this.#stalled;
  }

  /**
   * Resolves true once the reader has taken everything sent so far (into its socket), false
   * if it stalls first. Nothing is held in memory after that but what the socket took.
   */
  delivered(): Promise<boolean> {
    this.#writePending();
    if (this.#stalled) return Promise.resolve(false);
    if (this.#drainTimer === undefined) return Promise.resolve(true);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  send(event: Event): void {
    this.#writePending();
    this.#write(`data: ${JSON.stringify(event)}\n\n`);
  }

  /**
   * An event its caller already wrote as JSON (one line): a frequent event (a token) need not
   * be built as an object first. The tokens of one upstream read arrive in one run of
   * callbacks: they are written together when it ends. They left in one packet anyway (Node
   * corks a response until the next tick), but a response write per token cost more CPU than
   * all the rest of the relay.
   */
  sendJson(json: string): void {
    if (this.ended || this.#stalled) return;
    if (this.#pending === "") process.nextTick(this.#writePending);
    this.#pending += `data: ${json}\n\n`;
  }

  /**
   * Puts what was sent on the wire now. Node corks a chunked response until the next
   * process.nextTick, and a burst of upstream chunks relayed in one run of promise callbacks
   * would hold the first token until the whole burst was relayed.
   */
  flush(): void {
    this.#writePending();
    this.#res.socket?.uncork();
  }

  /** An SSE comment: ignored by clients, keeps proxies from closing a quiet stream. */
  comment(text: string): void {
    this.#writePending();
    // A stream waiting for its reader is not quiet: a keep-alive would only add to the wait.
    if (this.ended || this.#drainTimer !== undefined) return;
    this.#res.write(`: ${text.replace(/[\r\n]/g, " ")}\n\n`);
  }

  /** Ends the response; a stalled one is destroyed instead, dropping what its reader never took. */
  end(): void {
    this.#writePending();
    clearTimeout(this.#timer);
    clearTimeout(this.#drainTimer);
    if (this.#stalled) this.#res.destroy();
    if (this.ended) return;
    this.#ended = true;
    this.#res.end();
  }

  readonly #writePending = (): void => {
    if (this.#pending === "") return;
    const frames = this.#pending;
    this.#pending = "";
    this.#write(frames);
  };

  #write(chunk: string): void {
    if (this.ended || this.#stalled) return;
    const taken = this.#res.write(chunk);
    this.#armKeepAlive();
    if (this.#res.writableLength > this.#o.maxBufferedBytes) return this.#stall();
    if (taken || this.#drainTimer !== undefined) return;
    this.#drainTimer = setTimeout(() => this.#stall(), this.#o.writeTimeoutMs);
    this.#res.once("drain", () => {
      clearTimeout(this.#drainTimer);
      this.#drainTimer = undefined;
      this.#settle(true);
    });
  }

  #stall(): void {
    if (this.#stalled) return;
    this.#stalled = true;
    clearTimeout(this.#drainTimer);
    this.#settle(false);
    this.#o.onReaderStalled();
  }

  #settle(delivered: boolean): void {
    for (const resolve of this.#waiting.splice(0)) resolve(delivered);
  }

  // One timer per stream, pushed back by each event: refresh() costs far less than a new
  // timer per token.
  #armKeepAlive(): void {
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => {
      this.comment("keep-alive");
      this.#timer?.refresh();
    }, this.#o.keepAliveMs);
    this.#timer.unref();
  }
}
