import type { Response } from "express";
import type { ChatEvent } from "../chat/chat-event.ts";

/**
 * All Server-Sent Events framing of the service. Every event is one `data: <JSON>` line
 * and a blank line, as the existing client reads them: JSON encoding keeps newlines out
 * of the line. Writes go straight to the socket (no compression, no buffering proxies).
 */
export class SseStream {
  readonly #res: Response;
  readonly #keepAliveMs: number;
  #timer: NodeJS.Timeout | undefined;
  #ended = false;

  constructor(res: Response, options: { keepAliveMs: number }) {
    this.#res = res;
    this.#keepAliveMs = options.keepAliveMs;
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

  send(event: ChatEvent): void {
    if (this.ended) return;
    this.#res.write(`data: ${JSON.stringify(event)}\n\n`);
    this.#armKeepAlive();
  }

  /** The most frequent event, a ChatEvent of type token, framed without building an object for it first. */
  sendToken(text: string): void {
    if (this.ended) return;
    this.#res.write(`data: {"type":"token","content":${JSON.stringify(text)}}\n\n`);
    this.#armKeepAlive();
  }

  /**
   * Puts what was sent on the wire now. Node corks a chunked response until the next
   * process.nextTick, and a burst of upstream chunks relayed in one run of promise callbacks
   * would hold the first token until the whole burst was relayed.
   */
  flush(): void {
    this.#res.socket?.uncork();
  }

  /** An SSE comment: ignored by clients, keeps proxies from closing a quiet stream. */
  comment(text: string): void {
    if (this.ended) return;
    this.#res.write(`: ${text.replace(/[\r\n]/g, " ")}\n\n`);
  }

  end(): void {
    clearTimeout(this.#timer);
    if (this.ended) return;
    this.#ended = true;
    this.#res.end();
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
    }, this.#keepAliveMs);
    this.#timer.unref();
  }
}
