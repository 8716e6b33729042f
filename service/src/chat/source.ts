import { pageTitle } from "../book/page-title.ts";
import { pageUrl, type BookLocation } from "../book/page-url.ts";
import type { Source } from "../db/conversation-store.ts";
import type { SearchHit } from "../retrieval/vector-store.ts";
import { sourceHeading } from "./source-heading.ts";

/**
 * A passage as the reader's list of sources shows it: its page (title and url, at the section
 * when the chunk has an anchor), its heading and its similarity to the question. A chunk
 * ingested before urls, titles or anchors gets its url and title from its file path.
 */
export function toSource(hit: SearchHit, book: BookLocation): Source {
  const { file_path: file, anchor } = hit.payload;
  const page = hit.payload.url ?? pageUrl(book, file);
  return {
    file,
    heading: sourceHeading(file, hit.payload.heading_path),
    similarity: Math.round(hit.score * 10_000) / 10_000,
    url: anchor === undefined ? page : `${page}#${encodeURIComponent(anchor)}`,
    title: hit.payload.title ?? pageTitle(file),
    ...(anchor !== undefined ? { anchor } : {}),
  };
}
