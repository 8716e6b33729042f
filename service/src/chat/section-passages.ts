import type { SearchHit } from "../retrieval/vector-store.ts";

/**
 * One passage per section: chunks of one file and heading, found apart, become one passage
 * at the rank of the best of them, their texts in the page's order. The answer cites
 * passages by number and the reader's list numbers its sources the same way, so a section
 * must be one number in both: two numbers for one section would send [2] to the wrong source.
 */
export function sectionPassages(hits: readonly SearchHit[]): SearchHit[] {
  const groups = new Map<string, SearchHit[]>();
  for (const hit of hits) {
    const key = `${hit.payload.file_path}\n${hit.payload.heading_path.join("\n")}`;
    const group = groups.get(key);
    if (group) group.push(hit);
    else groups.set(key, [hit]);
  }
  return [...groups.values()].map((group) => {
    const [best] = group as [SearchHit, ...SearchHit[]];
    if (group.length === 1) return best;
    const inPageOrder = [...group].sort((a, b) => (a.payload.chunk_index ?? 0) - (b.payload.chunk_index ?? 0));
    return { ...best, payload: { ...best.payload, content: inPageOrder.map((hit) => hit.payload.content).join("\n\n") } };
  });
}
