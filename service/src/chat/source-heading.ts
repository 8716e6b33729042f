import { docRoute } from "../book/page-url.ts";

/**
 * The heading a source shows. A section named only "Overview", "Examples" or a single letter
 * (a glossary's "A") says nothing on its own in a list of sources, so it carries its page's
 * title; so does text above a page's first heading, which has none.
 */
const GENERIC_HEADINGS = new Set([
  "overview", "introduction", "intro", "summary", "example", "examples", "usage", "notes", "note", "details", "background",
  "conclusion", "faq", "reference", "references", "setup", "prerequisites", "next steps", "see also", "basics", "general",
  "more", "other", "misc", "miscellaneous", "getting started", "how it works", "configuration", "options", "api",
]);

export function sourceHeading(filePath: string, headingPath: readonly string[]): string {
  const heading = headingPath.join(" > ");
  const first = headingPath[0]?.trim().toLowerCase() ?? "";
  if (first === "") return pageTitle(filePath);
  if (first.length === 1 || GENERIC_HEADINGS.has(first)) return `${pageTitle(filePath)} > ${heading}`;
  return heading;
}

/**
 * A page's title from its path, as its sidebar would read: "docs/04-operations/02-deploying.md"
 * is "Deploying"; an index page takes its folder's name (Docusaurus's route rule). Points
 * carry no title of their own (the contract's payload has none).
 */
export function pageTitle(filePath: string): string {
  const route = docRoute(filePath.replace(/\\/g, "/").replace(/^\/?docs\//, ""));
  const words = (route.split("/").at(-1) ?? "").replace(/[-_]+/g, " ").trim();
  return words.length === 0 ? filePath : words[0]!.toUpperCase() + words.slice(1);
}
