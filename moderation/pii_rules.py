"""Candidate shapes for each personal-data entity type: regexes, prefilters and validators.

A rule only proposes candidates; `moderation.pii` scores them in context. Every regex is
anchored on a literal or a bounded character run, and runs that cannot be followed by
their own alphabet are possessive, so no input makes a rule backtrack badly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from moderation import validators as v
from moderation.pii_patterns import PLACEHOLDER_MARKERS, PLACEHOLDER_PASSWORDS

# Digit runs: not glued to words, signs, decimals, times ("12:") or paths.
_NL = r"(?<![\w+\-.#/@])(?<!\d:)"
_NR = r"(?![\w\-@]|[.,:/]\d)"
# Grouped numbers: not the tail of a longer grouped number ("DE60 4772 0728 ..." holds a
# Luhn-valid card by chance; "+1 212 555 0133" holds an Estonian-looking "555 0133").
_NOT_TAIL = r"(?<!\d )"

Resolver = Callable[[str, re.Match[str]], "tuple[int, int, str] | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One shape of one entity type (a type may have several rules)."""

    code: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...] = ()  # lower-case literals every match contains
    reach: tuple[int, int] = (0, 0)  # how far a match extends before and after its anchor
    cluster_digits: int = 0  # numeric rules: the fewest digits of the run a match holds
    min_digits: int = 0  # run only when the text has at least this many digits
    group: int = 0  # the group whose span becomes the finding
    check: Callable[[str], bool] | None = None  # must hold for the value
    bonus: float = 0.0  # added when `check` is a real checksum or structure rule
    check_group: int | None = None  # the group given to `check` (default: `group`)
    base: float | None = None  # overrides the type's base weight for this shape
    resolve: Resolver | None = None  # adjusts span and code, or rejects the match
    needs_keyword: bool | None = None  # overrides the type's needs_keyword for this shape


def _rx(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# --- value filters that are not checksums --------------------------------------------


def not_placeholder(value: str) -> bool:
    low = value.lower()
    if any(marker in low for marker in PLACEHOLDER_MARKERS):
        return False
    return re.search(r"(.)\1{5}", value) is None


def _random_token(value: str) -> bool:
    """Generated tokens mix letters and digits; prose and identifiers rarely do both."""
    has_digit = any(c.isdigit() for c in value)
    return has_digit and any(c.isalpha() for c in value) and not_placeholder(value)


def _random_b64(value: str) -> bool:
    core = value.rstrip("=")
    if re.fullmatch(r"[0-9a-fA-F]+", core):  # a hex digest (git SHA) is not a secret
        return False
    mixed = (
        any(c.isupper() for c in core)
        and any(c.islower() for c in core)
        and any(c.isdigit() for c in core)
    )
    return mixed and not_placeholder(core)


_CODE_REFERENCE = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:[(\[].*)?|[A-Za-z_]\w*[(\[].*")


def password_value_ok(value: str) -> bool:
    """A typed secret, not a template, an environment lookup, a path or a code reference."""
    low = value.lower()
    if len(value) < 8 or low in PLACEHOLDER_PASSWORDS or value[0] in "/~$%{<[(@*.\\":
        return False
    if any(marker in low for marker in PLACEHOLDER_MARKERS) or _CODE_REFERENCE.fullmatch(value):
        return False
    # Needs a digit or a symbol: "required", "my-tls-cert" and "Sensitive" are words.
    return re.search(r"[^A-Za-z\-_.]", value) is not None


def _db_password_ok(value: str) -> bool:
    low = value.lower()
    if low in PLACEHOLDER_PASSWORDS or low.strip("*x") == "" or value[0] in "$<{%":
        return False
    return not any(marker in low for marker in ("****", "xxxx", "<", "${", "{{", "your"))


# --- resolvers: spans that a regex alone cannot settle --------------------------------


def _private_key_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    """Cover the key body too, so a partial redaction could never leak it."""
    end_marker = text.find("-----END", match.end(), match.end() + 20_000)
    if end_marker == -1:
        return match.start(), match.end(), "pii_private_key"
    close = text.find("-----", end_marker + 8, end_marker + 80)
    end = close + 5 if close != -1 else end_marker + 8
    return match.start(), end, "pii_private_key"


def _iban_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    """Walk exactly the country's IBAN length, allowing single spaces between characters."""
    country = match.group(1)
    length = v.IBAN_LENGTHS.get(country)
    if length is None:
        return None
    pos, need, limit = match.end(), length - 4, len(text)
    while need and pos < limit:
        ch = text[pos]
        if ch == " " and pos + 1 < limit and _iban_char(text[pos + 1]):
            pos += 1
            continue
        if not _iban_char(ch):
            return None
        need -= 1
        pos += 1
    if need or (pos < limit and text[pos].isalnum()):
        return None
    code = "pii_iban_estonian" if country == "EE" else "pii_iban_general"
    return match.start(), pos, code


def _iban_char(ch: str) -> bool:
    return ch.isascii() and (ch.isdigit() or ch.isupper())


def _phone_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    if match.end() < len(text) and text[match.end()].isalnum():
        return None
    compact = re.sub(r"\D", "", match.group())
    code = "pii_phone_estonian" if compact.startswith("372") else "pii_phone_e164"
    return match.start(), match.end(), code


def _email_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    if text.startswith(":", match.end()) and match.group(1).lower() == "git":
        return None  # scp-style remote "git@github.com:org/repo.git"
    if text.endswith("//", 0, match.start()):
        return None  # URL user info ("https://token@host"): credentials rules cover it
    return match.start(), match.end(), "pii_email"


# Labels that name some other number written like an SSN ("invoice 268-20-2153").
_OTHER_NUMBER = re.compile(
    r"(?i)\b(?:invoice|order|ticket|case|ref|reference|tracking|part|sku|serial|model|po|"
    r"item|receipt|confirmation|booking|claim|route|batch|lot)\b(?:\s*(?:no\.?|number|#|id))?"
    r"[\s:#.]*$"
)
_SSN_LABEL = re.compile(r"(?i)\b(?:ssn|social)")


def _ssn_span(text: str, match: re.Match[str]) -> tuple[int, int, str] | None:
    """A 3-2-4 number needs no SSN keyword, unless a label says it is something else."""
    before = text[max(0, match.start() - 40) : match.start()]
    if _OTHER_NUMBER.search(before) and not _SSN_LABEL.search(before):
        return None
    return match.start(), match.end(), "pii_us_ssn"


# --- the rules -----------------------------------------------------------------------

_CREDENTIAL_NAMES = (
    r"password|passwd|passwort|pwd|passphrase|secret|parool|salasana|hasło|contraseña"
)
_API_KEYS = r"x-api-key|api[_\-]?key|apikey|api[_\-]?token|access[_\-]?token|auth[_\-]?token"
_DB_SCHEMES = (
    r"postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle"
    r"|cockroachdb|clickhouse"
)
_VAT = "|".join(f"{cc} ?(?:{shape})" for cc, shape in v.VAT_SHAPES.items())
_SEP = r"[ \t]*(?:[:=]|\bis\b:?)[ \t]*[\"']?"

BLOCK_RULES: tuple[Rule, ...] = (
    Rule("pii_private_key", _rx(r"-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----"),
         anchors=("-----begin",), reach=(0, 80), resolve=_private_key_span),
    Rule("pii_aws_access_key",
         _rx(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9])"),
         anchors=("akia", "asia", "abia", "acca"), reach=(0, 24), check=not_placeholder),
    Rule("pii_aws_secret_key",
         _rx(r"(?i:(?<![a-z0-9])(?:aws[_\- ]?)?secret[_\- ]?(?:access[_\- ]?)?key(?:[_\- ]?id)?)"
             r"[\"']?" + _SEP + r"([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
         anchors=("secret",), reach=(8, 110), group=1, check=_random_b64),
    Rule("pii_gcp_api_key", _rx(r"(?<![\w\-])AIza[0-9A-Za-z_\-]{35}(?![\w\-])"),
         anchors=("aiza",), reach=(0, 42), check=not_placeholder),
    Rule("pii_azure_key", _rx(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{40,250}+==(?![A-Za-z0-9+/=])"),
         anchors=("==",), reach=(252, 4), check=_random_b64),
    Rule("pii_github_token",
         _rx(r"(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,251}+|github_pat_[A-Za-z0-9_]{22,251}+)(?!\w)"),
         anchors=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"), reach=(0, 265),
         check=not_placeholder),
    Rule("pii_gitlab_pat",
         _rx(r"(?<![\w\-])gl(?:pat|dt|rt|ptt|soat|cbt|ft|imt|agent)-[A-Za-z0-9_\-]{20,250}+"
             r"(?![\w\-])"),
         anchors=("glpat-", "gldt-", "glrt-", "glptt-", "glsoat-", "glcbt-", "glft-", "glimt-",
                  "glagent-"), reach=(0, 262), check=not_placeholder),
    Rule("pii_anthropic_key",
         _rx(r"(?<![\w\-])sk-ant-(?:api|admin|sid)\d{2}-[A-Za-z0-9_\-]{32,250}+(?![\w\-])"),
         anchors=("sk-ant-",), reach=(0, 270), check=not_placeholder),
    # Project, service-account, admin and legacy keys; "sk-ant-" is Anthropic's.
    Rule("pii_openai_key",
         _rx(r"(?<![\w\-])sk-(?!ant-)(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_\-]{32,250}+"
             r"(?![\w\-])"),
         anchors=("sk-",), reach=(0, 270), check=_random_token),
    Rule("pii_npm_token", _rx(r"(?<![\w\-])npm_[A-Za-z0-9]{36}(?![\w\-])"),
         anchors=("npm_",), reach=(0, 42), check=_random_token),
    Rule("pii_pypi_token", _rx(r"(?<![\w\-])pypi-AgE[A-Za-z0-9_\-]{50,250}+(?![\w\-])"),
         anchors=("pypi-",), reach=(0, 260), check=not_placeholder),
    Rule("pii_slack_token", _rx(r"(?<![\w\-])xox[abposre]-[A-Za-z0-9\-]{10,250}+(?![\w\-])"),
         anchors=("xox",), reach=(0, 262), check=_random_token),
    Rule("pii_slack_webhook",
         _rx(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]{20,200}+"),
         anchors=("hooks.slack.com",), reach=(8, 240), check=_random_token),
    Rule("pii_stripe_key", _rx(r"(?<!\w)[sr]k_live_[A-Za-z0-9]{20,250}+(?!\w)"),
         anchors=("k_live_",), reach=(1, 260), check=not_placeholder),
    # Test-mode keys still open an account, but they fill tutorials: a doc word drops them.
    Rule("pii_stripe_key", _rx(r"(?<!\w)[sr]k_test_[A-Za-z0-9]{20,250}+(?!\w)"),
         anchors=("k_test_",), reach=(1, 260), check=not_placeholder, base=0.75),
    Rule("pii_sendgrid_key",
         _rx(r"(?<![\w.\-])SG\.[A-Za-z0-9_\-]{16,64}+\.[A-Za-z0-9_\-]{16,128}+(?![\w\-])"),
         anchors=("sg.",), reach=(0, 200), check=not_placeholder),
    Rule("pii_database_url",
         _rx(rf"(?i)(?<![a-z0-9+])(?:{_DB_SCHEMES})(?:\+[a-z0-9]+)?://"
             r"([^\s:/@]{0,128}+):([^\s@/]{1,256}+)@[^\s/@?#\"'<>]{1,253}+"),
         anchors=("://",), reach=(40, 700), check=_db_password_ok, check_group=2),
    Rule("pii_password_context",
         # "db_password" qualifies: "_" is not in the lookbehind's class.
         _rx(rf"(?i:(?<![a-z0-9])(?:{_CREDENTIAL_NAMES})(?![a-z0-9]))"
             r"[\"']?" + _SEP + r"([^\s\"'`,;<>]{7,127}[^\s\"'`,;<>.:)\]}])"),
         anchors=("pass", "pwd", "secret", "parool", "salasana", "hasło", "contraseña"),
         reach=(0, 170), group=1, check=password_value_ok),
)  # fmt: skip

REDACT_RULES: tuple[Rule, ...] = (
    Rule("pii_credit_card",
         _rx(_NL + _NOT_TAIL + r"(?:\d{4}([ \-]?)\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?"
             r"|\d{4}([ \-]?)\d{6}\2\d{4,5})" + _NR),
         cluster_digits=14, check=v.is_valid_credit_card, bonus=0.15),
    # Any other grouping of 13 to 19 digits (4-4-5, 4-4-4-7, 6-13...): Luhn and the
    # network prefix must hold, and the usual groupings above weigh a little more.
    Rule("pii_credit_card",
         _rx(_NL + _NOT_TAIL + r"(?:\d{13,19}|\d{1,8}(?:[ \-]\d{1,8}){1,5})" + _NR),
         cluster_digits=13, check=v.is_valid_credit_card, bonus=0.15, base=0.45),
    Rule("pii_iban_general", _rx(r"(?<![A-Za-z0-9])([A-Z]{2})\d{2}(?= ?[A-Z0-9]{4})"),
         cluster_digits=6, check=v.is_valid_iban, bonus=0.15, resolve=_iban_span),
    Rule("pii_phone_e164", _rx(r"(?<![\w+])\+[1-9][\d().\- ]{5,22}\d"),
         anchors=("+",), reach=(0, 32), min_digits=8, check=v.is_valid_phone_number, bonus=0.15,
         resolve=_phone_span),
    Rule("pii_phone_national", _rx(_NOT_TAIL + r"(?<![\w+\-.])5\d{2,3} ?\d{4}(?![\w\-]|[.,]\d)"),
         cluster_digits=7, check=v.is_valid_estonian_phone, bonus=0.15),
    Rule("pii_phone_national",
         _rx(_NOT_TAIL + r"(?<![\w+\-.(])(?:\(\d{3}\) ?|\d{3}[\-. ])\d{3}[\-. ]\d{4}"
             r"(?![\w\-]|[.,]\d)"),
         cluster_digits=10, check=v.is_valid_us_phone, bonus=0.15),
    Rule("pii_phone_national", _rx(_NOT_TAIL + r"(?<![\w+\-.])07\d{3} ?\d{6}(?![\w\-]|[.,]\d)"),
         cluster_digits=11, check=v.is_valid_uk_mobile, bonus=0.15),
    Rule("pii_estonian_id", _rx(_NL + r"[1-6]\d{10}" + _NR),
         cluster_digits=11, check=v.is_valid_estonian_id, bonus=0.15),
    Rule("pii_poland_pesel", _rx(_NL + r"\d{11}" + _NR),
         cluster_digits=11, check=v.is_valid_polish_pesel, bonus=0.15),
    Rule("pii_germany_steuer_id", _rx(_NL + r"[1-9]\d(?: ?\d{3}){3}" + _NR),
         cluster_digits=11, check=v.is_valid_german_steuer_id, bonus=0.15),
    Rule("pii_finland_hetu", _rx(r"(?<![\w\-+])\d{6}[\-+A-FU-Y]\d{3}[0-9A-Y](?![\w\-])"),
         cluster_digits=6, check=v.is_valid_finnish_hetu, bonus=0.15),
    Rule("pii_sweden_personnummer",
         _rx(_NL + r"(?:(?:19|20)\d{6}|\d{6})[\-+]?\d{4}" + _NR),
         cluster_digits=10, check=v.is_valid_swedish_personnummer, bonus=0.15),
    Rule("pii_spain_dni", _rx(r"(?<![\w\-])\d{8}-?[A-Z](?![\w\-])"),
         cluster_digits=8, check=v.is_valid_spanish_dni, bonus=0.15),
    Rule("pii_spain_nie", _rx(r"(?<![\w\-])[XYZ]-?\d{7}-?[A-Z](?![\w\-])"),
         cluster_digits=7, check=v.is_valid_spanish_nie, bonus=0.15),
    Rule("pii_italy_codice_fiscale",
         # The lookbehind follows the first letter so the scan can skip to capitals.
         _rx(r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z]{5}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST]"
             r"[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?![A-Za-z0-9])"),
         check=v.is_valid_italian_codice_fiscale, bonus=0.15),
    Rule("pii_france_nir",
         _rx(_NL + r"[1-478] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}" + _NR),
         cluster_digits=6, check=v.is_valid_french_nir, bonus=0.15),
    Rule("pii_czech_birth_number", _rx(_NL + r"\d{6}/\d{3,4}" + _NR),
         cluster_digits=9, check=v.is_valid_czech_birth_number, bonus=0.15),
    # Without the slash it is any ten-digit number that happens to divide by 11.
    Rule("pii_czech_birth_number", _rx(_NL + r"\d{10}" + _NR),
         cluster_digits=10, check=v.is_valid_czech_birth_number, bonus=0.15, base=0.40),
    Rule("pii_netherlands_bsn", _rx(_NL + r"\d{9}" + _NR),
         cluster_digits=9, check=v.is_valid_dutch_bsn, bonus=0.15),
    # Written 3-2-4 with dashes, dots or spaces the shape is an SSN's own: no keyword needed.
    Rule("pii_us_ssn", _rx(_NL + r"\d{3}([\-. ])\d{2}\1\d{4}" + _NR),
         cluster_digits=9, check=v.is_valid_us_ssn, bonus=0.15, needs_keyword=False,
         resolve=_ssn_span),
    Rule("pii_us_ssn", _rx(_NL + r"\d{9}" + _NR),
         cluster_digits=9, check=v.is_valid_us_ssn, bonus=0.15),
    Rule("pii_uk_nino",
         _rx(r"(?<![A-Za-z0-9])[A-Za-z]{2} ?\d{2} ?\d{2} ?\d{2}"
             # a valid suffix letter, or none; a lone other letter is a bad suffix
             r"(?: ?[A-Da-d](?![A-Za-z0-9])|(?! ?[A-Za-z](?![A-Za-z0-9]))(?![A-Za-z0-9]))"),
         cluster_digits=6, check=v.is_valid_uk_nino, bonus=0.15),
)  # fmt: skip

WARN_RULES: tuple[Rule, ...] = (
    Rule("pii_email",
         _rx(r"(?<![\w.%+\-])([A-Za-z0-9][A-Za-z0-9._%+\-]{0,63})@"
             r"(?:[A-Za-z0-9\-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![\w\-]|\.[A-Za-z0-9])"),
         anchors=("@",), reach=(70, 560), resolve=_email_span),
    Rule("pii_jwt",
         _rx(r"(?<![\w\-])eyJ[A-Za-z0-9_\-]{5,2048}+\.eyJ[A-Za-z0-9_\-]{5,8192}+"
             r"\.[A-Za-z0-9_\-]{0,2048}+"),
         anchors=("eyj",), reach=(0, 12_320), check=v.is_valid_jwt, bonus=0.15),
    Rule("pii_bearer_token",
         _rx(r"(?i:(?<![a-z])bearer)[ \t]+([A-Za-z0-9\-._~+/]{20,4096}+=*)"),
         anchors=("bearer",), reach=(0, 4_120), group=1, check=_random_token, base=0.55),
    Rule("pii_generic_api_key",
         _rx(rf"(?i:(?<![a-z0-9])(?:{_API_KEYS}))[\"']?[ \t]*[:=][ \t]*[\"']?"
             r"([A-Za-z0-9_\-.~+/]{16,512}+)"),
         anchors=("api", "token"), reach=(10, 570), group=1, check=_random_token),
    Rule("pii_eu_vat", _rx(rf"(?<![A-Za-z0-9])(?:{_VAT})(?![A-Za-z0-9])"),
         cluster_digits=6, check=v.is_valid_eu_vat, bonus=0.15),
)  # fmt: skip

RULES: tuple[Rule, ...] = BLOCK_RULES + REDACT_RULES + WARN_RULES
