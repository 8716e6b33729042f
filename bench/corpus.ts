import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

const WORDS = (
  "vector store embedding chunk heading retrieval stream token answer question context section " +
  "database migration health latency deploy container secret variable collection payload cosine " +
  "similarity query passage conversation message source model batch quota retry timeout book page"
).split(" ");

/** A small deterministic PRNG (mulberry32): the same corpus on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function paragraph(next: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]!);
  return out.join(" ").replace(/^\w/, (c) => c.toUpperCase()) + ".";
}

/**
 * Writes a Docusaurus-like docs tree of `files` pages with `sections` H2 sections each. A
 * section holds about 150 words (well under the chunker's 400-token budget), so the tree
 * makes about files × sections chunks.
 */
export async function writeCorpus(dir: string, options: { files: number; sections: number; seed?: number }): Promise<string> {
  const next = random(options.seed ?? 42);
  const docs = path.join(dir, "docs");
  for (let f = 0; f < options.files; f++) {
    const folder = path.join(docs, `module-${String(Math.floor(f / 10) + 1).padStart(2, "0")}`);
    await mkdir(folder, { recursive: true });
    const lines = [`---`, `title: Chapter ${f + 1}`, `---`, ``, `# Chapter ${f + 1}`, ``, paragraph(next, 40), ``];
    for (let s = 0; s < options.sections; s++) {
      lines.push(`## Topic ${s + 1}`, ``, paragraph(next, 70), ``, paragraph(next, 80), ``);
    }
    await writeFile(path.join(folder, `chapter-${String(f + 1).padStart(2, "0")}.md`), lines.join("\n"));
  }
  return dir;
}
