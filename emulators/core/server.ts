// The server every emulator runs on: node:http, every socket tracked so that close() and the
// "down" fault end held connections at once, a crash answered with a 500 in the emulator's
// own error shape, and the listener closed and reopened on the same port for "down".
// Test code, never shipped.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, pause, sendJson, trackSockets } from "./http.ts";

export type EmulatorServerOptions = {
  /** Names the emulator in a crash's stderr line. */
  name: string;
  port?: number;
  host?: string;
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The 500 body of an unexpected failure, in the service's own error shape. */
  crashBody: (error: unknown) => unknown;
};

export type EmulatorServer = {
  url: string;
  host: string;
  port: number;
  /** True once close() began: connections it ends are not the clients' aborts. */
  readonly closing: boolean;
  /** Closes the listener and every connection; the port stays reserved for comeUp(). */
  goDown(): Promise<void>;
  /** Listens again on the same port. */
  comeUp(): Promise<void>;
  close(): Promise<void>;
};

export async function startServer(options: EmulatorServerOptions): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  let closing = false;
  const server = createServer((req, res) => {
    options.handle(req, res).catch((error: unknown) => {
      process.stderr.write(`${options.name} emulator: ${error instanceof Error ? error.stack : String(error)}\n`);
      if (!res.headersSent) sendJson(res, 500, options.crashBody(error));
      else res.destroy();
    });
  });
  const sockets = trackSockets(server);
  const port = await listen(server, options.port ?? 0, host);

  return {
    url: `http://${host}:${port}`,
    host,
    port,
    get closing() {
      return closing;
    },
    async goDown() {
      if (!server.listening) return;
      await closeServer(server, sockets);
      // Clients in this process must see their pooled connections close before the next call,
      // or that call fails on a dead socket instead of being refused.
      await pause(25);
    },
    async comeUp() {
      if (server.listening || closing) return;
      try {
        await listen(server, port, host);
      } catch (err) {
        process.stderr.write(`${options.name} emulator: could not listen again on port ${port}: ${String(err)}\n`);
      }
    },
    async close() {
      closing = true;
      await closeServer(server, sockets);
    },
  };
}
