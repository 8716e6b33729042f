// A TCP forwarder: a listener on a port of its own that passes each connection to whichever
// target is set now. The Hub emulator fronts each Space with one (its public host, kept for the
// Space's life while app containers come and go); tests put one in front of an upstream that
// cannot listen where a Space may reach it (Postgres on 5432 behind 127.x.y.z:8080).
// Test code, never shipped.
import { connect, createServer, type Server, type Socket } from "node:net";

export type ForwarderOptions = {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Where connections go at first; null (the default): nowhere yet. */
  target?: { host: string; port: number } | null;
  /** What a connection gets while there is no target (or it refuses): these bytes, then the end; default nothing. */
  whenUnavailable?: string;
};

export class TcpForwarder {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private target: { host: string; port: number } | null;
  private readonly whenUnavailable: string | undefined;

  private constructor(server: Server, options: ForwarderOptions) {
    this.server = server;
    this.target = options.target ?? null;
    this.whenUnavailable = options.whenUnavailable;
  }

  static async open(options: ForwarderOptions = {}): Promise<TcpForwarder> {
    const server = createServer();
    const forwarder = new TcpForwarder(server, options);
    server.on("connection", (socket) => forwarder.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    return forwarder;
  }

  /** The listener's port. */
  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** The listener's address. */
  get host(): string {
    const address = this.server.address();
    return typeof address === "object" && address ? address.address : "";
  }

  /** Sends new connections to this port of 127.0.0.1, or another host (null: nowhere). Open ones stay where they are. */
  route(port: number | null, host = "127.0.0.1"): void {
    this.target = port === null ? null : { host, port };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    const unavailable = () => {
      if (this.whenUnavailable === undefined) client.destroy();
      else client.end(this.whenUnavailable);
    };
    if (this.target === null) {
      unavailable();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.track(upstream);
    upstream.once("error", () => {
      if (!client.destroyed && client.bytesWritten === 0) unavailable();
      else client.destroy();
    });
    client.once("error", () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }
}

/** True when something accepts a TCP connection on 127.0.0.1:port. */
export function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
