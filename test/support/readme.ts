// The README's shell commands, as the tests that run them read them: each fenced bash
// block, comments and blank lines dropped, backslash-continued lines joined.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const README = join(import.meta.dirname, "..", "..", "README.md");

/** Every bash block of the README, as its list of command lines. */
export function readmeBlocks(path = README): string[][] {
  return [...readFileSync(path, "utf8").matchAll(/^```(?:bash|sh)\n([\s\S]*?)^```/gm)].map((match) =>
    match[1]!
      .replace(/\\\n\s*/g, "")
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}

/** The command lines of the block that contains `marker`. */
export function readmeCommands(marker: string, path = README): string[] {
  const block = readmeBlocks(path).find((lines) => lines.some((line) => line.includes(marker)));
  if (!block) throw new Error(`README has no bash block with "${marker}"`);
  return block;
}

/** Splits a command line as sh would for the plain words and quotes the README uses. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}
