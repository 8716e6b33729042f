// An OTLP/HTTP trace receiver, as a collector answers the service's exporter: every POST to
// /v1/traces is accepted (200 with an empty ExportTraceServiceResponse, in the request's
// encoding). The tests keep each request to decode it; the benchmark only counts them.
// Test code, never shipped.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { startServer } from "../core/server.ts";

export type OtlpPost = { path: string; headers: IncomingHttpHeaders; body: Buffer };

export type OtlpCollector = {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Each export request, when started with `keep` (a benchmark's would fill memory). */
  posts: OtlpPost[];
  counts(): { exports: number; bytes: number };
  close(): Promise<void>;
};

export async function startOtlpCollector(options: { keep?: boolean; port?: number } = {}): Promise<OtlpCollector> {
  const posts: OtlpPost[] = [];
  let exports = 0;
  let bytes = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (options.keep) chunks.push(chunk);
      });
      req.on("end", () => {
        exports += 1;
        if (options.keep) posts.push({ path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) });
        const json = req.headers["content-type"]?.startsWith("application/json");
        res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
        res.end(json ? "{}" : "");
        resolve();
      });
    });
  const server = await startServer({ name: "otlp", port: options.port, handle, crashBody: () => ({ code: 13, message: "internal error" }) });
  return { url: server.url, posts, counts: () => ({ exports, bytes }), close: () => server.close() };
}
