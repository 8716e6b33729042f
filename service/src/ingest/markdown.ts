import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";
import remarkMdx from "remark-mdx";
import remarkParse from "remark-parse";
import { unified } from "unified";
import { escapeMarkdownHeadingIds, headingIds } from "../book/heading-ids.ts";
import { parse as parseYaml } from "yaml";
import { AppError } from "../errors.ts";

/** The Docusaurus front matter fields ingest reads. */
export interface FrontMatter {
  title?: string;
  slug?: string;
  id?: string;
  sidebar_label?: string;
}

/**
 * A piece of a section that the chunker keeps together or splits: "code" is never split
 * (fenced code, or a list item holding code); "text" splits on paragraphs and sentences.
 */
export interface Block {
  kind: "text" | "code";
  /** The original markdown of the block, MDX syntax removed. */
  text: string;
  /** Joined to the previous block with one newline (items of one list), not a blank line. */
  tight?: boolean;
}

export interface Section {
  /** The H2 and H3 headings above the text; empty for the text before the first H2. */
  headingPath: string[];
  /** The id Docusaurus gives the section's heading (its link target); none above the first H2. */
  anchor?: string;
  blocks: Block[];
}

export interface ParsedDoc {
  /** Front matter title, else the first H1 (the page title Docusaurus shows); else none. */
  title: string | undefined;
  frontMatter: FrontMatter;
  sections: Section[];
}

interface Node {
  type: string;
  value?: string;
  depth?: number;
  children?: Node[];
  position?: { start: { offset?: number; column: number }; end: { offset?: number } };
}

/**
 * Splits a Docusaurus page into sections by heading path. The text of each block is sliced
 * from the source, so markdown (lists, tables, code fences) stays as the author wrote it.
 */
export function parseDoc(source: string, options: { mdx: boolean; file?: string }): ParsedDoc {
  const processor = unified().use(remarkParse).use(remarkFrontmatter, ["yaml"]).use(remarkGfm);
  if (options.mdx) processor.use(remarkMdx);
  // MDX reads `{#custom-id}` as an expression: escaped as Docusaurus escapes it, it is text.
  // Every block is sliced from this text, so offsets match the tree.
  if (options.mdx) source = escapeMarkdownHeadingIds(source);
  let tree: Node;
  try {
    tree = processor.parse(source) as Node;
  } catch (err) {
    const line = (err as { line?: unknown }).line;
    const where = typeof line === "number" ? ` at line ${line}` : "";
    throw new AppError("invalid_request", `${options.file ?? "document"}: not valid MDX${where} (${(err as Error).message})`, { cause: err });
  }

  const ids = headingIds(tree);
  let frontMatter: FrontMatter = {};
  let h1: string | undefined;
  const sections: Section[] = [{ headingPath: [], blocks: [] }];
  let h2: string | undefined;
  const current = () => sections[sections.length - 1]!;
  const push = (block: Block) => {
    if (block.text.trim() !== "") current().blocks.push(block);
  };

  const visit = (nodes: Node[]) => {
    for (const node of nodes) {
      switch (node.type) {
        case "yaml":
          frontMatter = readFrontMatter(node.value ?? "", options.file);
          break;
        case "mdxjsEsm":
        case "mdxFlowExpression":
          break;
        case "mdxJsxFlowElement":
          // The component goes, the markdown inside it stays (tabs, details, custom boxes).
          visit(node.children ?? []);
          break;
        case "heading": {
          const text = headingText(node);
          if (node.depth === 1) {
            h1 ??= text;
          } else if (node.depth === 2 || node.depth === 3) {
            if (node.depth === 2) h2 = text;
            const headingPath = node.depth === 2 || h2 === undefined ? [text] : [h2, text];
            const line = sliceClean(source, node).replace(HEADING_ID, "");
            sections.push({ headingPath, anchor: ids.get(node), blocks: [{ kind: "text", text: line }] });
          } else {
            push({ kind: "text", text: sliceClean(source, node).replace(HEADING_ID, "") });
          }
          break;
        }
        case "code":
          push({ kind: "code", text: sliceClean(source, node) });
          break;
        case "list":
          // One block per item, so a long list splits between items, never inside one.
          for (const [i, item] of (node.children ?? []).entries()) {
            push({ kind: containsCode(item) ? "code" : "text", text: sliceClean(source, item), tight: i > 0 });
          }
          break;
        case "html":
          push({ kind: "text", text: stripHtml(sliceClean(source, node)) });
          break;
        default:
          push({ kind: "text", text: sliceClean(source, node) });
      }
    }
  };
  visit(tree.children ?? []);

  // A heading followed directly by a subheading has no text of its own.
  const withText = sections.filter((s, i) => s.blocks.length > (i === 0 ? 0 : 1));
  return {
    title: frontMatter.title ?? h1,
    frontMatter,
    sections: withText,
  };
}

function readFrontMatter(yamlText: string, file: string | undefined): FrontMatter {
  let data: unknown;
  try {
    data = parseYaml(yamlText);
  } catch (err) {
    throw new AppError("invalid_request", `${file ?? "document"}: invalid front matter (${(err as Error).message})`, { cause: err });
  }
  if (data === null || typeof data !== "object") return {};
  const record = data as Record<string, unknown>;
  const out: FrontMatter = {};
  for (const key of ["title", "slug", "id", "sidebar_label"] as const) {
    const value = record[key];
    if (typeof value === "string" || typeof value === "number") out[key] = String(value);
  }
  return out;
}

// Docusaurus' custom heading id (parseMarkdownHeadingId): anything but `{#` and `}`, last on the line.
const HEADING_ID = /\s*\\?\{#(?:.(?!\{#|\}))*.\}\s*$/;

function headingText(node: Node): string {
  return plainText(node)
    .replace(HEADING_ID, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The text a reader sees: values of text and code leaves, MDX expressions and HTML left out. */
function plainText(node: Node): string {
  if (node.type === "text" || node.type === "inlineCode") return node.value ?? "";
  if (node.type === "mdxTextExpression" || node.type === "html") return "";
  return (node.children ?? []).map(plainText).join("");
}

function containsCode(node: Node): boolean {
  return node.type === "code" || (node.children ?? []).some(containsCode);
}

const offsets = (node: Node): [number, number] | undefined => {
  const start = node.position?.start.offset;
  const end = node.position?.end.offset;
  return start === undefined || end === undefined ? undefined : [start, end];
};

/**
 * The node's source with inline MDX removed (JSX tags go, their children's text stays;
 * expressions go), dedented when the node sat indented inside a JSX element, and
 * admonition fences turned into a plain label.
 */
function sliceClean(source: string, node: Node): string {
  const range = offsets(node);
  if (!range) return plainText(node);
  const removals: Array<[number, number]> = [];
  const collect = (n: Node) => {
    for (const child of n.children ?? []) {
      const r = offsets(child);
      if (r && (child.type === "mdxTextExpression" || child.type === "mdxFlowExpression" || child.type === "mdxjsEsm")) {
        removals.push(r);
        continue;
      }
      if (r && (child.type === "mdxJsxTextElement" || child.type === "mdxJsxFlowElement")) {
        const kids = (child.children ?? []).map(offsets).filter((k) => k !== undefined);
        const first = kids[0];
        const last = kids[kids.length - 1];
        if (first && last) removals.push([r[0], first[0]], [last[1], r[1]]);
        else removals.push(r);
      }
      if (r && child.type === "html") {
        removals.push(r);
        continue;
      }
      collect(child);
    }
  };
  collect(node);
  removals.sort((a, b) => a[0] - b[0]);

  let text = "";
  let cursor = range[0];
  for (const [start, end] of removals) {
    if (start > cursor) text += source.slice(cursor, start);
    cursor = Math.max(cursor, end);
  }
  text += source.slice(cursor, range[1]);
  const dedented = dedent(text, (node.position?.start.column ?? 1) - 1);
  return node.type === "code" ? dedented : rewriteAdmonitions(dedented);
}

/** Continuation lines of a node that started at column n+1 carry up to n spaces of indentation. */
function dedent(text: string, indent: number): string {
  if (indent <= 0) return text;
  const pattern = new RegExp(`^ {1,${indent}}`);
  const [first, ...rest] = text.split("\n");
  return [first, ...rest.map((line) => line.replace(pattern, ""))].join("\n");
}

/** `:::tip Title` becomes `Tip: Title` and closing `:::` lines go: the text is what matters. */
function rewriteAdmonitions(text: string): string {
  return text
    .replace(/^:::\s*([A-Za-z]+)(?:\[(.*)\]|[ \t]+(.*))?[ \t]*$/gm, (_m, kind: string, bracketTitle?: string, title?: string) => {
      const label = kind[0]!.toUpperCase() + kind.slice(1).toLowerCase();
      const heading = (bracketTitle ?? title ?? "").trim();
      return heading ? `${label}: ${heading}` : `${label}:`;
    })
    .replace(/^:::[ \t]*\n?/gm, "")
    .trim();
}

function stripHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<[^>]+>/g, "")
    .trim();
}
