// The thumbs up / thumbs down group shared by the chat page and the public widget: a thumbs
// down asks for a reason (one of the API's feedback categories) and an optional comment.

import { voteButton } from "./icons.js";
import { el } from "./dom.js";

export const CATEGORIES = [
  ["inaccurate", "Inaccurate"],
  ["incomplete", "Incomplete"],
  ["misunderstood", "Misunderstood my question"],
  ["slow_or_failed", "Slow or failed"],
  ["other", "Other"],
];

export function categoryLabel(value) {
  const found = CATEGORIES.find(([key]) => key === value);
  return found ? found[1] : value;
}

function reasonForm(id, maxComment, submit) {
  const form = el("form", "downvote stack");
  const label = el("label", "", "What went wrong?");
  label.htmlFor = `${id}-category`;
  const select = el("select");
  select.id = `${id}-category`;
  select.required = true;
  select.append(new Option("Choose a reason", ""));
  for (const [value, text] of CATEGORIES) select.append(new Option(text, value));
  const commentLabel = el("label", "", "Comment (optional)");
  commentLabel.htmlFor = `${id}-comment`;
  const comment = el("textarea");
  comment.id = `${id}-comment`;
  comment.rows = 2;
  comment.maxLength = maxComment;
  const send = el("button", "primary", "Send feedback");
  send.type = "submit";
  form.append(label, select, commentLabel, comment, send);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(select.value, comment.value);
  });
  return form;
}

// onVote(up, category, comment) sends the vote and resolves to the status line to show.
export function feedbackGroup({ id, label, pressed = null, status = "", maxComment, onVote }) {
  const box = el("div", "feedback");
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", label);
  const up = voteButton(false);
  const down = voteButton(true);
  const line = el("p", "feedback-status", status);
  line.setAttribute("aria-live", "polite");
  const press = (value) => {
    up.setAttribute("aria-pressed", String(value === "up"));
    down.setAttribute("aria-pressed", String(value === "down"));
  };
  press(pressed);
  const vote = async (isUp, category = "", comment = "") => {
    try {
      line.textContent = await onVote(isUp, category, comment);
      press(isUp ? "up" : "down");
      box.querySelector("form")?.remove();
    } catch (error) {
      line.textContent = error.message;
    }
  };
  up.addEventListener("click", () => vote(true));
  down.addEventListener("click", () => {
    if (!box.querySelector("form")) {
      box.insertBefore(reasonForm(id, maxComment, (c, text) => vote(false, c, text)), line);
    }
    box.querySelector("select").focus();
  });
  box.append(up, down, line);
  return box;
}
