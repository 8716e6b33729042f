/**
 * Where Docusaurus serves a page of the book: the one rule, used by ingest (which knows the
 * page's front matter) and by chat (for points the previous ingest stored without a `url`).
 * The book's docs live under its route base path (DOCS_ROUTE_BASE_PATH).
 * It follows @docusaurus/plugin-content-docs 3: numberPrefix.ts and slug.ts.
 */

/** The front matter fields that move a page. */
export interface PageFrontMatter {
  slug?: string | undefined;
  id?: string | undefined;
}

// DefaultNumberPrefixParser: "01-intro", "2. setup" and "3 - usage" lose their numbers, but
// names that start like a date or a version ("2021-01-31-notes", "1.2-changes") keep theirs.
const DATE_OR_VERSION = /^\d+[-_.]\d+/;
const NUMBER_PREFIX = /^\d+\s*[-_.]+\s*(?=[^-_.\s])/;

export function stripNumberPrefix(name: string): string {
  return DATE_OR_VERSION.test(name) ? name : name.replace(NUMBER_PREFIX, "");
}

/**
 * The route of a page under the docs base URL, from its path in the docs folder. An absolute
 * front matter slug is the route. A folder's index page (`index`, `README`, or a file named
 * like its folder, in any case, compared before prefixes are stripped) is the folder's route,
 * unless it has a slug. Otherwise the slug, the id or the file name without its number prefix,
 * under the folders without theirs.
 */
export function docRoute(relativePath: string, frontMatter: PageFrontMatter = {}): string {
  const folders = relativePath.replace(/\.mdx?$/, "").split("/");
  const fileName = folders.pop()!;
  const folderRoute = folders.map(stripNumberPrefix);
  const trim = (route: string) => route.replace(/^\/+|\/+$/g, "").replace(/\/{2,}/g, "/");
  const { slug, id } = frontMatter;
  if (slug?.startsWith("/")) return trim(slug);
  if (slug === undefined && isFolderIndex(fileName, folders.at(-1))) return trim(folderRoute.join("/"));
  return trim([...folderRoute, slug ?? id ?? stripNumberPrefix(fileName)].join("/"));
}

function isFolderIndex(fileName: string, folder: string | undefined): boolean {
  const name = fileName.toLowerCase();
  return name === "index" || name === "readme" || name === folder?.toLowerCase();
}

/** Where the book is served: the site's URL (optional) and the docs plugin's routeBasePath. */
export interface BookLocation {
  /** The site's URL with its baseUrl, e.g. https://my-book.vercel.app; unset: URLs are paths. */
  docsBaseUrl?: string | undefined;
  /** The docs' route base path: "/docs" (Docusaurus' default) or "/" (routeBasePath: '/'). */
  docsRouteBasePath: string;
}

/**
 * The page's URL for a chunk's `file_path` (`docs/...`, as the payload stores it): a path
 * such as `/docs/guide/setup`, on the site's URL when one is configured.
 */
export function pageUrl(book: BookLocation, filePath: string, frontMatter: PageFrontMatter = {}): string {
  const site = (book.docsBaseUrl ?? "").replace(/\/+$/, "");
  const base = normalizeRouteBasePath(book.docsRouteBasePath);
  const route = docRoute(filePath.replace(/^\/?docs\//, ""), frontMatter);
  return `${site}${base === "/" ? "" : base}/${route}`;
}

/** "/docs", "docs/", "/docs/" -> "/docs"; "", "/" -> "/". */
export function normalizeRouteBasePath(value: string): string {
  const trimmed = value.trim().replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}`;
}
