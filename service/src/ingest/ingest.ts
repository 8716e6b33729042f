import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { pageUrl, type BookLocation } from "../book/page-url.ts";
import { pageTitle } from "../book/page-title.ts";
import type { Embedder } from "../embeddings/embedder.ts";
import { AppError } from "../errors.ts";
import type { ChunkPoint, VectorStore } from "../retrieval/vector-store.ts";
import { chunkSections, type ChunkOptions } from "./chunker.ts";
import { embedText as embedTextOf } from "./embed-text.ts";
import { parseDoc } from "./markdown.ts";

export interface IngestProgress {
  phase: "embed" | "delete";
  done: number;
  total: number;
}

export interface IngestOptions {
  /** The book's `docs/` folder, or a folder holding one. */
  docsDir: string;
  embedder: Embedder;
  store: VectorStore;
  /** Where the book serves its pages: each payload carries its page's `url`. */
  book?: BookLocation;
  /** Chunks per embed call. */
  batchSize?: number;
  /** Embed-and-upsert batches in flight at once. */
  concurrency?: number;
  chunking?: ChunkOptions;
  onProgress?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
}

export interface IngestSummary {
  files: number;
  chunks: number;
  embedded: number;
  upserted: number;
  deleted: number;
  unchanged: number;
  embedCalls: number;
  ms: number;
}

/**
 * Brings the store in line with a docs tree. Point ids are derived from what a point holds
 * (file, position, content, embedding model), so a point that exists is already right:
 * only new ids are embedded and written, and ids the tree no longer produces are deleted.
 * A second run over the same tree therefore writes nothing.
 */
export async function ingestDocs(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { embedder, store, signal } = options;
  const batchSize = Math.max(1, options.batchSize ?? 100);
  const concurrency = Math.max(1, options.concurrency ?? 2);

  const root = await docsRoot(options.docsDir);
  const files = await listDocs(root);
  // An empty tree would delete the whole collection: a wrong path must not do that.
  if (files.length === 0) throw new AppError("invalid_request", `No .md or .mdx files under ${options.docsDir}.`);

  const wanted: ChunkPoint[] = [];
  const embedTexts = new Map<string, string>();
  for (const relative of files) {
    signal?.throwIfAborted();
    for (const { point, embedText } of await chunkFile(root, relative, embedder, options)) {
      wanted.push(point);
      embedTexts.set(point.id, embedText);
    }
  }

  await store.ensureCollection(embedder.dimensions);
  signal?.throwIfAborted();
  const existing = new Set((await store.listPoints()).map((p) => p.id));
  const wantedIds = new Set(wanted.map((p) => p.id));
  const missing = wanted.filter((p) => !existing.has(p.id));
  const stale = [...existing].filter((id) => !wantedIds.has(id));

  const summary = { embedded: 0, upserted: 0, embedCalls: 0 };
  const batches: ChunkPoint[][] = [];
  for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));
  let next = 0;
  const failed = new AbortController();
  const batchSignal = signal ? AbortSignal.any([signal, failed.signal]) : failed.signal;
  // Each batch is written as soon as it is embedded: an interrupted run keeps its work.
  const worker = async () => {
    while (next < batches.length && !batchSignal.aborted) {
      const batch = batches[next++]!;
      summary.embedCalls++;
      const vectors = await embedder.embed(batch.map((p) => embedTexts.get(p.id)!), "RETRIEVAL_DOCUMENT", batchSignal);
      summary.embedded += vectors.length;
      batchSignal.throwIfAborted();
      await store.upsert(batch.map((p, i) => ({ ...p, vector: vectors[i]! })));
      summary.upserted += batch.length;
      options.onProgress?.({ phase: "embed", done: summary.upserted, total: missing.length });
    }
  };
  if (missing.length > 0) options.onProgress?.({ phase: "embed", done: 0, total: missing.length });
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  } catch (err) {
    failed.abort();
    throw err;
  }

  // Deleting last means a reader never finds an edited page missing mid-run.
  if (stale.length > 0) {
    signal?.throwIfAborted();
    await store.deletePoints(stale);
    options.onProgress?.({ phase: "delete", done: stale.length, total: stale.length });
  }

  return {
    files: files.length,
    chunks: wanted.length,
    embedded: summary.embedded,
    upserted: summary.upserted,
    deleted: stale.length,
    unchanged: wanted.length - missing.length,
    embedCalls: summary.embedCalls,
    ms: Math.round(performance.now() - started),
  };
}

// Docusaurus' default routeBasePath.
const DEFAULT_BOOK: BookLocation = { docsRouteBasePath: "/docs" };

async function chunkFile(
  root: string,
  relative: string,
  embedder: Embedder,
  options: Pick<IngestOptions, "book" | "chunking">,
): Promise<Array<{ point: ChunkPoint; embedText: string }>> {
  const source = await readFile(path.join(root, relative), "utf8");
  const filePath = `docs/${relative}`;
  const doc = parseDoc(source, { mdx: relative.endsWith(".mdx"), file: filePath });
  const title = doc.title ?? pageTitle(filePath);
  const url = pageUrl(options.book ?? DEFAULT_BOOK, filePath, doc.frontMatter);

  return chunkSections(doc.sections, options.chunking).map((chunk, index) => {
    const embedText = embedTextOf(title, chunk.headingPath, chunk.content);
    const contentHash = createHash("sha256").update(embedText).digest("hex");
    // The url, anchor and title are part of what a point holds: a new route base, slug, title
    // or heading id rewrites the page's points.
    const id = pointId(`${filePath}\n${index}\n${contentHash}\n${embedder.model}@${embedder.dimensions}\n${url}\n${chunk.anchor ?? ""}\n${title}`);
    const point: ChunkPoint = {
      id,
      vector: [],
      payload: {
        file_path: filePath,
        heading_path: chunk.headingPath,
        section_depth: chunk.headingPath.length,
        content: chunk.content,
        token_count: chunk.tokenCount,
        embedding_model: embedder.model,
        content_hash: contentHash,
        chunk_index: index,
        url,
        title,
        ...(chunk.anchor !== undefined ? { anchor: chunk.anchor } : {}),
      },
    };
    return { point, embedText };
  });
}

// A fixed namespace (random, generated once) for ingest's name-based ids.
const POINT_NAMESPACE = Buffer.from("3f1d6c2a8b9e4f7a9c0d5e6f7a8b9c0d", "hex");

/** A UUID version 5 (SHA-1, name-based) of `name`: the same chunk always gets the same id. */
export function pointId(name: string): string {
  const bytes = createHash("sha1").update(POINT_NAMESPACE).update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The folder whose files are the book's pages: docsDir itself, or its `docs/` subfolder. */
async function docsRoot(docsDir: string): Promise<string> {
  const resolved = path.resolve(docsDir);
  const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
  if (!(await isDir(resolved))) throw new AppError("invalid_request", `${docsDir} is not a folder.`);
  if (path.basename(resolved) !== "docs" && (await isDir(path.join(resolved, "docs")))) return path.join(resolved, "docs");
  return resolved;
}

/** Every page under root, as sorted POSIX paths relative to it. Docusaurus skips `_` partials. */
async function listDocs(root: string, relative = ""): Promise<string[]> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  const out: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith(".") || entry.name.startsWith("_") || entry.name === "node_modules") continue;
    const child = relative ? `${relative}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listDocs(root, child)));
    else if (entry.isFile() && /\.mdx?$/.test(entry.name)) out.push(child);
  }
  return out.sort();
}
