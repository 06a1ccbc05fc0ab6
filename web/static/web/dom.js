// Small DOM helpers shared by the pages.

// An element with an optional class and text (always set as text, never parsed as HTML).
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
