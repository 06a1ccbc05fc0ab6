// Hand-drawn inline SVG icons (no icon font, no emoji font needed).

const SVG = "http://www.w3.org/2000/svg";
const THUMB = "M2 10h4v11H2z M8 21h9.4a2 2 0 0 0 2-1.6l1.5-7.1A2 2 0 0 0 19 10h-5.4l.9-4.4a1.9 1.9 0 0 0-3.3-1.6L8 9z";

// A thumbs-up (or, turned over, thumbs-down) icon, hidden from assistive technology: the
// button's text carries the meaning.
export function thumb(down = false) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", `icon${down ? " flipped" : ""}`);
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", THUMB);
  svg.append(path);
  return svg;
}

// A vote button: icon plus label.
export function voteButton(down) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `vote ${down ? "down" : "up"}`;
  button.append(thumb(down), down ? "Not helpful" : "Helpful");
  return button;
}
