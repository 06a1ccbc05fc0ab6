// A small, safe markdown renderer: it builds DOM nodes (never innerHTML), so answer text can
// not inject markup. Covers what assistants write: paragraphs, headings, lists, quotes, rules,
// fenced code, inline code, bold, italic and links. Mermaid is shown as code.
import { el } from "./dom.js";

const SAFE_SCHEMES = new Set(["http:", "https:", "mailto:"]);

// The scheme is read from the URL as the browser resolves it, never from the text: the URL
// parser drops leading control characters, so "\x01javascript:..." passes a pattern test as a
// relative link and still becomes a javascript: link.
export function safeHref(url) {
  let parsed;
  try {
    parsed = new URL(url, document.baseURI);
  } catch {
    return null;
  }
  return SAFE_SCHEMES.has(parsed.protocol) ? parsed.href : null;
}

// Underscores only emphasise at word edges: snake_case_names stay as they are.
const INLINE =
  /(`[^`\n]+`)|(\*\*[^*\n]+\*\*|(?<!\w)__[^_\n]+__(?!\w))|(\[[^\]\n]+\]\([^)\s]+\))|(\*[^*\s][^*\n]*\*|(?<!\w)_[^_\s][^_\n]*_(?!\w))/g;

export function renderInline(text, parent) {
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > last) parent.append(text.slice(last, match.index));
    const token = match[0];
    if (match[1]) {
      parent.append(el("code", "inline", token.slice(1, -1)));
    } else if (match[2]) {
      const strong = el("strong");
      renderInline(token.slice(2, -2), strong);
      parent.append(strong);
    } else if (match[3]) {
      const [, label, url] = token.match(/^\[([^\]]+)\]\(([^)\s]+)\)$/);
      const href = safeHref(url);
      if (href === null) {
        parent.append(label);
      } else {
        const link = el("a");
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        renderInline(label, link);
        parent.append(link);
      }
    } else {
      const em = el("em");
      renderInline(token.slice(1, -1), em);
      parent.append(em);
    }
    last = match.index + token.length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

export function codeBlock(source, language) {
  const lang = (language || "code").toLowerCase();
  const figure = el("figure", "code-block");
  figure.dataset.lang = lang;
  figure.append(el("figcaption", "code-lang", lang));
  const pre = el("pre");
  pre.tabIndex = 0; // long lines scroll: keyboard users must reach the scrollbar
  pre.append(el("code", `language-${lang}`, source));
  figure.append(pre);
  return figure;
}

function paragraph(lines) {
  const p = el("p");
  lines.forEach((line, index) => {
    if (index) p.append(el("br"));
    renderInline(line, p);
  });
  return p;
}

const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;

export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  const lines = (text || "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let para = [];
  const flush = () => {
    if (para.length) fragment.append(paragraph(para));
    para = [];
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = line.match(/^\s*```\s*([\w+#.-]*)/);
    if (fence) {
      flush();
      const body = [];
      i += 1;
      while (i < lines.length && !/^\s*```\s*$/.test(lines[i])) body.push(lines[i++]);
      i += 1; // the closing fence (or the end of an unfinished block)
      fragment.append(codeBlock(body.join("\n"), fence[1] || "code"));
      continue;
    }
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) {
      flush();
      // Answers sit under the page's own headings: their levels start at h3.
      const h = el(`h${Math.min(6, heading[1].length + 2)}`);
      renderInline(heading[2], h);
      fragment.append(h);
      i += 1;
      continue;
    }
    if (/^\s*(\*\s*\*\s*\*|-\s*-\s*-|_\s*_\s*_)[\s*_-]*$/.test(line)) {
      flush();
      fragment.append(el("hr"));
      i += 1;
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const quoted = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(lines[i++].replace(/^\s*>\s?/, ""));
      const quote = el("blockquote");
      quote.append(renderMarkdown(quoted.join("\n")));
      fragment.append(quote);
      continue;
    }
    const item = line.match(LIST_ITEM);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]);
      const list = el(ordered ? "ol" : "ul");
      while (i < lines.length) {
        const next = lines[i].match(LIST_ITEM);
        if (!next || /\d/.test(next[1]) !== ordered) break;
        const li = el("li");
        renderInline(next[2], li);
        list.append(li);
        i += 1;
      }
      fragment.append(list);
      continue;
    }
    if (!line.trim()) {
      flush();
    } else {
      para.push(line);
    }
    i += 1;
  }
  flush();
  return fragment;
}

// Stored message blocks (markdown, code with `tag`, mermaid, tool blocks) as DOM.
export function renderBlocks(blocks) {
  const fragment = document.createDocumentFragment();
  for (const block of blocks || []) {
    const content = typeof block.content === "string" ? block.content : "";
    if (block.key === "markdown") fragment.append(renderMarkdown(content));
    else if (block.key === "code") fragment.append(codeBlock(content, block.tag || "code"));
    else if (block.key === "mermaid") fragment.append(codeBlock(content, "mermaid"));
    else fragment.append(el("p", "muted", `[${block.key} block]`));
  }
  return fragment;
}

// The text of stored blocks, as the user typed it (for editing a message).
export function blocksText(blocks) {
  return (blocks || [])
    .map((block) => (typeof block.content === "string" ? block.content : ""))
    .join("");
}

// An answer being streamed: markdown chunks are concatenated and re-rendered, fenced blocks
// arrive whole (after a `load` placeholder).
export class StreamView {
  constructor(container) {
    this.container = container;
    this.markdown = "";
    this.current = null; // the element holding the markdown being received
    this.placeholder = null;
  }

  text() {
    return this.container.textContent;
  }

  // Shows an answer frame (text, a fenced block, an error); false for any other frame.
  apply(frame) {
    if (frame.k === "markdown") this.markdownChunk(frame.c || "");
    else if (frame.k === "load") this.loading(frame.t);
    else if (frame.k === "code") this.block(frame.c || "", frame.t || "code");
    else if (frame.k === "mermaid") this.block(frame.c || "", "mermaid");
    else if (frame.e) this.error(frame.e);
    else return false;
    return true;
  }

  markdownChunk(chunk) {
    if (!this.current) {
      this.current = el("div", "md");
      this.container.append(this.current);
      this.markdown = "";
    }
    this.markdown += chunk;
    this.current.replaceChildren(renderMarkdown(this.markdown));
  }

  loading(kind) {
    this.current = null;
    this.placeholder = el("p", "muted loading", kind === "mermaid" ? "Writing a diagram…" : "Writing code…");
    this.container.append(this.placeholder);
  }

  block(code, language) {
    this.current = null;
    const node = codeBlock(code, language);
    if (this.placeholder) this.placeholder.replaceWith(node);
    else this.container.append(node);
    this.placeholder = null;
  }

  error(message) {
    this.current = null;
    if (this.placeholder) this.placeholder.remove();
    this.placeholder = null;
    this.container.append(el("p", "error", message));
  }
}
