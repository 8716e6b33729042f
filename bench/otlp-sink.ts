import { once } from "node:events";
import { createServer } from "node:http";

/**
 * Where the service's spans go when the bench runs it with export on (`--otlp`): an
 * OTLP/HTTP endpoint on loopback that takes each export and answers as a collector does, so
 * the service pays the whole cost of exporting (batching, encoding, posting) and no more.
 */
export interface OtlpSink {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  counts(): { exports: number; bytes: number };
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on("data", (chunk: Buffer) => (bytes += chunk.length));
    req.on("end", () => {
      exports += 1;
      // An empty ExportTraceServiceResponse: every span accepted.
      const json = req.headers["content-type"]?.startsWith("application/json");
      res.writeHead(200, { "content-type": json ? "application/json" : "application/x-protobuf" });
      res.end(json ? "{}" : "");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    counts: () => ({ exports, bytes }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
