import { pageTitle } from "../book/page-title.ts";
import { pageUrl, type BookLocation } from "../book/page-url.ts";
import type { PassageSearch } from "../chat/passage-search.ts";
import { sourceHeading } from "../chat/source-heading.ts";
import { toSource } from "../chat/source.ts";
import type { StoredPage, VectorStore } from "../retrieval/vector-store.ts";

export interface BookToolsOptions {
  /** The chat's own retrieval: hybrid search and relevance threshold. */
  passages: PassageSearch;
  store: VectorStore;
  book: BookLocation;
}

/** A passage found for a query, as search_book returns it. */
export interface FoundPassage {
  title: string;
  heading: string;
  /** The page, at the passage's section when it has an anchor. */
  url: string;
  file: string;
  similarity: number;
  text: string;
}

export interface BookPage {
  file: string;
  title: string;
  url: string;
  chunks: Array<{ heading: string; url: string; text: string }>;
}

/**
 * What the book's MCP tools do, apart from the protocol: search the book as the chat does,
 * and read a page whole. Read-only; nothing is stored.
 */
export class BookTools {
  readonly #o: BookToolsOptions;

  constructor(options: BookToolsOptions) {
    this.#o = options;
  }

  /** The passages the chat would answer from; none when the book does not cover the query. */
  async searchBook(query: string, limit: number | undefined, signal: AbortSignal): Promise<FoundPassage[]> {
    const hits = await this.#o.passages.search(query, signal, limit);
    return hits.map((hit) => {
      const source = toSource(hit, this.#o.book);
      return { title: source.title!, heading: source.heading, url: source.url!, file: source.file, similarity: source.similarity, text: hit.payload.content };
    });
  }

  /** A page's chunks in order, found by its file path or its url; null when the book has no such page. */
  async readPage(reference: string, signal: AbortSignal): Promise<BookPage | null> {
    const page = this.#find(await this.#o.store.listPages(), reference);
    if (page === undefined) return null;
    const chunks = await this.#o.store.pageChunks(page.file_path, signal);
    const url = this.#pageUrl(page);
    return {
      file: page.file_path,
      title: page.title ?? pageTitle(page.file_path),
      url,
      chunks: chunks.map((chunk) => ({
        heading: sourceHeading(chunk.file_path, chunk.heading_path),
        url: chunk.anchor === undefined ? url : `${url}#${encodeURIComponent(chunk.anchor)}`,
        text: chunk.content,
      })),
    };
  }

  #pageUrl(page: StoredPage): string {
    return page.url ?? pageUrl(this.#o.book, page.file_path);
  }

  /** By file path (`docs/a/b.md`, `a/b.md`), else by url (absolute or a path; anchor and query ignored). */
  #find(pages: readonly StoredPage[], reference: string): StoredPage | undefined {
    const given = reference.trim().replace(/[?#].*$/, "");
    const file = `docs/${given.replace(/\\/g, "/").replace(/^\.?\/+/, "").replace(/^docs\//, "")}`;
    const byFile = pages.find((p) => p.file_path === file);
    if (byFile) return byFile;
    const path = pathOf(given);
    return pages.find((p) => {
      const url = this.#pageUrl(p);
      return url === given || (path !== undefined && pathOf(url) === path);
    });
  }
}

/** A url's path without its trailing slash ("/" stays "/"); undefined when it is not a url or path. */
function pathOf(url: string): string | undefined {
  try {
    const path = new URL(url, "http://book.invalid").pathname.replace(/\/+$/, "");
    return path === "" ? "/" : path;
  } catch {
    return undefined;
  }
}
