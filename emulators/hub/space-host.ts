// A Space's public host: a TCP forwarder on the port the Space keeps for its whole life,
// passing connections to whichever app container serves now. The Hub swaps containers this
// way: during a rebuild the old app keeps answering until the new one listens, so a health
// check can pass on the previous build. With no app serving it answers 503, as the Hub's
// front does for a Space that is building or stopped.
// Test code, never shipped.
import { connect, createServer, type Server, type Socket } from "node:net";

const UNAVAILABLE = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 20\r\nconnection: close\r\n\r\nSpace not available\n";

export class SpaceHost {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** The container's port on this machine, or null while none serves. */
  private target: number | null = null;

  private constructor(server: Server) {
    this.server = server;
  }

  /** The host's port on 127.0.0.1. */
  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** Listens on 127.0.0.1, on a free port unless one is given. */
  static async open(port = 0): Promise<SpaceHost> {
    const server = createServer();
    const host = new SpaceHost(server);
    server.on("connection", (socket) => host.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    return host;
  }

  /** Sends new connections to this container port (null: none serves). Open ones stay where they are. */
  route(target: number | null): void {
    this.target = target;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.target === null) {
      client.end(UNAVAILABLE);
      return;
    }
    const upstream = connect(this.target, "127.0.0.1");
    this.track(upstream);
    upstream.once("error", () => {
      if (!client.destroyed && client.bytesWritten === 0) client.end(UNAVAILABLE);
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
