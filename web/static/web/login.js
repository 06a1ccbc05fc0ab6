// Signing in inside the page: username and password through POST /api-auth/password/, or a
// pasted API token. The token is checked with GET /api/chat-sessions/current/ before use.

import { ApiError, apiFetch, clearToken, getToken, setToken } from "./api.js";

const $ = (id) => document.getElementById(id);

async function whoAmI() {
  const { data } = await apiFetch("/api/chat-sessions/current/");
  return data;
}

function showError(message) {
  const error = $("login-error");
  error.textContent = message;
  error.hidden = !message;
}

// Calls onSignedIn(session) once a working token is stored, onSignedOut() after sign-out.
export function setupLogin({ onSignedIn, onSignedOut }) {
  const login = $("login");
  const whoami = $("whoami");
  const signOut = $("sign-out");

  function signedOutView(message = "") {
    login.hidden = false;
    whoami.hidden = true;
    signOut.hidden = true;
    showError(message);
    $("login-username").focus();
  }

  async function start() {
    let session = null;
    let problem = null;
    try {
      session = await whoAmI();
    } catch (error) {
      if (!(error instanceof ApiError)) return signedOutView(`The server cannot be reached: ${error.message}`);
      if (error.status === 401) {
        clearToken();
        return signedOutView("That sign-in is not valid (any more). Please sign in again.");
      }
      problem = error; // 403, 424, 409...: signed in, but the chat is closed; the page says why
    }
    login.hidden = true;
    showError("");
    whoami.textContent = session
      ? `Signed in as ${session.user_full_name || session.user_username}`
      : "Signed in";
    whoami.hidden = false;
    signOut.hidden = false;
    await onSignedIn(session, problem);
  }

  $("password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    showError("");
    try {
      const { data } = await apiFetch("/api-auth/password/", {
        method: "POST",
        auth: false,
        body: { username: form.username.value, password: form.password.value },
      });
      setToken(data.token, form.remember.checked);
      form.password.value = "";
      await start();
    } catch (error) {
      showError(error.message);
    } finally {
      button.disabled = false;
    }
  });

  $("token-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    setToken(form.token.value.trim(), $("login-remember").checked);
    form.token.value = "";
    await start();
  });

  signOut.addEventListener("click", () => {
    clearToken();
    onSignedOut();
    signedOutView("");
  });

  if (getToken()) start();
  else signedOutView("");
}
