import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "./app.ts";
import { runningBundleHash } from "./bundle-manifest.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { buildDependencies, isEmbedded, type Dependencies } from "./dependencies.ts";
import { createLogger } from "./logger.ts";
import { startUp, type BookSummary } from "./startup.ts";
import { startTracing } from "./telemetry/tracing.ts";

const SERVICE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Loads config, listens at once (health says "starting"), migrates, and shuts down cleanly on SIGTERM. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env, { sampleDocsDir: path.join(SERVICE_DIR, "sample-docs") });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, secrets: config.secrets });
  // Before anything makes a span; nothing is loaded without an OTLP endpoint.
  const tracing = await startTracing(config.telemetry.traceExport, { serviceVersion: runningBundleHash() });
  const deps = await buildDependencies(config, logger, { tracing: tracing.enabled });
  const app = createApp(deps);

  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  // Longer than any proxy's idle timeout, so the proxy closes idle connections first.
  server.keepAliveTimeout = 65_000;
  logger.info({ url: `http://localhost:${port}`, parts: describeParts(config, deps) }, "listening");
  if (!config.production) printBanner(port, config, deps);

  const startup = new AbortController();
  void startUp(deps, startup.signal).then((book) => {
    if (book !== undefined && !config.production) process.stdout.write(`  ${"book".padEnd(12)}${describeBook(book)}\n\n`);
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, openStreams: deps.streams.size }, "shutting down");
    deps.readiness.markShuttingDown();
    startup.abort();
    server.close();
    server.closeIdleConnections();
    // Open answers end before the deadline, leaving time to close the database.
    await deps.streams.stopAll(Math.max(0, config.shutdownTimeoutMs - 2_000));
    server.closeAllConnections();
    await deps.db.close().catch((err: unknown) => logger.warn({ err }, "database close failed"));
    // The spans still buffered, the last answers' among them.
    await tracing.shutdown().catch((err: unknown) => logger.warn({ err }, "trace export at shutdown failed"));
    logger.info("stopped");
    logger.flush();
    process.exitCode = 0;
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

function describeParts(config: Config, deps: Dependencies): Record<string, string> {
  return {
    database: config.databaseUrl ? "postgres (DATABASE_URL)" : `embedded PGlite in ${path.join(config.dataDir, "pglite")}`,
    vectorStore: deps.store.kind === "qdrant" ? `qdrant collection ${deps.store.collection}` : `pgvector ${isEmbedded(config) ? "(embedded)" : "(DATABASE_URL)"}`,
    embeddings: config.embedding.provider === "gemini" ? `gemini ${deps.embedder.model}` : `embedded ${deps.embedder.model} (no GEMINI_API_KEY)`,
    answers: deps.generator.model === "extractive" ? "embedded extractive answerer (no GEMINI_API_KEY)" : `gemini ${deps.generator.model}`,
    traces: config.telemetry.traceExport
      ? `OTLP ${config.telemetry.traceExport.protocol} to ${new URL(config.telemetry.traceExport.url).origin}`
      : "off (no OTEL_EXPORTER_OTLP_ENDPOINT)",
    metrics: config.telemetry.metricsToken ? "GET /metrics, with METRICS_TOKEN as a bearer token" : "off (no METRICS_TOKEN)",
  };
}

/** The banner's last line, printed once start-up knows what the store holds. */
function describeBook(book: BookSummary | null): string {
  if (book === null) return "unknown: the vector store did not answer";
  if (book.chunks === 0) return "empty: npm run ingest -- path/to/book/docs fills it";
  const what = `${book.files} files, ${book.chunks} chunks, embedded with ${book.model ?? "an unknown model"}`;
  return book.seededFrom
    ? `${what}: the sample book in ${path.relative(process.cwd(), book.seededFrom) || "."}, ingested into the empty store`
    : `${what}, as ingested before this start`;
}

function printBanner(port: number, config: Config, deps: Dependencies): void {
  const parts = describeParts(config, deps);
  const lines = [
    "",
    `  Docs chat backend on http://localhost:${port}`,
    `  chat page   http://localhost:${port}/`,
    `  API docs    http://localhost:${port}/docs`,
    "",
    ...Object.entries(parts).map(([k, v]) => `  ${k.padEnd(12)}${v}`),
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
