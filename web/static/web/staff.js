// The staff dashboard: KPI cards, daily volume, severity by day, today's budget, flagged
// threads, the public conversations with filters and a transcript view. Staff and support
// only: for anyone else the API answers 403 and the page shows a refusal, no data.

import { ApiError, apiFetch, formatDuration, formatTime } from "./api.js";
import { barChart, gauge, stackedBarChart } from "./charts.js";
import { setupLogin } from "./login.js";
import { renderBlocks } from "./markdown.js";
import { el } from "./dom.js";

const $ = (id) => document.getElementById(id);
const PAGE_SIZE = 20;
const SEVERITIES = [
  ["NONE", "None", "sev-none"],
  ["LOW", "Low", "sev-low"],
  ["MEDIUM", "Medium", "sev-medium"],
  ["HIGH", "High", "sev-high"],
  ["CRITICAL", "Critical", "sev-critical"],
];
const BLOCKED_NOTE = "Blocked by moderation: the visitor was refused and no answer was generated.";
const numbers = new Intl.NumberFormat("en");
const state = { page: 1, filters: {} };

const count = (value) => (value === null || value === undefined ? "–" : numbers.format(value));
const percent = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);

function cards(list, items) {
  list.replaceChildren();
  for (const [label, value] of items) {
    const card = el("div", "card");
    card.append(el("dt", "", label), el("dd", "", value));
    list.append(card);
  }
}

function refuse(message) {
  $("dashboard").hidden = true;
  $("refused").textContent = message;
  $("refused").hidden = false;
}

// --- public assistant ----------------------------------------------------------------------

async function loadKpis() {
  const { data: kpi } = await apiFetch("/api/anonymous-chat-interactions/kpi/", {
    params: { window_days: $("window-days").value },
  });
  cards($("kpis"), [
    ["Questions", count(kpi.interactions_total)],
    ["Conversations", count(kpi.sessions_total)],
    ["Visitors", count(kpi.unique_users)],
    ["Flagged questions", count(kpi.flagged_total)],
    ["Satisfaction", percent(kpi.satisfaction_rate)],
    ["Votes (up / down)", `${count(kpi.feedback_positive)} / ${count(kpi.feedback_negative)}`],
    ["Click-through", percent(kpi.click_through_rate)],
    ["Tokens", count(kpi.input_tokens_total + kpi.output_tokens_total)],
    ["Reviewed conversations", count(kpi.reviewed_total)],
  ]);
  const volume = kpi.daily_volume || [];
  const total = volume.reduce((sum, day) => sum + day.count, 0);
  barChart($("volume-chart"), {
    labels: volume.map((day) => day.date),
    values: volume.map((day) => day.count),
    summary: `${total} questions over the last ${volume.length} days`,
  });
  const bySeverity = kpi.severity_by_day || { labels: [], series: {} };
  stackedBarChart($("severity-chart"), {
    labels: bySeverity.labels,
    series: SEVERITIES.map(([key, name, className]) => ({
      name,
      className,
      values: bySeverity.series[key] || [],
    })),
    summary: `Questions per day by severity of the detected input, last ${bySeverity.labels.length} days`,
  });
}

async function loadBudget() {
  const { data: budget } = await apiFetch("/api/anonymous-chat-interactions/budget/");
  const seconds = (new Date(budget.resets_at) - Date.now()) / 1000;
  const limit = budget.tokens_limit > 0 ? `of ${count(budget.tokens_limit)} ` : "";
  gauge($("budget-gauge"), {
    value: budget.tokens_today,
    max: budget.tokens_limit,
    summary: budget.tokens_limit > 0
      ? `${Math.round((budget.tokens_today / budget.tokens_limit) * 100)}% of today's token budget used`
      : "No daily token cap",
    caption: `${count(budget.tokens_today)} tokens ${limit}used today, ${count(budget.requests_today)} turns. Resets ${formatTime(budget.resets_at)} (in ${formatDuration(seconds)}).`,
  });
}

// A conversation row says only whether some turn has a vote; the numbers come from its voted
// turns, read under the same filters as the row, so that they count the same turns.
async function showVotes(cell, sessionId) {
  try {
    const { data } = await apiFetch("/api/anonymous-chat-interactions/", {
      params: { ...state.filters, session_id: sessionId, has_feedback: "true" },
    });
    const scores = data.map((turn) => (turn.feedback ? turn.feedback.score : 0));
    const up = scores.filter((score) => score > 0).length;
    const down = scores.filter((score) => score < 0).length;
    cell.textContent = `${count(up)} / ${count(down)}`;
  } catch (error) {
    cell.textContent = "–";
    throw error;
  }
}

async function loadConversations() {
  const { data, headers } = await apiFetch("/api/anonymous-chat-interactions/conversations/", {
    params: { ...state.filters, o: "-created", page: state.page, page_size: PAGE_SIZE },
  });
  const body = $("conversations").querySelector("tbody");
  body.replaceChildren();
  const votes = [];
  for (const row of data) {
    const tr = el("tr");
    const cells = [
      formatTime(row.started),
      formatTime(row.last_active),
      row.user_slug.slice(0, 12),
      count(row.message_count),
      row.max_severity || "none",
    ];
    for (const cell of cells) tr.append(el("td", "", cell));
    const voteCell = el("td", "votes", row.has_feedback ? "…" : "0 / 0");
    if (row.has_feedback) votes.push(showVotes(voteCell, row.session_id));
    tr.append(voteCell);
    for (const cell of [`${row.offerings_shown} / ${row.offerings_clicked}`, count(row.total_tokens)]) {
      tr.append(el("td", "", cell));
    }
    const open = el("button", "", "Transcript");
    open.type = "button";
    open.setAttribute("aria-label", `Transcript of the conversation started ${formatTime(row.started)}`);
    open.addEventListener("click", () => showSession(row.session_id).catch(showError));
    const action = el("td");
    action.append(open);
    tr.append(action);
    body.append(tr);
  }
  if (!data.length) {
    const tr = el("tr");
    const td = el("td", "muted", "No conversations match.");
    td.colSpan = 9;
    tr.append(td);
    body.append(tr);
  }
  const total = Number(headers.get("X-Result-Count") || data.length);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  $("page-info").textContent = `Page ${state.page} of ${pages} (${count(total)} conversations)`;
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= pages;
  await Promise.all(votes);
}

// --- signed-in chat ------------------------------------------------------------------------

async function loadThreads() {
  const { data: stats } = await apiFetch("/api/chat-threads/stats/");
  cards($("thread-kpis"), [
    ["Threads", count(stats.threads_total)],
    ["Users", count(stats.users_total)],
    ["Messages", count(stats.messages_total)],
    ["Tokens", count(stats.total_tokens)],
    ["Flagged threads", count(stats.flagged_total)],
    ["Satisfaction", percent(stats.satisfaction_rate)],
  ]);
  const { data } = await apiFetch("/api/chat-threads/", {
    params: {
      is_flagged: "true",
      o: "-modified",
      page_size: 20,
      field: ["uuid", "name", "user_username", "max_severity", "message_count", "modified"],
    },
  });
  const body = $("flagged").querySelector("tbody");
  body.replaceChildren();
  for (const thread of data) {
    const tr = el("tr");
    const cells = [thread.name || "Untitled", thread.user_username, thread.max_severity, count(thread.message_count), formatTime(thread.modified)];
    const classes = ["name", "", `severity sev-${thread.max_severity}`];
    cells.forEach((cell, index) => tr.append(el("td", classes[index] || "", cell)));
    const open = el("button", "", "Messages");
    open.type = "button";
    open.setAttribute("aria-label", `Messages of ${thread.name || "the untitled thread"}`);
    open.addEventListener("click", () => showThread(thread).catch(showError));
    const action = el("td");
    action.append(open);
    tr.append(action);
    body.append(tr);
  }
  $("flagged").parentElement.hidden = data.length === 0; // the table's scroll box
  $("flagged-empty").hidden = data.length > 0;
}

// --- transcripts ---------------------------------------------------------------------------

function openTranscript(title, items) {
  $("transcript-title").textContent = title;
  $("transcript-items").replaceChildren(...items);
  $("transcript").hidden = false;
  $("transcript").focus();
}

function withNotes(item, notes) {
  const meta = notes.filter(Boolean).join(" · ");
  if (meta) item.append(el("p", "meta", meta));
  return item;
}

// A turn without an answer (refused by moderation, or failed before any text) is said in
// words, never shown as an empty assistant bubble.
function noAnswerItem(text, notes) {
  const item = el("li", "message role-assistant no-answer");
  item.append(el("span", "who", "No answer"), el("div", "body", text));
  return withNotes(item, notes);
}

// Blocks that show nothing: none at all, or only blank text (a block of another kind shows
// a placeholder, so it counts).
const isBlank = (blocks) =>
  (blocks || []).every((block) => typeof block.content === "string" && !block.content.trim());

function turnItem(role, blocks, notes) {
  if (role === "assistant" && isBlank(blocks)) {
    return noAnswerItem("No answer text was stored for this question.", notes);
  }
  const item = el("li", `message role-${role}`);
  item.append(el("span", "who", role === "user" ? "User" : "Assistant"));
  const body = el("div", "body");
  body.append(renderBlocks(blocks));
  item.append(body);
  return withNotes(item, notes);
}

async function showSession(sessionId) {
  const { data } = await apiFetch(`/api/anonymous-chat-interactions/by-session/${encodeURIComponent(sessionId)}/`);
  const items = [];
  for (const turn of data) {
    const flagged = turn.is_flagged ? `flagged (${turn.severity || "none"})` : "";
    items.push(turnItem("user", [{ key: "markdown", content: turn.user_input }], [formatTime(turn.created), flagged, turn.warning]));
    const feedback = turn.feedback && turn.feedback.score
      ? `voted ${turn.feedback.score > 0 ? "helpful" : "not helpful"}${turn.feedback.category ? ` (${turn.feedback.category})` : ""}`
      : "";
    const clicks = turn.click_count ? `${turn.click_count} click(s) on offerings` : "";
    const notes = [feedback, clicks, `${count((turn.input_tokens || 0) + (turn.output_tokens || 0))} tokens`];
    items.push(turn.action_taken === "block" ? noAnswerItem(BLOCKED_NOTE, notes) : turnItem("assistant", turn.assistant_blocks, notes));
  }
  openTranscript(`Transcript of visitor conversation ${sessionId}`, items);
}

async function showThread(thread) {
  const { data } = await apiFetch("/api/chat-messages/", { params: { thread: thread.uuid } });
  const items = data.map((message) =>
    turnItem(message.role, message.blocks, [
      formatTime(message.created),
      message.is_flagged ? `flagged (${message.severity})` : "",
      message.action_taken === "block" ? "blocked by moderation" : "",
      message.warning,
      message.feedback_score == null ? "" : `voted ${message.feedback_score > 0 ? "helpful" : "not helpful"}`,
    ]),
  );
  openTranscript(`Messages of ${thread.name || "an untitled thread"} (${thread.user_username})`, items);
}

// --- start-up ------------------------------------------------------------------------------

function showError(error) {
  $("refused").textContent = error.message;
  $("refused").hidden = false;
}

async function onSignedIn() {
  $("refused").hidden = true;
  try {
    await loadKpis(); // the first staff-only call decides whether there is a dashboard at all
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      refuse("This dashboard is for staff and support only; your account has no access to it.");
    } else {
      refuse(error.message);
    }
    return;
  }
  $("dashboard").hidden = false;
  const results = await Promise.allSettled([loadBudget(), loadThreads(), loadConversations()]);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) showError(failed.reason);
}

function onSignedOut() {
  $("dashboard").hidden = true;
  $("refused").hidden = true;
  $("transcript").hidden = true;
  for (const id of ["kpis", "thread-kpis", "volume-chart", "severity-chart", "budget-gauge"]) $(id).replaceChildren();
}

function init() {
  $("window-days").addEventListener("change", () => loadKpis().catch(showError));
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    state.filters = Object.fromEntries([...data.entries()].filter(([, value]) => value !== ""));
    state.page = 1;
    loadConversations().catch(showError);
  });
  $("filters").addEventListener("reset", () => {
    state.filters = {};
    state.page = 1;
    setTimeout(() => loadConversations().catch(showError));
  });
  $("prev-page").addEventListener("click", () => {
    state.page -= 1;
    loadConversations().catch(showError);
  });
  $("next-page").addEventListener("click", () => {
    state.page += 1;
    loadConversations().catch(showError);
  });
  $("close-transcript").addEventListener("click", () => {
    $("transcript").hidden = true;
    $("f-query").focus();
  });
  setupLogin({ onSignedIn, onSignedOut });
}

init();
