/**
 * The book page of a chunk, for points that carry no `url` (the previous ingest wrote none):
 * Docusaurus drops the `docs/` folder, the extension, numeric ordering prefixes and `index`.
 */
export function sourceUrl(docsBaseUrl: string | undefined, filePath: string): string | undefined {
  if (!docsBaseUrl) return undefined;
  const route = filePath
    .replace(/^\/?docs\//, "")
    .replace(/\.mdx?$/, "")
    .split("/")
    .map((segment) => segment.replace(/^\d+[-_.]/, ""))
    .filter((segment, i, all) => !(i === all.length - 1 && /^(index|readme)$/i.test(segment)))
    .join("/");
  return `${docsBaseUrl.replace(/\/+$/, "")}/${route}`;
}
