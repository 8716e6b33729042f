import GithubSlugger from "github-slugger";
import { toString } from "mdast-util-to-string";

/** The little of an mdast node read here. */
interface MdastNode {
  type: string;
  children?: MdastNode[];
}

/**
 * The id Docusaurus gives each heading of a page: the `#anchor` its table of contents and a
 * link to the section use. As @docusaurus/mdx-loader's headings plugin does (3.9): every
 * heading of the page in document order, whatever its depth or where it sits (inside a JSX
 * element, a list), gets a `{#custom-id}` as written, else github-slugger's slug of its text
 * (one slugger per page, so a repeated heading gets `-1`, `-2`...); a custom id takes no slug.
 */
export function headingIds<N extends MdastNode>(tree: N): Map<N, string> {
  const slugger = new GithubSlugger();
  const ids = new Map<N, string>();
  const visit = (node: N) => {
    if (node.type === "heading") {
      // As the plugin reads it: HTML (and MDX 1 JSX) children left out, unless that leaves none.
      const children = (node.children ?? []).filter((child) => child.type !== "html" && child.type !== "jsx");
      const text = toString(children.length > 0 ? children : node);
      ids.set(node, customHeadingId(text) ?? slugger.slug(text));
    }
    for (const child of node.children ?? []) visit(child as N);
  };
  visit(tree);
  return ids;
}

/**
 * Docusaurus accepts `## Title {#custom-id}` in MDX, where the braces would be a JavaScript
 * expression: it escapes the first `{#` of each heading line before MDX reads the page
 * (@docusaurus/utils' escapeMarkdownHeadingIds), and so must a reader of its pages.
 */
export function escapeMarkdownHeadingIds(source: string): string {
  return source.replaceAll(/(?:^|\n)#{1,6}(?!#).*/g, (line) => line.replace("{#", "\\{#").replace("\\\\{#", "\\{#"));
}

// @docusaurus/utils' parseMarkdownHeadingId: `{#id}` last on the line, the id anything but `{#` and `}`.
const CUSTOM_HEADING_ID = /\s*\{#(?<id>(?:.(?!\{#|\}))*.)\}$/;

function customHeadingId(heading: string): string | undefined {
  return CUSTOM_HEADING_ID.exec(heading)?.groups?.id;
}
