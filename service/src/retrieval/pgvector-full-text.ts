import type { Queryable } from "../db/database.ts";

/**
 * Postgres full-text search over a chunk table, for the lexical half of hybrid retrieval:
 * an exact command, option or error string is found by its words, whatever the embedding
 * makes of it. A generated column keeps it in step with every upsert, so the ingest writes
 * nothing more. Headings weigh more than body text (weight A over B). The heading path is
 * read element by element: array_to_string is not immutable, so a generated column cannot
 * call it, and the chunker's paths are at most H1 > H2 > H3.
 */
export const SEARCH_COLUMN = "search_text";

// The dictionary that stems questions and passages alike ("deploying" meets "deploy").
const TEXT_SEARCH_CONFIG = "english";

const HEADING_ELEMENTS = 4;

export async function addFullTextSearch(db: Queryable, table: string): Promise<void> {
  const headings = Array.from({ length: HEADING_ELEMENTS }, (_, i) => `coalesce(heading_path[${i + 1}], '')`).join(` || ' ' || `);
  await db.query(`
    alter table ${quoteIdent(table)} add column if not exists ${SEARCH_COLUMN} tsvector generated always as (
      setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', ${headings}), 'A') ||
      setweight(to_tsvector('${TEXT_SEARCH_CONFIG}', content), 'B')
    ) stored`);
  await db.query(`create index if not exists ${quoteIdent(`${table}_search_idx`)} on ${quoteIdent(table)} using gin (${SEARCH_COLUMN})`);
}

/**
 * The question as a tsquery of its words joined by OR: plainto_tsquery stems them and drops
 * stop words, but ANDs them, and a question rarely shares every word with its passage.
 * Hyphenated terms stay phrases ("text-embedding-004").
 */
export function anyWordQuery(param: string): string {
  return `replace(plainto_tsquery('${TEXT_SEARCH_CONFIG}', ${param})::text, ' & ', ' | ')::tsquery`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
