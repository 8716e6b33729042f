// The Gemini emulator's default answer: deterministic text built from the request, so tests can
// tell answers apart (it quotes words of the last user turn) and see citations (it cites [n]
// when the prompt carries numbered passages). Also the split of a text into stream pieces,
// the rough token count of usage fields and the responseId.
// Test code, never shipped.

type Part = { text?: unknown };
type GeminiContent = { role?: unknown; parts?: unknown };
type OpenAiMessage = { role?: unknown; content?: unknown };

function textOfParts(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  return parts
    .map((p: Part) => (typeof p?.text === "string" ? p.text : ""))
    .filter((t) => t.length > 0)
    .join("\n");
}

function textOfOpenAiContent(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((c: { text?: unknown }) => (typeof c?.text === "string" ? c.text : "")).join("\n");
}

/** The last user turn of a Gemini (contents) or OpenAI-style (messages) request. */
function lastUserTurn(request: unknown): string {
  const body = (request ?? {}) as { contents?: unknown; messages?: unknown };
  if (Array.isArray(body.contents)) {
    const turns = body.contents as GeminiContent[];
    const user = [...turns].reverse().find((c) => c?.role === undefined || c.role === "user");
    return user ? textOfParts(user.parts) : "";
  }
  if (Array.isArray(body.messages)) {
    const user = [...(body.messages as OpenAiMessage[])].reverse().find((m) => m?.role === "user");
    return user ? textOfOpenAiContent(user.content) : "";
  }
  return "";
}

/** The question the turn asks: what follows a "Question:" label when the prompt has one. */
function questionOf(turn: string): string {
  const labelled = /Question:\s*([\s\S]*)$/i.exec(turn);
  return (labelled ? labelled[1]! : turn).replace(/\s+/g, " ").trim();
}

/** Numbers of the passages the turn lists as "[n] ..." at the start of a line. */
function passageNumbers(turn: string): number[] {
  const numbers = new Set<number>();
  for (const match of turn.matchAll(/^\[(\d+)\]/gm)) numbers.add(Number(match[1]));
  return [...numbers].sort((a, b) => a - b);
}

export function defaultAnswer(request: unknown): string {
  const turn = lastUserTurn(request);
  const question = questionOf(turn);
  const topic = question.split(" ").slice(0, 8).join(" ") || "this";
  const cited = passageNumbers(turn).slice(0, 3);
  if (/^Selected text:/m.test(turn)) {
    return `From the selected text: on "${topic}", the passage says what the reader highlighted, read in its own context.`;
  }
  if (cited.length === 0) {
    return `On "${topic}": the material given does not cover this, so there is no passage to cite.`;
  }
  const refs = cited.map((n) => `[${n}]`);
  return `On "${topic}": the book explains this ${refs[0]}, with the details in the cited sections ${refs.join(" ")}.`;
}

const FILLER = "It goes on with more detail from the same material.";

/**
 * Splits a text into `count` non-empty pieces at word boundaries. With `pad`, a text with fewer
 * words than pieces is first lengthened with filler sentences, so the stream length is the
 * profile's and never the text's; without it (a test's own answer, kept verbatim) a short text
 * is split by characters instead, into at most one piece per character.
 */
export function splitIntoPieces(text: string, count: number, pad: boolean): string[] {
  const n = Math.max(1, Math.floor(count));
  let source = text.length > 0 || !pad ? text : FILLER;
  let words = source.match(/\S+\s*/g) ?? [];
  while (pad && words.length < n) {
    source = `${source.trimEnd()} ${FILLER}`;
    words = source.match(/\S+\s*/g) ?? [];
  }
  if (words.length < n || words.join("") !== source) {
    // Too few words, or leading whitespace the word split would drop: cut by characters.
    const chars = Array.from(source);
    if (chars.length === 0) return [""];
    return evenSlices(chars, Math.min(n, chars.length)).map((slice) => slice.join(""));
  }
  return evenSlices(words, n).map((slice) => slice.join(""));
}

function evenSlices<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < n; i++) out.push(items.slice(Math.floor((i * items.length) / n), Math.floor(((i + 1) * items.length) / n)));
  return out;
}

/** Rough token count (four characters a token), for usage fields. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A short random id in the style of Gemini's responseId. */
export function randomId(length = 22): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(Math.random() * alphabet.length)];
  return out;
}
