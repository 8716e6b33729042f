/**
 * The text a chunk is embedded as: its page title and headings, then its content. They say
 * what the chunk is about, so they weigh in its vector.
 */
export function embedText(title: string, headingPath: readonly string[], content: string): string {
  return `${[title, ...headingPath].join(" > ")}\n\n${content}`;
}
