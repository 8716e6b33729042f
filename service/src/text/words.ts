/** Words that say little about a passage's subject, left out of embeddings and lexical queries. */
export const STOP_WORDS = new Set(
  (
    "a about also am an and any are as at be been being but by can could did do does for from had has have how i if in into is it its just " +
    "me my no not of on or our should so some such than that the their them then there these they this those to too was we " +
    "were what when where which while who whom why will with would you your yours"
  ).split(" "),
);

/** The lower-cased words of a text that are not stop words, each once, in order: a lexical query's terms. */
export function contentWords(text: string, max = 16): string[] {
  const words = new Set<string>();
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:[_'][\p{L}\p{N}]+)*/gu)) {
    const word = match[0].replace(/'s$/, "");
    if (word.length < 2 || STOP_WORDS.has(word)) continue;
    words.add(word);
    if (words.size === max) break;
  }
  return [...words];
}
