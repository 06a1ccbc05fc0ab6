// The public API as the pages use it: the stored token, JSON calls, NDJSON streams and
// human-readable refusals. No framework; every call goes through apiFetch.

const TOKEN_KEY = "chat.token";

// Web storage that never throws: a framed page on another site may be denied localStorage
// (third-party storage blocking); it then keeps its values in memory for the page's life.
function safeStorage(name) {
  const memory = new Map();
  let store = null;
  try {
    store = window[name];
    store.getItem(TOKEN_KEY);
  } catch {
    store = null;
  }
  return {
    get: (key) => (store ? store.getItem(key) : memory.get(key) ?? null),
    set: (key, value) => (store ? store.setItem(key, value) : memory.set(key, value)),
    remove: (key) => (store ? store.removeItem(key) : memory.delete(key)),
  };
}

export const local = safeStorage("localStorage");
export const session = safeStorage("sessionStorage");

export function getToken() {
  return session.get(TOKEN_KEY) || local.get(TOKEN_KEY) || "";
}

export function setToken(token, remember) {
  clearToken();
  (remember ? local : session).set(TOKEN_KEY, token);
}

export function clearToken() {
  session.remove(TOKEN_KEY);
  local.remove(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, body, headers) {
    super(describeError(status, body, headers));
    this.status = status;
    this.body = body;
  }
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

// fetch() with the token, JSON in and out; non-2xx answers throw ApiError.
// `raw: true` returns the Response itself (for streams) once its status is a success.
export async function apiFetch(path, { method = "GET", body, params, raw = false, auth = true } = {}) {
  let url = path;
  if (params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== undefined && item !== null && item !== "") query.append(key, String(item));
      }
    }
    const text = query.toString();
    if (text) url += "?" + text;
  }
  const headers = { Accept: "application/json, application/x-ndjson" };
  const token = auth ? getToken() : "";
  if (token) headers.Authorization = "Token " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit", // the token is the only credential: no admin session cookie
  });
  if (!response.ok) {
    throw new ApiError(response.status, await readBody(response), response.headers);
  }
  if (raw) return response;
  const data = response.status === 204 ? null : await readBody(response);
  return { data, headers: response.headers };
}

// Reads an NDJSON body line by line, calling onFrame(object) for each frame as it arrives.
export async function readNdjson(response, onFrame) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) onFrame(JSON.parse(line));
    }
    if (done) break;
  }
  if (buffer.trim()) onFrame(JSON.parse(buffer));
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

function firstMessage(body) {
  if (!body || typeof body !== "object") return "";
  if (typeof body.detail === "string") return body.detail;
  for (const [key, value] of Object.entries(body)) {
    const text = Array.isArray(value) ? value.join(" ") : String(value);
    if (text) return key === "non_field_errors" ? text : `${key}: ${text}`;
  }
  return "";
}

// The sentence shown for a refusal: the server's own words, plus when to try again for
// quota (409) and capacity (429, 503) refusals, from Retry-After or the body.
export function describeError(status, body, headers) {
  let text = firstMessage(body) || `The server answered ${status}.`;
  if (status === 401) text = "Your sign-in is no longer valid. Please sign in again.";
  let seconds = body && Number(body.retry_after_seconds);
  if (!seconds && headers && headers.get) seconds = Number(headers.get("Retry-After"));
  if ([409, 429, 503].includes(status) && seconds > 0) {
    const when = body && body.reset_at ? ` (at ${formatTime(body.reset_at)})` : "";
    text += ` You can try again in ${formatDuration(seconds)}${when}.`;
  }
  return text;
}
