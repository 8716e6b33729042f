import { stat } from "node:fs/promises";
import path from "node:path";
import cliProgress from "cli-progress";
import { ConfigError, loadConfig } from "../config.ts";
import type { Database } from "../db/database.ts";
import { openDatabase } from "../db/open-database.ts";
import { createEmbedder } from "../dependencies.ts";
import { AppError } from "../errors.ts";
import { createVectorStore } from "../retrieval/create-vector-store.ts";
import { createRedactor, secretValuesOf } from "../secrets.ts";
import { ingestDocs, type IngestProgress } from "./ingest.ts";

const USAGE = `Usage: npm run ingest -- <docs dir>

Reads the .md and .mdx pages of a Docusaurus docs folder, embeds their chunks and brings
the configured vector store in line with them (same variables as the server: GEMINI_API_KEY,
QDRANT_URL, QDRANT_API_KEY, QDRANT_COLLECTION, DATABASE_URL, EMBEDDING_MODEL, ...).`;

/** `npm run ingest -- <docs dir>`: exit code 0 on success, 1 with one message otherwise. */
async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => a !== "--");
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length !== 1 || args[0]!.startsWith("-")) {
    process.stderr.write(`${USAGE}\n`);
    return 1;
  }
  // npm runs scripts from the package folder; a relative path means the caller's folder.
  const docsDir = path.resolve(process.env.INIT_CWD ?? process.cwd(), args[0]!);

  // From the environment, not the config: a configuration error is reported scrubbed too.
  const scrub = createRedactor(secretValuesOf(process.env).map((s) => s.value));
  let db: Database | undefined;
  const abort = new AbortController();
  const onInterrupt = () => {
    process.stderr.write("\nInterrupted: stopping after the batches in flight.\n");
    abort.abort();
    process.off("SIGINT", onInterrupt);
  };
  process.on("SIGINT", onInterrupt);

  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: "{phase} |{bar}| {value}/{total} chunks | {eta_formatted} left", stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let barStarted = false;
  const onProgress = (progress: IngestProgress) => {
    if (!bar || progress.phase !== "embed") return;
    if (!barStarted) {
      bar.start(progress.total, 0, { phase: "embedding" });
      barStarted = true;
    }
    bar.update(progress.done, { phase: "embedding" });
  };

  try {
    const config = loadConfig(process.env);
    // Before opening anything: a mistyped path must not create an empty embedded database.
    if (!(await stat(docsDir).catch(() => undefined))?.isDirectory()) throw new AppError("invalid_request", `${args[0]} is not a folder.`);
    if (config.vectorStore.kind === "pgvector") {
      // The server holds the embedded folder while it runs: an ingest beside it would be lost.
      db = await openDatabase(config, {
        role: "npm run ingest",
        busyHint: "Stop the server (Ctrl+C), run the ingest, then start the server again: it serves the ingested book.",
      });
      if (db.kind === "pglite") process.stderr.write(`Using the embedded database in ${config.dataDir}.\n`);
    }
    const embedder = createEmbedder(config, "ingest");
    const store = createVectorStore(config, db);
    const summary = await ingestDocs({ docsDir, embedder, store, book: config, onProgress, signal: abort.signal });
    if (barStarted) bar?.stop();
    process.stdout.write(
      `Ingested ${summary.files} files into ${store.kind} collection ${store.collection} with ${embedder.model}: ` +
        `${summary.chunks} chunks, ${summary.embedded} embedded, ${summary.upserted} upserted, ${summary.deleted} deleted, ` +
        `${summary.unchanged} unchanged, ${summary.embedCalls} embed calls, ${(summary.ms / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    if (barStarted) bar?.stop();
    process.stderr.write(`Ingest failed: ${scrub(describe(err, abort.signal.aborted))}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onInterrupt);
    await db?.close().catch(() => undefined);
  }
}

/** A message for the terminal: ours are written for people; others keep their own text. */
function describe(err: unknown, interrupted: boolean): string {
  if (interrupted) return "interrupted. Chunks stored so far are kept; run the ingest again to finish.";
  if (err instanceof ConfigError || err instanceof AppError) {
    // The upstream detail helps here (an operator at a terminal), and it is scrubbed.
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : "";
    return `${err.message}${cause}`;
  }
  return err instanceof Error ? err.message : String(err);
}

process.exitCode = await main(process.argv.slice(2));
