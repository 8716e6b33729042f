// Docker's .dockerignore rules and its globbing (*, **, ?, !), as the space runner applies
// them to the build context (without re-inclusion inside an excluded folder).
// Test code, never shipped.
import { posix } from "node:path";

/** True for the paths .dockerignore excludes (a folder excludes what it holds). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^(\.?\/)+/, "").replace(/\/+$/, "");
      return { negate, pattern: globToRegExp(pattern) };
    });
  return (path) => {
    const candidates = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) excluded = !rule.negate;
    }
    return excluded;
  };
}

export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] as string;
    if (char === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
