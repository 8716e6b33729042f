import { pageTitle } from "../book/page-title.ts";

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
