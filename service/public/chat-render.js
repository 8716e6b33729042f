// Safe rendering of model output: every piece of text goes through textContent, never
// innerHTML. A small subset of Markdown is shown: paragraphs, lists, headings, fenced
// code blocks, `inline code` and **bold**.

/** Creates an element with a class and, optionally, text. */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const LIST_ITEM = /^\s*(?:[-*+]|\d+[.)])\s+/;
const ORDERED_ITEM = /^\s*\d+[.)]\s+/;
const HEADING = /^#{1,6}\s+/;

/** Replaces `container`'s children with `text` rendered as blocks. */
export function renderText(container, text) {
  const blocks = [];
  let paragraph = [];
  let code = null;

  const flush = () => {
    if (paragraph.length > 0) blocks.push(paragraphBlock(paragraph));
    paragraph = [];
  };

  for (const line of text.split("\n")) {
    if (code !== null) {
      if (line.trimStart().startsWith("```")) {
        blocks.push(codeBlock(code));
        code = null;
      } else code.push(line);
    } else if (line.trimStart().startsWith("```")) {
      flush();
      code = [];
    } else if (line.trim() === "") {
      flush();
    } else if (HEADING.test(line)) {
      flush();
      blocks.push(inline(el("p", "heading"), line.replace(HEADING, "")));
    } else if (LIST_ITEM.test(line) && paragraph.length > 0 && !LIST_ITEM.test(paragraph[0])) {
      // A list right after a sentence, without a blank line between: its own block.
      flush();
      paragraph.push(line);
    } else {
      paragraph.push(line);
    }
  }
  flush();
  // An open fence while the answer is still streaming: show what has come so far.
  if (code !== null) blocks.push(codeBlock(code));
  container.replaceChildren(...blocks);
}

function paragraphBlock(lines) {
  if (lines.every((line) => LIST_ITEM.test(line))) {
    const list = el(ORDERED_ITEM.test(lines[0]) ? "ol" : "ul");
    for (const line of lines) list.append(inline(el("li"), line.replace(LIST_ITEM, "")));
    return list;
  }
  const p = el("p");
  lines.forEach((line, i) => {
    if (i > 0) p.append(el("br"));
    inline(p, line);
  });
  return p;
}

function codeBlock(lines) {
  const pre = el("pre");
  pre.append(el("code", "", lines.join("\n")));
  pre.tabIndex = 0; // long lines scroll: let keyboard users scroll them
  return pre;
}

/** Appends `text` to `parent`, with `code` spans and **bold** as elements. */
function inline(parent, text) {
  for (const [i, part] of text.split(/(`[^`\n]+`|\*\*[^*\n]+\*\*)/).entries()) {
    if (part === "") continue;
    if (i % 2 === 0) parent.append(document.createTextNode(part));
    else if (part.startsWith("`")) parent.append(el("code", "", part.slice(1, -1)));
    else parent.append(el("strong", "", part.slice(2, -2)));
  }
  return parent;
}

/** An http(s) URL, or null: a model or a stored row must not smuggle `javascript:` in. */
function safeUrl(value) {
  if (typeof value !== "string" || value === "") return null;
  try {
    const parsed = new URL(value, document.baseURI);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** One entry per file and heading, the best score kept, best first. */
function distinctSources(sources) {
  const byPlace = new Map();
  for (const source of sources) {
    if (!source || typeof source.file !== "string") continue;
    const key = `${source.file}\u0000${source.heading ?? ""}`;
    const seen = byPlace.get(key);
    if (!seen || (source.similarity ?? 0) > (seen.similarity ?? 0)) byPlace.set(key, source);
  }
  return [...byPlace.values()].sort((a, b) => (b.similarity ?? 0) - (a.similarity ?? 0));
}

/** The sources list of a `done` event, or null when there is none (selection mode). */
export function sourcesBlock(sources) {
  const list = distinctSources(Array.isArray(sources) ? sources : []);
  if (list.length === 0) return null;
  const section = el("section", "sources");
  section.setAttribute("aria-label", "Sources");
  section.append(el("h2", "sources-title", "Sources"));
  const ol = el("ol");
  for (const source of list) {
    const li = el("li");
    const href = safeUrl(source.url);
    const heading = typeof source.heading === "string" ? source.heading : "";
    if (href) {
      const a = el("a", "source-link", heading || source.file);
      a.href = href;
      a.target = "_blank"; // the page may be framed: open the book outside the frame
      a.rel = "noopener noreferrer";
      a.title = source.file;
      li.append(a);
    } else {
      li.append(el("span", "source-file", source.file));
      if (heading) li.append(el("span", "source-heading", ` — ${heading}`));
    }
    if (typeof source.similarity === "number" && Number.isFinite(source.similarity)) {
      const percent = Math.round(Math.min(1, Math.max(0, source.similarity)) * 100);
      li.append(el("span", "similarity", `${percent}%`));
      li.lastChild.title = "Similarity to the question";
    }
    ol.append(li);
  }
  section.append(ol);
  return section;
}
