import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import type { Duplex } from "node:stream";

/**
 * A loopback stand-in for Neon's wsproxy (github.com/neondatabase/wsproxy): a WebSocket
 * server whose binary frames carry the raw Postgres protocol to the TCP address named in the
 * `address` query parameter, which Neon's driver appends to its `wsProxy` setting. Enough of
 * RFC 6455 for that: the handshake, masked client frames (continuations included), close,
 * ping and pong, and unmasked binary frames back. Test code.
 */
export class WsProxy {
  readonly #server: http.Server;
  readonly #sockets = new Set<Duplex>();
  /** Connections opened through the proxy so far. */
  connections = 0;
  port = 0;

  constructor() {
    this.#server = http.createServer((_req, res) => res.writeHead(426).end("WebSocket only"));
    this.#server.on("upgrade", (req, socket) => this.#upgrade(req, socket));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  /** The driver's `wsProxy` setting for this proxy: host and path, no scheme. */
  get wsProxy(): string {
    return `127.0.0.1:${this.port}/v2`;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #upgrade(req: http.IncomingMessage, socket: Duplex): void {
    const address = new URL(req.url ?? "/", "http://proxy").searchParams.get("address");
    const key = req.headers["sec-websocket-key"];
    const [host, port] = (address ?? "").split(":");
    if (!host || !port || typeof key !== "string") {
      socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    this.connections += 1;
    const upstream = net.connect(Number(port), host);
    for (const s of [socket, upstream]) {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
      s.on("error", () => undefined);
    }
    upstream.on("data", (data: Buffer) => socket.write(frame(0x2, data)));
    upstream.on("close", () => socket.end(frame(0x8, Buffer.alloc(0))));
    socket.on("close", () => upstream.destroy());

    let pending = Buffer.alloc(0);
    socket.on("data", (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const parsed = readFrame(pending);
        if (!parsed) return;
        pending = pending.subarray(parsed.size);
        if (parsed.opcode === 0x8) {
          socket.end(frame(0x8, Buffer.alloc(0)));
          upstream.end();
          return;
        }
        if (parsed.opcode === 0x9) socket.write(frame(0xa, parsed.payload));
        else if (parsed.opcode === 0x0 || parsed.opcode === 0x1 || parsed.opcode === 0x2) upstream.write(parsed.payload);
      }
    });
  }
}

/** One frame from the start of `data`, unmasked, or undefined until all of it has arrived. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + length) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + length));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= data[maskOffset + (i % 4)]!;
  return { opcode, payload, size: offset + length };
}

/** A final, unmasked frame (a server's frames are never masked). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (length >= 126 && length < 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else if (length >= 65_536) {
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Proxies started by the tests of this process, one per database, closed with it. */
export async function startWsProxy(): Promise<WsProxy> {
  const proxy = new WsProxy();
  await proxy.listen();
  return proxy;
}
