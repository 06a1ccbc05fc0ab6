// The public widget: anonymous questions over /api/marketplace-chat/stream/ with a stable,
// client-generated session id, thumbs up/down per answer and click tracking on offering links.
// After a reload it shows the session's earlier turns and re-attaches to an answer in flight.

import { ApiError, apiFetch, local, readNdjson } from "./api.js";
import { feedbackGroup } from "./feedback.js";
import { StreamView, renderBlocks, renderMarkdown } from "./markdown.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const SESSION_KEY = "chat.public.session";
const OFFERING_LINK = /\/marketplace-public-offering\/([0-9a-fA-F-]{32,36})\//;
let busy = false;

function newSessionId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16)); // plain-HTTP pages lack randomUUID
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The session id the server binds this visitor's conversation to; kept across reloads.
export function sessionId() {
  let id = local.get(SESSION_KEY);
  if (!id || !/^[A-Za-z0-9._~-]{8,64}$/.test(id)) {
    id = newSessionId();
    local.set(SESSION_KEY, id);
  }
  return id;
}

function notice(message) {
  $("notice").textContent = message || "";
  $("notice").hidden = !message;
}

function post(action, body) {
  return apiFetch(`/api/marketplace-chat/${action}/`, { method: "POST", body, auth: false });
}

function trackClicks(container, ticket) {
  container.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    const match = link && link.getAttribute("href").match(OFFERING_LINK);
    if (!match || !ticket.interaction_uuid) return;
    // keepalive: the click is recorded even though the link opens a new page.
    fetch("/api/marketplace-chat/click/", {
      method: "POST",
      keepalive: true,
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ ...ticket, offering_uuid: match[1] }),
    }).catch(() => {});
  });
}

function feedbackControls(ticket, score = null) {
  return feedbackGroup({
    id: `feedback-${ticket.interaction_uuid}`,
    label: "Was this answer helpful?",
    pressed: { 1: "up", "-1": "down" }[score] || null,
    status: score ? "Thank you for your feedback." : "",
    maxComment: 500,
    onVote: async (up, category, comment) => {
      await post("feedback", { ...ticket, score: up ? 1 : -1, category, comment });
      return "Thank you for your feedback.";
    },
  });
}

function messageItem(role) {
  const item = el("li", `message role-${role}`);
  item.append(el("span", "who", role === "user" ? "You" : "Assistant"), el("div", "body"));
  return item;
}

function addWarning(question, text) {
  const warning = el("aside", "warning", text);
  warning.setAttribute("role", "note");
  question.append(warning);
}

function setBusy(on) {
  busy = on;
  $("send").disabled = on;
}

// Streams one answer into `answer` from `request()` (a new question, or a resume after a
// reload); the feedback controls follow once it has ended.
async function followAnswer(request, question, answer) {
  setBusy(true);
  notice("");
  answer.setAttribute("aria-busy", "true");
  const view = new StreamView(answer.querySelector(".body"));
  const ticket = {};
  trackClicks(answer, ticket);
  try {
    const response = await request();
    if (response.status === 204) {
      answer.remove(); // it ended while the page loaded: the transcript shows it next time
    } else {
      await readNdjson(response, (frame) => {
        if (frame.m && frame.m.interaction_uuid) {
          ticket.interaction_uuid = frame.m.interaction_uuid;
          ticket.feedback_token = frame.m.feedback_token;
        } else if (frame.w !== undefined) {
          addWarning(question, frame.w);
        } else {
          view.apply(frame);
        }
      });
      if (ticket.interaction_uuid) answer.append(feedbackControls(ticket));
    }
  } catch (error) {
    answer.remove();
    notice(error instanceof ApiError ? error.message : `The connection was lost: ${error.message}`);
  }
  answer.removeAttribute("aria-busy");
  setBusy(false);
  $("composer-input").focus();
}

// Settles once the session's earlier turns are on the page (see loadTranscript).
let transcriptShown = Promise.resolve();

function ask(text) {
  const question = messageItem("user");
  question.querySelector(".body").append(renderMarkdown(text));
  const answer = messageItem("assistant");
  $("messages").append(question, answer);
  const body = { input: text, session_id: sessionId() };
  // Sent once the transcript is shown: it then cannot hold this turn a second time.
  const request = async () => {
    await transcriptShown;
    return apiFetch("/api/marketplace-chat/stream/", { method: "POST", body, raw: true, auth: false });
  };
  return followAnswer(request, question, answer);
}

// After a reload: the session's earlier turns, above anything asked meanwhile, then the answer
// still being written, if any.
async function loadTranscript() {
  const session = sessionId();
  let turns;
  try {
    ({ data: turns } = await apiFetch("/api/marketplace-chat/transcript/", {
      params: { session_id: session },
      auth: false,
    }));
  } catch (error) {
    notice(error.message);
    return;
  }
  if (session !== sessionId()) return; // "New conversation" was pressed meanwhile
  const earlier = document.createDocumentFragment();
  const resumes = [];
  for (const turn of turns) {
    const question = messageItem("user");
    question.querySelector(".body").append(renderMarkdown(turn.user_input));
    if (turn.warning) addWarning(question, turn.warning);
    const answer = messageItem("assistant");
    earlier.append(question, answer);
    if (turn.in_flight) {
      resumes.push([question, answer]);
      continue;
    }
    answer.querySelector(".body").append(renderBlocks(turn.assistant_blocks));
    const ticket = { interaction_uuid: turn.interaction_uuid, feedback_token: turn.feedback_token };
    trackClicks(answer, ticket);
    if (turn.feedback_token) answer.append(feedbackControls(ticket, turn.feedback_score));
  }
  $("messages").prepend(earlier);
  const params = { session_id: session, after: 0 };
  for (const [question, answer] of resumes) {
    const request = () => apiFetch("/api/marketplace-chat/stream/", { params, raw: true, auth: false });
    followAnswer(request, question, answer);
  }
}

function init() {
  sessionId();
  transcriptShown = loadTranscript();
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("composer-input");
    if (busy || !input.value.trim()) return;
    const text = input.value;
    input.value = "";
    ask(text);
  });
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("restart").addEventListener("click", () => {
    if (busy) return;
    local.set(SESSION_KEY, newSessionId());
    $("messages").replaceChildren();
    notice("");
    $("composer-input").focus();
  });
}

init();
