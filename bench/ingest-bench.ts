import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeCorpus } from "./corpus.ts";
import { runIngest } from "./ingest-process.ts";
import type { Stack } from "./stack.ts";
import { round } from "./stats.ts";

export interface IngestRun {
  wallSeconds: number;
  /** Embedding requests the Gemini emulator received. */
  embedCalls: number;
  summary: string;
}

export interface IngestResult {
  files: number;
  first: IngestRun;
  /** The same tree again: nothing changed, so nothing should be embedded. */
  repeat: IngestRun;
}

/** Ingests a generated corpus into its own collection (or PGlite folder), twice. */
export async function ingestBench(stack: Stack, corpus: { files: number; sections: number }, log: (line: string) => void): Promise<IngestResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "bench-corpus-"));
  const slot = await stack.emptyDatabase("ingest");
  try {
    await writeCorpus(dir, corpus);
    const env = { ...stack.serviceEnv(slot), QDRANT_COLLECTION: "bench-corpus" };
    const once = async (): Promise<IngestRun> => {
      await stack.upstreams.resetCounts();
      const { ms, summary } = await runIngest(dir, env);
      const { embedCalls } = await stack.upstreams.counts();
      return { wallSeconds: round(ms / 1000, 2)!, embedCalls, summary };
    };
    const first = await once();
    log(`ingest: ${first.summary}`);
    const repeat = await once();
    log(`ingest again: ${repeat.summary}`);
    return { files: corpus.files, first, repeat };
  } finally {
    await slot.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
