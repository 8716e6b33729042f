/**
 * A passage's Markdown cut into its blocks (paragraphs, lists, code, tables, headings), as
 * the ingest wrote it: blocks apart by blank lines, a fenced code block whole whatever it
 * holds. Enough to quote a passage and keep it well-formed; not a Markdown parser.
 */
export interface MarkdownBlock {
  kind: "heading" | "paragraph" | "list" | "code" | "table";
  text: string;
  /** A list's items, each with its continuation lines; empty for other blocks. */
  items: string[];
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HEADING = /^\s{0,3}#{1,6}(\s|$)/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s/;

export function markdownBlocks(markdown: string): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.length > 0) blocks.push(toBlock(lines));
    lines = [];
  };
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    if (fence !== undefined) {
      lines.push(line);
      const close = FENCE.exec(line)?.[1];
      if (close !== undefined && close[0] === fence[0] && close.length >= fence.length && line.trim() === close) {
        fence = undefined;
        flush();
      }
      continue;
    }
    const open = FENCE.exec(line)?.[1];
    if (open !== undefined) {
      flush();
      fence = open;
      lines.push(line);
    } else if (line.trim() === "") {
      flush();
    } else if (HEADING.test(line)) {
      flush();
      blocks.push({ kind: "heading", text: line.trim(), items: [] });
    } else {
      lines.push(line);
    }
  }
  flush();
  return blocks;
}

function toBlock(lines: string[]): MarkdownBlock {
  const text = lines.join("\n");
  const first = lines[0]!;
  if (FENCE.test(first)) return { kind: "code", text, items: [] };
  if (first.trimStart().startsWith("|")) return { kind: "table", text, items: [] };
  const marker = LIST_ITEM.exec(first);
  if (!marker) return { kind: "paragraph", text, items: [] };
  // An item starts at the first item's indentation; deeper lines continue it.
  const indent = marker[1]!.length;
  const items: string[] = [];
  for (const line of lines) {
    const item = LIST_ITEM.exec(line);
    if (item && item[1]!.length === indent) items.push(line);
    else if (items.length > 0) items[items.length - 1] += `\n${line}`;
    else items.push(line);
  }
  return { kind: "list", text, items };
}

/** The block as a Markdown blockquote: every line behind `> `, blank ones behind `>`. */
export function quoteBlock(text: string): string {
  return text
    .split("\n")
    .map((line) => (line.trim() === "" ? ">" : `> ${line}`))
    .join("\n");
}
