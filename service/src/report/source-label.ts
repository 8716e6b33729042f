import { pageTitle } from "../book/page-title.ts";
import type { Source } from "../db/conversation-store.ts";

/**
 * "Page title › section", as the reader's widget names a source. A passage above its page's
 * first heading has none: its stored heading is the page's name, which the title already says.
 */
export function sourceLabel(source: Source): string {
  const title = source.title ?? pageTitle(source.file);
  const section = source.heading.split(" > ").at(-1) ?? "";
  return section === "" || source.heading === pageTitle(source.file) ? title : `${title} › ${section}`;
}
