// The signed-in chat page: threads (search, archive), a conversation rendered from the NDJSON
// stream as it arrives (and re-attached to after a reload), edit, regenerate, stop, feedback,
// export, warnings and refusals.

import { ApiError, apiFetch, describeError, formatTime, readNdjson } from "./api.js";
import { setupLogin } from "./login.js";
import { categoryLabel, feedbackGroup } from "./feedback.js";
import { StreamView, blocksText, renderBlocks, renderMarkdown } from "./markdown.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);

const FINISH_NOTES = {
  cancelled: "Stopped: the answer was cut short.",
  length: "The answer reached its length limit.",
  interrupted: "The answer was interrupted.",
  error: "The assistant failed to answer.",
  timeout: "The assistant took too long and was stopped.",
};

const state = {
  thread: null, // { uuid, name } of the open conversation, null for a new one
  messages: [], // active messages of the open thread, from the API
  streaming: false,
  finishNote: null, // { uuid, text }: shown under an answer that did not finish normally
};

function notice(message) {
  const box = $("notice");
  box.textContent = message || "";
  box.hidden = !message;
}

// --- threads -------------------------------------------------------------------------------

async function loadThreads() {
  const query = $("thread-query").value.trim();
  const { data } = await apiFetch("/api/chat-threads/", {
    params: {
      scope: "own",
      // "Show archived" adds the archived threads to the list: no filter at all then.
      is_archived: $("thread-archived").checked ? undefined : "false",
      query,
      o: "-modified",
      page_size: 100,
      field: ["uuid", "name", "modified", "is_archived"],
    },
  });
  const list = $("thread-list");
  list.replaceChildren();
  for (const thread of data) {
    const item = el("li", thread.is_archived ? "thread archived" : "thread");
    const open = el("button", "thread-open");
    open.type = "button";
    open.append(el("span", "thread-name", thread.name || "Untitled conversation"));
    open.append(el("span", "thread-date", formatTime(thread.modified)));
    if (thread.is_archived) open.append(el("span", "thread-tag", "Archived"));
    if (state.thread && state.thread.uuid === thread.uuid) open.setAttribute("aria-current", "true");
    open.addEventListener("click", () => openThread(thread));
    const toggle = el("button", "thread-archive", thread.is_archived ? "Unarchive" : "Archive");
    toggle.type = "button";
    toggle.setAttribute("aria-label", `${thread.is_archived ? "Unarchive" : "Archive"} ${thread.name || "untitled conversation"}`);
    toggle.addEventListener("click", () => setArchived(thread, !thread.is_archived));
    item.append(open, toggle);
    list.append(item);
  }
  $("thread-empty").textContent = query ? "No conversations match your search." : "No conversations yet.";
  $("thread-empty").hidden = data.length > 0;
}

async function setArchived(thread, archived) {
  try {
    await apiFetch(`/api/chat-threads/${thread.uuid}/${archived ? "archive" : "unarchive"}/`, { method: "POST" });
    await loadThreads();
  } catch (error) {
    notice(error.message);
  }
}

async function openThread(thread) {
  if (state.streaming) return;
  state.thread = { uuid: thread.uuid, name: thread.name };
  state.finishNote = null;
  history.replaceState(null, "", `#${thread.uuid}`);
  notice("");
  try {
    await loadMessages();
    await loadThreads();
  } catch (error) {
    state.messages = []; // not the previous thread's messages under this thread's name
    renderMessages();
    notice(error.message);
  }
  $("composer-input").focus();
}

function newConversation() {
  if (state.streaming) return;
  state.thread = null;
  state.messages = [];
  state.finishNote = null;
  history.replaceState(null, "", location.pathname);
  notice("");
  renderMessages();
  loadThreads().catch((error) => notice(error.message));
  $("composer-input").focus();
}

// --- messages ------------------------------------------------------------------------------

async function loadMessages({ resume = true } = {}) {
  if (!state.thread) return;
  const { data } = await apiFetch("/api/chat-messages/", { params: { thread: state.thread.uuid } });
  state.messages = data;
  renderMessages();
  if (resume) resumeAnswer(); // runs on while the page goes on loading
}

function messageItem(role) {
  const item = el("li", `message role-${role}`);
  const label = el("span", "who", role === "user" ? "You" : "Assistant");
  const body = el("div", "body");
  item.append(label, body);
  return item;
}

function addWarning(item, text) {
  let warning = item.querySelector(".warning");
  if (!warning) {
    warning = el("aside", "warning");
    warning.setAttribute("role", "note");
    warning.setAttribute("aria-label", "Warning about this message");
    item.append(warning);
  }
  warning.textContent = text;
}

function renderMessages() {
  const list = $("messages");
  list.replaceChildren();
  $("conversation-title").textContent = state.thread ? state.thread.name || "Untitled conversation" : "New conversation";
  const lastUser = state.messages.findLastIndex((m) => m.role === "user");
  let userItem = null;
  state.messages.forEach((message, index) => {
    const item = messageItem(message.role);
    item.dataset.uuid = message.uuid;
    item.querySelector(".body").append(renderBlocks(message.blocks));
    if (message.role === "user") userItem = item;
    // The server stores a turn's personal-data warning on its answer; it concerns the
    // question, so it is shown there, as it was while the answer streamed.
    if (message.warning) addWarning(message.role === "assistant" && userItem ? userItem : item, message.warning);
    if (message.role === "user" && index === lastUser && !state.streaming) {
      item.append(editButton(item, message));
    }
    if (message.role === "assistant") {
      if (state.finishNote && state.finishNote.uuid === message.uuid) {
        item.append(el("p", "finish-note", state.finishNote.text));
      }
      item.append(feedbackControls(message));
    }
    list.append(item);
  });
  const last = state.messages[state.messages.length - 1];
  $("regenerate").hidden = state.streaming || !last || last.role !== "assistant";
  $("export").hidden = !state.thread;
}

function editButton(item, message) {
  const button = el("button", "edit", "Edit");
  button.type = "button";
  button.setAttribute("aria-label", "Edit your last message");
  button.addEventListener("click", () => showEditForm(item, message));
  return button;
}

function showEditForm(item, message) {
  const form = el("form", "edit-form stack");
  const id = `edit-${message.uuid}`;
  const label = el("label", "", "Edit your message");
  label.htmlFor = id;
  const area = el("textarea");
  area.id = id;
  area.required = true;
  area.rows = 3;
  area.value = blocksText(message.blocks);
  const actions = el("div", "actions");
  const save = el("button", "primary", "Save and resend");
  save.type = "submit";
  const cancel = el("button", "", "Cancel");
  cancel.type = "button";
  cancel.addEventListener("click", renderMessages);
  actions.append(save, cancel);
  form.append(label, area, actions);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = area.value;
    if (!text.trim()) return;
    runTurn(
      { input: text, thread_uuid: state.thread.uuid, mode: "edit", edit_message_uuid: message.uuid },
      { replace: "user", userText: text },
    );
  });
  item.querySelector(".body").replaceChildren(form);
  item.querySelector(".edit")?.remove();
  area.focus();
}

function ratedText(message) {
  if (message.feedback_score === true) return "Rated helpful.";
  if (message.feedback_score === false) {
    const reason = message.feedback_category ? `: ${categoryLabel(message.feedback_category)}` : "";
    return `Rated not helpful${reason}.`;
  }
  return "";
}

function feedbackControls(message) {
  const pressed = { true: "up", false: "down" }[message.feedback_score] || null;
  return feedbackGroup({
    id: `feedback-${message.uuid}`,
    label: "Rate this answer",
    pressed,
    status: ratedText(message),
    maxComment: 2000,
    onVote: async (up, category, comment) => {
      const body = up ? { score: true } : { score: false, category, comment };
      const { data } = await apiFetch(`/api/chat-messages/${message.uuid}/feedback/`, { method: "POST", body });
      Object.assign(message, data);
      return `Thank you. ${ratedText(message)}`;
    },
  });
}

// --- the stream ----------------------------------------------------------------------------

function setStreaming(on) {
  state.streaming = on;
  $("send").disabled = on;
  $("stop").hidden = !on;
  $("stop").disabled = !(on && state.thread);
  $("regenerate").hidden = true;
  document.querySelectorAll("#messages .edit").forEach((button) => button.remove());
}

// Prepares the list for a turn: `replace` is "user" for an edit (the last user message and its
// answer go), "answer" for a reload (the last answer goes), or null for a new message.
function pendingItems(replace, userText) {
  const list = $("messages");
  const items = [...list.children];
  if (replace === "user") {
    const lastUser = items.findLastIndex((item) => item.classList.contains("role-user"));
    items.slice(Math.max(lastUser, 0)).forEach((item) => item.remove());
  } else if (replace === "answer") {
    const last = items[items.length - 1];
    if (last && last.classList.contains("role-assistant")) last.remove();
  }
  let userItem = null;
  if (replace !== "answer") {
    userItem = messageItem("user");
    userItem.querySelector(".body").append(renderMarkdown(userText));
    list.append(userItem);
  } else {
    userItem = [...list.children].findLast((item) => item.classList.contains("role-user")) || null;
  }
  const answerItem = messageItem("assistant");
  answerItem.setAttribute("aria-busy", "true");
  list.append(answerItem);
  return { userItem, answerItem };
}

// Reads a turn's frames into the page: text into the answer, the warning onto the question,
// the thread's uuid and title; returns the final metadata. A resume with nothing in flight
// (204) has no body.
async function readTurn(response, view, userItem) {
  let final = null;
  if (response.status === 204) return final;
  await readNdjson(response, (frame) => {
    if (frame.m) {
      if (frame.m.thread_uuid && !state.thread) {
        state.thread = { uuid: frame.m.thread_uuid, name: "" };
        history.replaceState(null, "", `#${frame.m.thread_uuid}`);
        $("stop").disabled = false;
      }
      if (frame.m.thread_name && state.thread) {
        state.thread.name = frame.m.thread_name;
        $("conversation-title").textContent = frame.m.thread_name;
      }
      if (frame.m.assistant_message_uuid) final = frame.m;
    } else if (frame.w !== undefined && userItem) {
      addWarning(userItem, frame.w);
    } else {
      view.apply(frame);
    }
  });
  return final;
}

// Streams one answer into `answerItem`, from `request()` (a new turn, or a resume), then
// shows the conversation as stored. Returns false when the server refused the turn.
async function streamTurn(request, userItem, answerItem) {
  notice("");
  state.finishNote = null;
  const view = new StreamView(answerItem.querySelector(".body"));
  setStreaming(true);
  let final = null;
  let refused = false;
  try {
    final = await readTurn(await request(), view, userItem);
  } catch (error) {
    refused = error instanceof ApiError;
    if (refused) notice(error.message);
    else notice(`The connection was lost (${error.message}). Reloading the conversation.`);
  }
  answerItem.removeAttribute("aria-busy");
  setStreaming(false);
  if (final && FINISH_NOTES[final.finish_reason]) {
    state.finishNote = { uuid: final.assistant_message_uuid, text: FINISH_NOTES[final.finish_reason] };
  }
  try {
    if (state.thread) await loadMessages({ resume: false });
    else renderMessages();
    await loadThreads();
  } catch (error) {
    notice(error.message);
  }
  $("composer-input").focus();
  return !refused;
}

async function runTurn(body, { replace = null, userText = "" } = {}) {
  if (state.streaming) return;
  const { userItem, answerItem } = pendingItems(replace, userText);
  const request = () => apiFetch("/api/chat/stream/", { method: "POST", body, raw: true });
  return streamTurn(request, userItem, answerItem);
}

// The open thread's last answer is still being written (the page was reloaded, or opened in
// another tab, mid-answer): re-attach to it and follow it from its first frame.
async function resumeAnswer() {
  const last = state.messages[state.messages.length - 1];
  if (state.streaming || !state.thread || !last || last.role !== "assistant" || last.finish_reason) return;
  const { userItem, answerItem } = pendingItems("answer", "");
  const path = `/api/chat-threads/${state.thread.uuid}/stream/`;
  await streamTurn(() => apiFetch(path, { params: { after: 0 }, raw: true }), userItem, answerItem);
}

// Downloads the open thread as Markdown (the API also gives JSON).
async function exportThread() {
  if (!state.thread) return;
  try {
    const response = await apiFetch(`/api/chat-threads/${state.thread.uuid}/export/`, {
      params: { format: "markdown" },
      raw: true,
    });
    const url = URL.createObjectURL(await response.blob());
    const link = el("a");
    link.href = url;
    link.download = `${(state.thread.name || "conversation").replace(/[^\w .-]+/g, "").trim() || "conversation"}.md`;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (error) {
    notice(error.message);
  }
}

async function stop() {
  if (!state.thread) return;
  $("stop").disabled = true;
  try {
    await apiFetch(`/api/chat-threads/${state.thread.uuid}/cancel/`, { method: "POST", body: {} });
  } catch (error) {
    notice(error.message);
  }
}

function send(event) {
  event.preventDefault();
  const input = $("composer-input");
  const text = input.value;
  if (!text.trim() || state.streaming) return;
  input.value = "";
  const body = { input: text };
  if (state.thread) body.thread_uuid = state.thread.uuid;
  runTurn(body, { userText: text }).then((sent) => {
    if (!sent && !input.value) input.value = text; // refused: nothing was stored, keep the text
  });
}

function regenerate() {
  const lastUser = state.messages.findLast((m) => m.role === "user");
  if (!lastUser || !state.thread) return;
  // `input` is required but ignored by reload: the stored last message is answered again.
  const text = blocksText(lastUser.blocks) || "regenerate";
  runTurn({ input: text, thread_uuid: state.thread.uuid, mode: "reload" }, { replace: "answer" });
}

// --- start-up ------------------------------------------------------------------------------

async function onSignedIn(session, problem) {
  $("app").hidden = false;
  if (problem) notice(problem.message);
  try {
    const wanted = location.hash.slice(1);
    if (/^[0-9a-f-]{36}$/i.test(wanted)) {
      const { data } = await apiFetch(`/api/chat-threads/${wanted}/`, { params: { field: ["uuid", "name"] } });
      state.thread = data;
      await loadMessages();
    } else {
      renderMessages();
    }
    await loadThreads();
  } catch (error) {
    notice(error instanceof ApiError ? error.message : describeError(0, { detail: String(error) }));
  }
  $("composer-input").focus();
}

function onSignedOut() {
  $("app").hidden = true;
  state.thread = null;
  state.messages = [];
  $("messages").replaceChildren();
  $("thread-list").replaceChildren();
  history.replaceState(null, "", location.pathname);
}

function init() {
  $("composer").addEventListener("submit", send);
  $("composer-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", stop);
  $("regenerate").addEventListener("click", regenerate);
  $("export").addEventListener("click", exportThread);
  $("new-thread").addEventListener("click", newConversation);
  let timer = null;
  $("thread-query").addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => loadThreads().catch((error) => notice(error.message)), 250);
  });
  $("thread-search").addEventListener("submit", (event) => {
    event.preventDefault();
    loadThreads().catch((error) => notice(error.message));
  });
  $("thread-archived").addEventListener("change", () => loadThreads().catch((error) => notice(error.message)));
  setupLogin({ onSignedIn, onSignedOut });
}

init();
