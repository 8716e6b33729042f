import { docRoute } from "./page-url.ts";

/**
 * A page's title from its path, as its sidebar would read: "docs/04-operations/02-deploying.md"
 * is "Deploying"; an index page takes its folder's name (Docusaurus's route rule). The title of
 * a page whose front matter and headings give none, and of points ingested without one.
 */
export function pageTitle(filePath: string): string {
  const route = docRoute(filePath.replace(/\\/g, "/").replace(/^\/?docs\//, ""));
  const words = (route.split("/").at(-1) ?? "").replace(/[-_]+/g, " ").trim();
  return words.length === 0 ? filePath : words[0]!.toUpperCase() + words.slice(1);
}
