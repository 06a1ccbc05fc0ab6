"""Django settings: the only module that reads the environment.

Every variable is declared once through `_env`, which records its type, default and meaning
in `ENV_SETTINGS`; a test checks that README.md and .env.example list exactly these names.
Variables come from the environment, then from a `.env` file in the project root, or the file
that ENV_FILE names (python-dotenv; the environment wins).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from config.logs import JSON_FIELDS, PLAIN_FORMAT

BASE_DIR = Path(__file__).resolve().parent.parent

# ENV_FILE names another file (tests, several deployments on one host); the environment wins.
load_dotenv(os.environ.get("ENV_FILE") or BASE_DIR / ".env", override=False)


@dataclass(frozen=True)
class EnvSetting:
    name: str
    kind: str  # str | bool | int | float | list | url
    default: Any
    doc: str
    secret: bool = False


ENV_SETTINGS: dict[str, EnvSetting] = {}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _env(name: str, kind: str, default: Any, doc: str, *, secret: bool = False) -> Any:
    """Read one variable, converting it to `kind`; a malformed value stops start-up."""
    ENV_SETTINGS[name] = EnvSetting(name, kind, default, doc, secret)
    raw = os.environ.get(name)
    if raw is None:
        return default
    raw = raw.strip()
    if kind == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise ValueError(f"{name} must be true or false, not {raw!r}")
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "list":
        return [item.strip() for item in raw.split(",") if item.strip()]
    if kind == "json":
        return json.loads(raw) if raw else default
    return raw


def parse_database_url(
    url: str, *, pool_max_size: int, pool_timeout: float = 30.0
) -> dict[str, Any]:
    """Turn postgres://, postgresql://, sqlite:///relative or sqlite:////absolute into DATABASES."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # urlsplit("sqlite:///db.sqlite3").path == "/db.sqlite3"; a fourth slash is absolute.
        path = url[len("sqlite:///") :]
        name = Path(path) if path.startswith("/") else BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(name),
            # Writers wait for each other instead of failing; WAL lets readers run alongside.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not shared-cache memory (its table locks fail concurrent writers), one per
            # test run so that two runs on one machine do not share it.
            "TEST": {
                "NAME": str(Path(tempfile.gettempdir()) / f"test_{name.stem}_{os.getpid()}.sqlite3")
            },
        }
    if parts.scheme in {"postgres", "postgresql"}:
        options: dict[str, Any] = dict(parse_qsl(parts.query))
        if "assume_role" in options and pool_max_size > 0:
            # Django 5.2 applies the role while the pool sets a connection up by asking the
            # pool for a connection: every connection attempt then times out.
            raise ValueError("assume_role in DATABASE_URL needs DB_POOL_MAX_SIZE=0 (no pool).")
        if pool_max_size > 0:
            options["pool"] = {"min_size": 1, "max_size": pool_max_size, "timeout": pool_timeout}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "postgres",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
            # With the pool: psycopg_pool checks each connection as it is handed out (an empty
            # query), so one that broke in the pool (a database restart) is replaced, not used.
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": f"test_{unquote(parts.path.lstrip('/')) or 'postgres'}"},
        }
    raise ValueError("DATABASE_URL must start with postgres://, postgresql:// or sqlite:///")


# --- core ---------------------------------------------------------------------------------
SECRET_KEY = _env(
    "SECRET_KEY",
    "str",
    "",
    "Django secret key, also the root of derived secrets: at least 50 random characters. "
    "Required unless DEBUG is on (scripts/run makes one for you).",
    secret=True,
)
DEBUG = _env("DEBUG", "bool", False, "Django debug mode; never on in production.")
ALLOWED_HOSTS = _env(
    "ALLOWED_HOSTS", "list", ["localhost", "127.0.0.1", "[::1]", "testserver"], "Host names served."
)
CSRF_TRUSTED_ORIGINS = _env(
    "CSRF_TRUSTED_ORIGINS", "list", [], "Origins trusted for session-authenticated admin forms."
)
LOGIN_FAILURE_LIMIT = _env(
    "LOGIN_FAILURE_LIMIT",
    "int",
    10,
    "Failed sign-ins (API and admin) of one account, or from one client, that lock it out.",
)
LOGIN_LOCKOUT_MINUTES = _env(
    "LOGIN_LOCKOUT_MINUTES",
    "float",
    15.0,
    "Minutes an account or client stays locked out after LOGIN_FAILURE_LIMIT failures.",
)
API_TOKEN_LOGIN_TTL_DAYS = _env(
    "API_TOKEN_LOGIN_TTL_DAYS",
    "int",
    30,
    "Days a token from POST /api-auth/password/ stays valid; 0: until revoked.",
)
# --- HTTPS (behind a TLS-terminating proxy) ------------------------------------------------
SECURE_PROXY_SSL_HEADER_NAME = _env(
    "SECURE_PROXY_SSL_HEADER",
    "str",
    "",
    "Header by which the TLS proxy says a request came over HTTPS, as Django names it (e.g. "
    "HTTP_X_FORWARDED_PROTO, value https); empty: none. Set only behind a proxy that sets it.",
)
SECURE_PROXY_SSL_HEADER = (
    (SECURE_PROXY_SSL_HEADER_NAME, "https") if SECURE_PROXY_SSL_HEADER_NAME else None
)
SECURE_SSL_REDIRECT = _env(
    "SECURE_SSL_REDIRECT", "bool", False, "Redirect plain HTTP to HTTPS (health checks exempt)."
)
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^api/ready/$"]  # load balancers ask over HTTP
SECURE_HSTS_SECONDS = _env(
    "SECURE_HSTS_SECONDS",
    "int",
    0,
    "Strict-Transport-Security max-age in seconds (e.g. 31536000); 0 sends no HSTS header.",
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "bool", False, "HSTS also covers every subdomain."
)
SECURE_HSTS_PRELOAD = _env(
    "SECURE_HSTS_PRELOAD", "bool", False, "Ask browsers to preload HSTS for the domain."
)
SESSION_COOKIE_SECURE = _env(
    "SESSION_COOKIE_SECURE", "bool", False, "Send the admin's session cookie over HTTPS only."
)
CSRF_COOKIE_SECURE = _env(
    "CSRF_COOKIE_SECURE", "bool", False, "Send the admin's CSRF cookie over HTTPS only."
)
DB_POOL_MAX_SIZE = _env(
    "DB_POOL_MAX_SIZE",
    "int",
    10,
    "Connections per process in the PostgreSQL pool (one of them listens for cancels); 0 "
    "disables pooling.",
)
DB_POOL_TIMEOUT_SECONDS = _env(
    "DB_POOL_TIMEOUT_SECONDS",
    "float",
    30.0,
    "Seconds a request waits for a pooled connection before it is answered 503.",
)
DATABASE_URL = _env(
    "DATABASE_URL",
    "url",
    "sqlite:///db.sqlite3",
    "Database: postgres://user:pass@host:5432/name, sqlite:///relative or sqlite:////absolute.",
    secret=True,
)
DATABASES = {
    "default": parse_database_url(
        DATABASE_URL, pool_max_size=DB_POOL_MAX_SIZE, pool_timeout=DB_POOL_TIMEOUT_SECONDS
    )
}
LOG_LEVEL = _env("LOG_LEVEL", "str", "INFO", "Root log level (DEBUG, INFO, WARNING, ERROR).")
LOG_FORMAT = _env(
    "LOG_FORMAT",
    "str",
    "plain",
    "plain: one text line per record; json: one JSON object per line. Either way each line "
    "carries the request id and the chat turn's thread or interaction uuid.",
)
if LOG_FORMAT not in ("plain", "json"):
    raise ValueError("LOG_FORMAT must be plain or json")
METRICS_ENABLED = _env(
    "METRICS_ENABLED", "bool", True, "Count Prometheus metrics and serve them at GET /metrics."
)
METRICS_ALLOWED_NETWORKS = _env(
    "METRICS_ALLOWED_NETWORKS",
    "list",
    ["127.0.0.0/8", "::1/128"],
    "Comma-separated CIDRs whose clients may read /metrics (the client as the trusted-proxy "
    "setting names it).",
)
METRICS_TOKEN = _env(
    "METRICS_TOKEN",
    "str",
    "",
    "A bearer token that also opens /metrics (Authorization: Bearer <token>); empty: none.",
    secret=True,
)

# --- serving ------------------------------------------------------------------------------
WEB_CONCURRENCY = _env(
    "WEB_CONCURRENCY",
    "int",
    0,
    "Worker processes of scripts/serve; 0: one per CPU core on PostgreSQL, one on SQLite "
    "(one writer at a time: more processes would only wait for each other).",
)
SERVER_WORKERS = WEB_CONCURRENCY or (
    (os.cpu_count() or 1) if DATABASES["default"]["ENGINE"].endswith("postgresql") else 1
)
PYTHON_GC_FREEZE = _env(
    "PYTHON_GC_FREEZE",
    "bool",
    True,
    "At start-up, move what is loaded by then out of the cyclic garbage collector's sight "
    "(gc.freeze): its full collections no longer walk it while every stream waits.",
)
PYTHON_GC_THRESHOLDS = [
    int(value)
    for value in _env(
        "PYTHON_GC_THRESHOLDS",
        "list",
        ["50000", "20", "20"],
        "The cyclic garbage collector's three thresholds (gc.set_threshold; Python's are "
        "700,10,10); empty keeps Python's. Hundreds of streams allocate fast enough to run "
        "collections hundreds of times a second with Python's.",
    )
]
if PYTHON_GC_THRESHOLDS and len(PYTHON_GC_THRESHOLDS) != 3:
    raise ValueError("PYTHON_GC_THRESHOLDS takes three integers, e.g. 50000,20,20")

# --- AI assistant -------------------------------------------------------------------------
AI_ASSISTANT_ENABLED = _env(
    "AI_ASSISTANT_ENABLED", "bool", True, "Master switch; when false the chat API answers 424."
)
AI_ASSISTANT_ENABLED_ROLES = _env(
    "AI_ASSISTANT_ENABLED_ROLES",
    "str",
    "all",
    "Who may chat: disabled, staff, staff_and_support, all, or anonymous (all + public chat).",
)
AI_ASSISTANT_NAME = _env(
    "AI_ASSISTANT_NAME", "str", "Waldur Assistant", "Assistant name shown to users and in prompts."
)
AI_ASSISTANT_API_URL = _env(
    "AI_ASSISTANT_API_URL",
    "url",
    "",
    "OpenAI-compatible base URL, e.g. http://127.0.0.1:8001/v1; empty answers 409.",
    secret=True,
)
AI_ASSISTANT_API_TOKEN = _env(
    "AI_ASSISTANT_API_TOKEN",
    "str",
    "",
    "API key sent to the LLM; empty answers 409.",
    secret=True,
)
AI_ASSISTANT_MODEL = _env(
    "AI_ASSISTANT_MODEL", "str", "dev-model", "Model name sent to the LLM and stored per answer."
)
AI_ASSISTANT_UPSTREAMS = _env(
    "AI_ASSISTANT_UPSTREAMS",
    "json",
    [],
    "JSON list of OpenAI-compatible upstreams, tried in order: objects with base_url, api_key, "
    "model and optional name, connect_timeout, first_token_timeout, idle_timeout (seconds) "
    "and weight (share of first attempts among healthy upstreams; default 1 for the first, 0 "
    "for the rest); empty: the single upstream of AI_ASSISTANT_API_URL/_API_TOKEN/_MODEL.",
    secret=True,
)
if not isinstance(AI_ASSISTANT_UPSTREAMS, list) or not all(
    isinstance(u, dict) and u.get("base_url") and u.get("api_key") for u in AI_ASSISTANT_UPSTREAMS
):
    raise ValueError("AI_ASSISTANT_UPSTREAMS must be a JSON list of objects with base_url, api_key")
AI_ASSISTANT_UPSTREAM_COOLDOWN_SECONDS = _env(
    "AI_ASSISTANT_UPSTREAM_COOLDOWN_SECONDS",
    "float",
    30.0,
    "Seconds an upstream that failed (connection, timeout before the first token, 429, 5xx) "
    "is passed over while others are healthy.",
)

AI_ASSISTANT_BACKEND_TYPE = _env(
    "AI_ASSISTANT_BACKEND_TYPE",
    "str",
    "openai",
    "Provider defaults for sampling: vllm, openai or ollama.",
)
AI_ASSISTANT_COMPLETION_KWARGS = _env(
    "AI_ASSISTANT_COMPLETION_KWARGS",
    "json",
    {},
    "JSON object of allowlisted completion options (temperature, top_p, max_tokens, seed...).",
)
AI_ASSISTANT_MAX_TOKENS = _env(
    "AI_ASSISTANT_MAX_TOKENS", "int", 2048, "Largest answer, in tokens, asked of the LLM per turn."
)
AI_ASSISTANT_TITLE_MAX_TOKENS = _env(
    "AI_ASSISTANT_TITLE_MAX_TOKENS", "int", 24, "Token cap of the thread-title completion."
)
AI_ASSISTANT_HISTORY_LIMIT = _env(
    "AI_ASSISTANT_HISTORY_LIMIT", "int", 50, "Newest messages sent as history; 0 sends none."
)
AI_ASSISTANT_CONNECT_TIMEOUT_SECONDS = _env(
    "AI_ASSISTANT_CONNECT_TIMEOUT_SECONDS", "float", 5.0, "Seconds to connect to the LLM."
)
AI_ASSISTANT_FIRST_TOKEN_TIMEOUT_SECONDS = _env(
    "AI_ASSISTANT_FIRST_TOKEN_TIMEOUT_SECONDS",
    "float",
    60.0,
    "Seconds to wait for the first token before the turn ends with a timeout.",
)
AI_ASSISTANT_STREAM_IDLE_TIMEOUT_SECONDS = _env(
    "AI_ASSISTANT_STREAM_IDLE_TIMEOUT_SECONDS",
    "float",
    60.0,
    "Seconds without a new token, mid-answer, before the turn ends with a timeout.",
)
AI_ASSISTANT_HTTP_TRANSPORT = _env(
    "AI_ASSISTANT_HTTP_TRANSPORT",
    "str",
    "aiohttp",
    "LLM client transport: aiohttp (the openai SDK's documented choice for many concurrent "
    "streams), or httpx.",
)
AI_ASSISTANT_CONTINUE_ON_DISCONNECT = _env(
    "AI_ASSISTANT_CONTINUE_ON_DISCONNECT",
    "bool",
    True,
    "Finish and store an answer when the client disconnects (false: stop, store as interrupted).",
)
AI_ASSISTANT_DB_THREADS = _env(
    "AI_ASSISTANT_DB_THREADS",
    "int",
    4,
    "Threads per process for the database work of running answers (their cancel checks and "
    "their end); a connection is held only while a statement runs.",
)
AI_ASSISTANT_MAX_STREAMS = _env(
    "AI_ASSISTANT_MAX_STREAMS", "int", 1000, "Answers generating at once per process; more get 503."
)
AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS = _env(
    "AI_ASSISTANT_SHUTDOWN_GRACE_SECONDS",
    "float",
    20.0,
    "At shutdown, seconds running answers may finish before they are stored as interrupted.",
)
AI_ASSISTANT_CANCEL_POLL_SECONDS = _env(
    "AI_ASSISTANT_CANCEL_POLL_SECONDS",
    "float",
    0.25,
    "Seconds between a running answer's cancel checks on SQLite (PostgreSQL notifies at once).",
)
AI_ASSISTANT_ORGANIZATION = _env(
    "AI_ASSISTANT_ORGANIZATION", "str", "the organization", "Organization named in prompts."
)
AI_ASSISTANT_SYSTEM_PROMPT_CUSTOM_INSTRUCTIONS = _env(
    "AI_ASSISTANT_SYSTEM_PROMPT_CUSTOM_INSTRUCTIONS",
    "str",
    "",
    "Extra system-prompt instructions used when no system prompt is active.",
)
AI_ASSISTANT_INJECTION_ALLOWLIST = _env(
    "AI_ASSISTANT_INJECTION_ALLOWLIST",
    "list",
    [],
    "Comma-separated phrases that bypass the prompt-injection rules.",
)

if AI_ASSISTANT_DB_THREADS < 1:
    raise ValueError("AI_ASSISTANT_DB_THREADS must be at least 1")
if AI_ASSISTANT_HTTP_TRANSPORT not in ("httpx", "aiohttp"):
    raise ValueError("AI_ASSISTANT_HTTP_TRANSPORT must be httpx or aiohttp")
MODERATION_MODEL_ENABLED = _env(
    "MODERATION_MODEL_ENABLED",
    "bool",
    True,
    "Run the learned injection model (local weights, numpy) behind the moderation rules.",
)


def _probability(name: str, doc: str) -> float | None:
    raw = _env(name, "str", "", doc)
    if not raw:
        return None
    value = float(raw)
    if not 0 < value <= 1:
        raise ValueError(f"{name} must be a probability in (0, 1], not {raw!r}")
    return value


MODERATION_MODEL_FLAG_THRESHOLD = _probability(
    "MODERATION_MODEL_FLAG_THRESHOLD",
    "Model probability from which a message the rules let through is flagged and warned "
    "about; empty: the threshold chosen on validation data and shipped with the weights.",
)
MODERATION_MODEL_BLOCK_THRESHOLD = _probability(
    "MODERATION_MODEL_BLOCK_THRESHOLD",
    "Model probability from which the model alone blocks a message; empty: it never does "
    "(a model-only hit warns and flags).",
)
AI_ASSISTANT_TOKEN_LIMIT_DAILY = _env(
    "AI_ASSISTANT_TOKEN_LIMIT_DAILY",
    "int",
    -1,
    "Default daily tokens per user and per anonymous visitor (UTC day); -1 unlimited.",
)
AI_ASSISTANT_TOKEN_LIMIT_WEEKLY = _env(
    "AI_ASSISTANT_TOKEN_LIMIT_WEEKLY",
    "int",
    -1,
    "Default weekly tokens (weeks start Monday, UTC); -1 unlimited.",
)
AI_ASSISTANT_TOKEN_LIMIT_MONTHLY = _env(
    "AI_ASSISTANT_TOKEN_LIMIT_MONTHLY",
    "int",
    -1,
    "Default monthly tokens (calendar month, UTC); -1 unlimited.",
)
AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET = _env(
    "AI_ASSISTANT_GLOBAL_DAILY_TOKEN_BUDGET",
    "int",
    5_000_000,
    "Site-wide tokens per UTC day, signed-in and anonymous together; <=0 unlimited.",
)
AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE = _env(
    "AI_ASSISTANT_GLOBAL_REQUESTS_PER_MINUTE",
    "int",
    60,
    "Site-wide admitted turns per minute; <=0 off.",
)
AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE = _env(
    "AI_ASSISTANT_ANONYMOUS_REQUESTS_PER_MINUTE",
    "int",
    30,
    "Admitted anonymous turns per minute (inside the site-wide cap); <=0 off.",
)
AI_ASSISTANT_USER_REQUESTS_PER_MINUTE = _env(
    "AI_ASSISTANT_USER_REQUESTS_PER_MINUTE",
    "int",
    0,
    "Admitted turns per minute per signed-in user; <=0 off.",
)
for _name in ("DAILY", "WEEKLY", "MONTHLY"):
    if globals()[f"AI_ASSISTANT_TOKEN_LIMIT_{_name}"] < -1:
        raise ValueError(f"AI_ASSISTANT_TOKEN_LIMIT_{_name} must be -1 (unlimited) or more")

# --- anonymous (public) chat ---------------------------------------------------------------
ANONYMOUS_CHAT_ENABLED = _env(
    "ANONYMOUS_CHAT_ENABLED",
    "bool",
    True,
    "Public chat switch; it also needs AI_ASSISTANT_ENABLED_ROLES=anonymous (424 otherwise).",
)
ANONYMOUS_CHAT_USER_SLUG_SALT = _env(
    "ANONYMOUS_CHAT_USER_SLUG_SALT",
    "str",
    "",
    "Secret salt of visitor pseudonyms (scrypt); empty: derived from SECRET_KEY.",
    secret=True,
)
ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET = _env(
    "ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET",
    "str",
    "",
    "HMAC key of feedback and click tokens; empty: derived from SECRET_KEY.",
    secret=True,
)
ANONYMOUS_CHAT_STORE_IP = _env(
    "ANONYMOUS_CHAT_STORE_IP",
    "bool",
    False,
    "Store visitors' raw IP addresses (nulled after ANONYMOUS_CHAT_IP_RETENTION_DAYS).",
)
AI_ASSISTANT_TRUSTED_PROXIES = _env(
    "AI_ASSISTANT_TRUSTED_PROXIES",
    "list",
    [],
    "Comma-separated proxy CIDRs whose X-Forwarded-For is believed (right-most untrusted hop).",
)
ANONYMOUS_CHAT_STRIKE_THRESHOLD = _env(
    "ANONYMOUS_CHAT_STRIKE_THRESHOLD",
    "int",
    5,
    "Blocked injection attempts in a UTC day before the visitor is blocked.",
)
ANONYMOUS_CHAT_BLOCK_HOURS = _env(
    "ANONYMOUS_CHAT_BLOCK_HOURS",
    "float",
    24.0,
    "Hours a visitor stays blocked after reaching the strike threshold; 0 throttles only.",
)
ANONYMOUS_CHAT_FEEDBACK_PER_MINUTE = _env(
    "ANONYMOUS_CHAT_FEEDBACK_PER_MINUTE",
    "int",
    30,
    "Feedback and click calls per visitor per minute; <=0 off.",
)
ANONYMOUS_CHAT_OFFERING_URL_PATTERN = _env(
    "ANONYMOUS_CHAT_OFFERING_URL_PATTERN",
    "str",
    r"/marketplace-public-offering/([0-9a-fA-F-]{32,36})/",
    "Regex with one group capturing the offering uuid in links of answers.",
)
ANONYMOUS_CHAT_SITE_NAME = _env(
    "ANONYMOUS_CHAT_SITE_NAME", "str", "the portal", "Site name used in the public prompt."
)
ANONYMOUS_CHAT_SITE_DESCRIPTION = _env(
    "ANONYMOUS_CHAT_SITE_DESCRIPTION",
    "str",
    "",
    "One-paragraph description of the site for the public assistant's prompt.",
)
AI_ASSISTANT_SESSION_RETENTION_DAYS = _env(
    "AI_ASSISTANT_SESSION_RETENTION_DAYS",
    "int",
    90,
    "Days a signed-in thread is kept after its last activity (chat_retention); <=0 keeps all.",
)
ANONYMOUS_CHAT_RETENTION_DAYS = _env(
    "ANONYMOUS_CHAT_RETENTION_DAYS",
    "int",
    180,
    "Days anonymous interactions, feedback and clicks are kept (chat_retention); <=0 keeps all.",
)
ANONYMOUS_CHAT_IP_RETENTION_DAYS = _env(
    "ANONYMOUS_CHAT_IP_RETENTION_DAYS",
    "int",
    7,
    "Days a stored raw IP is kept before chat_retention nulls it; <=0 keeps them.",
)
ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS = _env(
    "ANONYMOUS_CHAT_ARTIFACT_RETENTION_DAYS",
    "int",
    30,
    "Days idle session bindings and visitor budgets are kept (active blocks stay); <=0 keeps all.",
)
ANONYMOUS_CHAT_REVIEW_ENABLED = _env(
    "ANONYMOUS_CHAT_REVIEW_ENABLED",
    "bool",
    True,
    "Whether review_anonymous_conversations asks the LLM judge for verdicts.",
)
ANONYMOUS_CHAT_REVIEW_DAILY_TOKEN_BUDGET = _env(
    "ANONYMOUS_CHAT_REVIEW_DAILY_TOKEN_BUDGET",
    "int",
    2_000_000,
    "Tokens the LLM judge may spend per UTC day, all runs together; <=0 stops reviews.",
)
ANONYMOUS_CHAT_REVIEW_INTENTS = _env(
    "ANONYMOUS_CHAT_REVIEW_INTENTS",
    "list",
    ["compute", "storage", "software", "service", "consultation", "unclear"],
    "Comma-separated intent slugs the judge may assign; anything else is stored as unclear.",
)
ANONYMOUS_CHAT_REVIEW_IDLE_HOURS = _env(
    "ANONYMOUS_CHAT_REVIEW_IDLE_HOURS",
    "float",
    6.0,
    "Hours a conversation must be idle before the judge reviews it.",
)
ANONYMOUS_CHAT_REVIEW_BATCH_SIZE = _env(
    "ANONYMOUS_CHAT_REVIEW_BATCH_SIZE",
    "int",
    200,
    "Conversations reviewed at most per run, oldest first.",
)

AI_ASSISTANT_ROLES = ("disabled", "staff", "staff_and_support", "all", "anonymous")
if AI_ASSISTANT_ENABLED_ROLES not in AI_ASSISTANT_ROLES:
    raise ValueError(f"AI_ASSISTANT_ENABLED_ROLES must be one of {', '.join(AI_ASSISTANT_ROLES)}")


def derived_secret(purpose: str) -> str:
    """A per-purpose secret derived from SECRET_KEY, for secrets the operator did not set."""
    return hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).hexdigest()


# Keys published with earlier versions of this project: as good as no key at all.
KNOWN_KEYS = {"dev-insecure-change-me", "change-me"}


def weak_secrets(values: dict[str, str], *, minimum: dict[str, int]) -> list[str]:
    """The names among `values` whose secret is missing, published or too weak: shorter than
    its minimum, fewer than 5 distinct characters, or Django's startproject placeholder."""
    weak = []
    for name, value in values.items():
        if (
            value in KNOWN_KEYS
            or len(value) < minimum[name]
            or len(set(value)) < 5
            or value.startswith("django-insecure-")
        ):
            weak.append(name)
    return weak


# Refuse to run in production on an insecure default: sessions, CSRF tokens, visitor
# pseudonyms and feedback tokens would all be forgeable by anyone who read this code.
_secrets = {"SECRET_KEY": SECRET_KEY}
_secrets.update(
    {n: v for n, v in {"ANONYMOUS_CHAT_USER_SLUG_SALT": ANONYMOUS_CHAT_USER_SLUG_SALT,
     "ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET": ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET}.items() if v}
)  # fmt: skip
_weak = weak_secrets(
    _secrets,
    minimum={
        "SECRET_KEY": 50,
        "ANONYMOUS_CHAT_USER_SLUG_SALT": 32,
        "ANONYMOUS_CHAT_FEEDBACK_TOKEN_SECRET": 32,
    },
)
if _weak and not DEBUG:
    raise ImproperlyConfigured(
        f"Refusing to start with DEBUG off and a missing or weak {', '.join(_weak)}: set "
        "SECRET_KEY to at least 50 random characters (python -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'); the salt and secret, when set, to at least 32."
    )


# --- Django wiring ------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "chat",
    "anonymous_chat",
    "web",
    "axes",  # last, as django-axes asks
]

MIDDLEWARE = [
    "config.middleware.RequestContextMiddleware",  # first: request id and metrics
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # the admin's lockout page
    "config.middleware.PrivateApiNoStoreMiddleware",  # last: see its module
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or client before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
# The app's own answer to the ASGI lifespan protocol (config.asgi imports no app itself).
ASGI_LIFESPAN = "chat.turns.lifespan.lifespan"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
APPEND_SLASH = False  # the client does not follow redirects; a missing slash is a plain 404

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = None  # assets are served from the finders (below); no collectstatic step
# Serve app and sidecar assets straight from the finders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576  # 1 MiB: a 50,000-character input fits many times

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header turns "not signed in" into 401, not 403.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Pagination and filter backends are set on config.rest.ApiViewSet, the base of every
    # viewset: naming them here would import config.rest while DRF's generics is half-loaded.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.rest.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# API tokens (accounts.ApiToken, stored as SHA-512 digests by django-rest-knox).
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name)
REST_KNOX = {
    "TOKEN_TTL": None,  # each token's own expiry (password logins: API_TOKEN_LOGIN_TTL_DAYS)
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# Password guessing (django-axes): counted per account and per client (the client as the public
# chat takes it: config.clients, by a keyed hash of its address) in a cache table of the
# database, so every worker and restart sees the same counts and no address is stored.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "axes": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "axes_cache"},
}
LOGIN_CLIENT_KEY_SECRET = derived_secret("LOGIN_CLIENT_KEY")
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "axes"
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = dt.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_CLIENT_IP_CALLABLE = "config.clients.request_client_key"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # its log lines name client addresses

SPECTACULAR_SETTINGS = {
    "TITLE": "Chat API",
    "DESCRIPTION": "Waldur-compatible AI assistant chat API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InjectionSeverityEnum": "chat.models.SEVERITY_CHOICES",
        "ActionTakenEnum": "chat.models.ActionTaken",
        "FeedbackCategoryEnum": "chat.models.FeedbackCategory",
        "MessageRoleEnum": "chat.models.Role",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.postprocess_errors_and_headers",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "config.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": PLAIN_FORMAT},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter", "format": JSON_FIELDS},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's request logger prints the path only; no client addresses are logged.
        "django.server": {"level": "WARNING"},
        # The LLM client's transport logs every request at INFO: two lines per chat turn.
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
    },
}
