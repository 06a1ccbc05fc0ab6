"""Personal-data detection and redaction: per entity type, decoys, masking, spans, speed guards."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.pii import BLOCKED_PLACEHOLDER, ENTITY_TYPES, detect, mask, redact
from moderation.types import Action, Finding, FindingKind

SENDGRID = "SG.aB3dE5gH7jK9mN2pQ4rS6t.uV8wX0yZ1aB3dE5gH7jK9mN2pQ4rS6tU8vW0xY2zA4bC"

# One realistic sentence per entity type, with the value that must be found in it.
POSITIVES = [
    ("pii_private_key", "here:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA3Tz2\n"
     "-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----"),
    ("pii_aws_access_key", "my key is AKIA2E0A8F3B244C9986", "AKIA2E0A8F3B244C9986"),
    ("pii_aws_secret_key", "aws_secret_access_key = Zq8rT2vLx9QwE4nB7mK1pS6dF3gH0jYuIoPaZxCv",
     "Zq8rT2vLx9QwE4nB7mK1pS6dF3gH0jYuIoPaZxCv"),
    ("pii_gcp_api_key", "maps key AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW",
     "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"),
    ("pii_azure_key", "AccountName=acme;AccountKey=" + "aB3dE5gH7j" * 8 + "Kp9Q2w==;",
     "aB3dE5gH7j" * 8 + "Kp9Q2w=="),
    ("pii_github_token", "GITHUB_TOKEN=ghp_4f9Xk2LmP8qR7sT1uV6wY3zA5bC0dE9gH2jK",
     "ghp_4f9Xk2LmP8qR7sT1uV6wY3zA5bC0dE9gH2jK"),
    ("pii_gitlab_pat", "token glpat-9xK2mP4qR7sT1uV6wY3z", "glpat-9xK2mP4qR7sT1uV6wY3z"),
    ("pii_openai_key", "OPENAI_API_KEY=sk-proj-q8Zr4TmW2nXc7Lp9Vb3Hs6Kd1Fg5Jy0Ae8Ru2Qi",
     "sk-proj-q8Zr4TmW2nXc7Lp9Vb3Hs6Kd1Fg5Jy0Ae8Ru2Qi"),
    ("pii_anthropic_key", "key sk-ant-api03-Zq8rT2vLx9QwE4nB7mK1pS6dF3gH0jYuIoPaZxCvB5nM3",
     "sk-ant-api03-Zq8rT2vLx9QwE4nB7mK1pS6dF3gH0jYuIoPaZxCvB5nM3"),
    ("pii_npm_token", "//registry.npmjs.org/:_authToken=npm_q8Zr4TmW2nXc7Lp9Vb3Hs6Kd1Fg5Jy0Ae8Ru",
     "npm_q8Zr4TmW2nXc7Lp9Vb3Hs6Kd1Fg5Jy0Ae8Ru"),
    ("pii_pypi_token", "token pypi-AgEIcHlwaS5vcmcCJGQ4ZjJmZTk4LWJkYzQtNGE3Zi05ZDM4LWIxYzQ5NTQ5",
     "pypi-AgEIcHlwaS5vcmcCJGQ4ZjJmZTk4LWJkYzQtNGE3Zi05ZDM4LWIxYzQ5NTQ5"),
    ("pii_slack_token", "bot uses xoxb-50817342961-739104628351-aB3dE5gH7jK9mN2pQ4rS6tU8",
     "xoxb-50817342961-739104628351-aB3dE5gH7jK9mN2pQ4rS6tU8"),
    ("pii_slack_webhook", "alerts: https://hooks.slack.com/services/T04ABC123/B05DEF45678/"
     "aB3dE5gH7jK9mN2pQ4rS6tU8", "https://hooks.slack.com/services/T04ABC123/B05DEF45678/"
     "aB3dE5gH7jK9mN2pQ4rS6tU8"),
    ("pii_stripe_key", "STRIPE_SECRET_KEY=sk_live_51HxYz2LmP8qR7sT1uV6wY3zA",
     "sk_live_51HxYz2LmP8qR7sT1uV6wY3zA"),
    ("pii_sendgrid_key", "key " + SENDGRID, SENDGRID),
    ("pii_database_url", "DATABASE_URL=postgres://app:S3cr3tPw9@db.internal:5432/app",
     "postgres://app:S3cr3tPw9@db.internal:5432"),
    ("pii_password_context", "login: mari, password: Tr0ub4dor&3x", "Tr0ub4dor&3x"),
    ("pii_credit_card", "my card is 4539 1488 0343 6467", "4539 1488 0343 6467"),
    ("pii_iban_estonian", "IBAN EE38 2200 2210 2014 5685", "EE38 2200 2210 2014 5685"),
    ("pii_iban_general", "refund to FR9252601815908301661318609 please",
     "FR9252601815908301661318609"),
    ("pii_phone_estonian", "call me at +372 5123 4567", "+372 5123 4567"),
    ("pii_phone_e164", "my number is +44 7700 900123", "+44 7700 900123"),
    ("pii_phone_national", "my phone is (212) 555-1234", "(212) 555-1234"),
    ("pii_phone_national", "mobiil 5123 4567", "5123 4567"),
    ("pii_estonian_id", "isikukood 37605030299", "37605030299"),
    ("pii_finland_hetu", "henkilötunnus 131052-308T", "131052-308T"),
    ("pii_sweden_personnummer", "mitt personnummer är 850709-3527", "850709-3527"),
    ("pii_poland_pesel", "PESEL 44051401359", "44051401359"),
    ("pii_spain_dni", "mi DNI es 12345678Z", "12345678Z"),
    ("pii_spain_nie", "NIE X1234567L", "X1234567L"),
    ("pii_italy_codice_fiscale", "codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S"),
    ("pii_france_nir", "NIR 2 55 08 14 168 025 38", "2 55 08 14 168 025 38"),
    ("pii_germany_steuer_id", "Steuer-ID 86095742719", "86095742719"),
    ("pii_czech_birth_number", "rodné číslo 710319/2745", "710319/2745"),
    ("pii_netherlands_bsn", "mijn BSN is 111222333", "111222333"),
    ("pii_us_ssn", "my SSN is 123-45-6788", "123-45-6788"),
    ("pii_uk_nino", "National Insurance number AB 12 34 56 C", "AB 12 34 56 C"),
    ("pii_email", "mail me at mari.maasikas@gmail.com", "mari.maasikas@gmail.com"),
    ("pii_jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlc2ln",
     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlc2ln"),
    ("pii_bearer_token", "Authorization: Bearer 9f8a7B6c5D4e3F2a1B0c9D8e7F6a5B4c",
     "9f8a7B6c5D4e3F2a1B0c9D8e7F6a5B4c"),
    ("pii_generic_api_key", "x-api-key: 4f9Xk2LmP8qR7sT1uV6wY3zA", "4f9Xk2LmP8qR7sT1uV6wY3zA"),
    ("pii_eu_vat", "our VAT number is DE136695976", "DE136695976"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "text", "value"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_each_entity_type_is_found_with_its_span_and_tier(code, text, value):
    findings = [f for f in detect(text) if f.category == code]
    assert len(findings) == 1, detect(text)
    finding = findings[0]
    assert text[finding.start : finding.end].startswith(value)
    assert finding.kind is FindingKind.PII
    assert finding.action is ENTITY_TYPES[code].tier
    assert finding.display_name == ENTITY_TYPES[code].display_name


def test_every_entity_type_has_a_positive_case_here():
    assert {code for code, _, _ in POSITIVES} == set(ENTITY_TYPES)


NEGATIVES = [
    # documentation values
    "write to jane.doe@example.com or admin@test.com",
    "key AKIAIOSFODNN7EXAMPLE from the AWS guide",
    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "test card 4111 1111 1111 1111", "pay with 4242 4242 4242 4242",
    "For example the docs use sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "example IBAN format: DE89 3704 0044 0532 0130 00",
    "GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "DATABASE_URL=postgres://user:password@localhost:5432/db",
    "password=********", "password: <your password>", "password = os.environ['DB_PASSWORD']",
    "Password must be at least 12 characters", "pwd: /home/mari/project",
    "Authorization: Bearer <token>", "api_key=YOUR_API_KEY_HERE",
    # checksum-invalid numbers
    "isikukood 37605030298", "my card is 4539 1488 0343 6468",
    "IBAN EE38 2200 2210 2014 5686", "PESEL 44051401358", "Steuer-ID 86095742718",
    # identifiers without a check digit need their keyword
    "invoice 123-45-6788 was paid", "order 111222333 shipped", "ticket AB 12 34 56 C closed",
    "my NI number is AB 69 94 76 E",
    # numbers that are not personal data
    "commit 3f786850e387550fdab836ed7e6dc881de23001b broke the build",
    "request 123e4567-e89b-12d3-a456-426614174000 failed",
    "forget my last message, the order number is 55910234",
    "deployed at 2024-05-01T10:45:12+02:00, epoch 1714553112",
    "version 4.12.3 on 192.168.10.254 port 8080",
    "Traceback (most recent call last):\n  order_id=55910234",
    "clone git@github.com:acme/app.git", "see logo@2x.png",
    "call me at +1 212 555 0133",
]  # fmt: skip


@pytest.mark.parametrize("text", NEGATIVES)
def test_documentation_invalid_and_ordinary_values_are_not_findings(text):
    assert detect(text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("12345678901234", None),  # 14 digits: no card network, no identifier
        ("4539148803436467", "pii_credit_card"),  # unspaced card still found
        ("45391488034364671234", None),  # 20 digits: longer than any card
        ("EE382200221020145685", "pii_iban_estonian"),  # compact IBAN
        ("EE38 2200 2210 2014 568", None),  # one digit short
        ("+372 5123", None),  # too short for a phone
        ("isikukood 3760503029", None),  # ten digits
        ("isikukood 376050302991", None),  # twelve digits
        ("isikukood 37613030299", None),  # month 13
        ("SSN 666-12-3456", None),  # area 666 is never issued
        ("AKIA2E0A8F3B244C998", None),  # one character short
    ],
)
def test_boundaries_of_length_date_and_structure(text, code):
    assert [f.category for f in detect(text)] == ([code] if code else [])


def test_a_boost_word_raises_confidence():
    plain = detect("37605030299")[0].confidence
    boosted = detect("isikukood 37605030299")[0].confidence
    assert boosted > plain


def test_aws_secret_and_azure_key_need_their_keyword():
    secret = "Zq8rT2vLx9QwE4nB7mK1pS6dF3gH0jYuIoPaZxCv"
    azure = "aB3dE5gH7j" * 8 + "Kp9Q2w=="
    assert detect(f"the checksum is {secret}") == []
    assert detect(f"the checksum is {azure}") == []


def test_enabled_limits_the_reported_types():
    text = "isikukood 37605030299, mail mari@gmail.com"
    assert {f.category for f in detect(text)} == {"pii_estonian_id", "pii_email"}
    assert [f.category for f in detect(text, enabled=frozenset({"pii_email"}))] == ["pii_email"]
    assert detect(text, enabled=frozenset()) == []


def test_findings_are_sorted_by_start_and_block_does_not_hide_the_rest():
    token = "ghp_4f9Xk2LmP8qR7sT1uV6wY3zA5bC0dE9gH2jK"
    text = f"mail mari@gmail.com, card 4539 1488 0343 6467, token {token}"
    findings = detect(text)
    assert [f.category for f in findings] == ["pii_email", "pii_credit_card", "pii_github_token"]
    assert [f.start for f in findings] == sorted(f.start for f in findings)


def test_a_jwt_after_bearer_is_reported_once_as_a_jwt():
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlc2ln"
    assert [f.category for f in detect(f"Authorization: Bearer {jwt}")] == ["pii_jwt"]


# --- masking ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [("37605030299", "3760***"), ("5123 4567", "5123***"), ("51234567", "51***"),
     ("abcd", "***"), ("", "***")],
)  # fmt: skip
def test_mask_keeps_at_most_the_allowed_prefix(value, masked):
    assert mask(value) == masked


@pytest.mark.parametrize(("code", "text", "value"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_findings_never_carry_more_than_the_masked_prefix(code, text, value):
    for finding in detect(text):
        raw = text[finding.start : finding.end]
        keep = 2 if len(raw) <= 8 else 4
        assert finding.masked == raw[:keep] + "***"
        assert raw not in finding.masked


# --- redaction -------------------------------------------------------------------------


def test_redaction_replaces_several_spans_with_their_type():
    text = "IBAN EE38 2200 2210 2014 5685, isikukood 37605030299, mail mari@gmail.com."
    assert redact(text, detect(text)) == (
        "IBAN [pii_iban_estonian_REDACTED], isikukood [pii_estonian_id_REDACTED], "
        "mail [pii_email_REDACTED]."
    )


def _finding(start: int, end: int, code: str, action: Action) -> Finding:
    return Finding(FindingKind.PII, code, start, end, 0.9, action, "x***", "X")


def test_overlapping_spans_merge_under_the_higher_tier_type():
    text = "0123456789abcdefghij"
    findings = [
        _finding(2, 8, "pii_email", Action.WARN),
        _finding(5, 12, "pii_credit_card", Action.REDACT),
        _finding(15, 18, "pii_eu_vat", Action.WARN),
    ]
    assert redact(text, findings) == "01[pii_credit_card_REDACTED]cde[pii_eu_vat_REDACTED]ij"


def test_overlapping_spans_of_the_same_tier_keep_the_earlier_type():
    findings = [_finding(0, 4, "pii_email", Action.WARN), _finding(2, 6, "pii_jwt", Action.WARN)]
    assert redact("abcdefgh", findings) == "[pii_email_REDACTED]gh"


def test_any_block_finding_replaces_the_whole_text():
    text = "IBAN EE38 2200 2210 2014 5685 and DATABASE_URL=postgres://app:S3cr3tPw9@db:5432/app"
    findings = detect(text)
    assert {f.action for f in findings} == {Action.REDACT, Action.BLOCK}
    assert (
        redact(text, findings)
        == BLOCKED_PLACEHOLDER
        == ("[Message blocked: sensitive credentials detected]")
    )


def test_no_findings_leaves_the_text_unchanged():
    assert redact("nothing to see", []) == "nothing to see"


# --- the catalogue ---------------------------------------------------------------------


def test_entity_types_have_display_names_and_a_known_tier():
    for code, etype in ENTITY_TYPES.items():
        assert code == etype.code
        assert code.startswith("pii_")
        assert etype.display_name
        assert "pii_" not in etype.display_name
        assert etype.tier in (Action.BLOCK, Action.REDACT, Action.WARN)
        assert 0 < etype.base <= 1


@pytest.mark.parametrize(
    ("code", "name"),
    [("pii_credit_card", "Credit card number"), ("pii_iban_general", "IBAN"),
     ("pii_email", "Email address"), ("pii_us_ssn", "US Social Security number")],
)  # fmt: skip
def test_display_names_are_human_readable(code, name):
    assert ENTITY_TYPES[code].display_name == name


# --- robustness ------------------------------------------------------------------------

ADVERSARIAL = {
    "digits": "7" * 50_000,
    "spaced digits": "1234 " * 10_000,
    "at signs": "a@" * 25_000,
    "aws prefix": "AKIA" * 12_500,
    "pem headers": "-----BEGIN " * 4_546,
    "base64 alphabet": (string.ascii_letters + string.digits + "+/") * 782,
    "jwt prefix": "eyJ" * 16_667,
    "plus digits": "+1 " * 16_667,
    "password keys": "password=" * 5_556,
    "iban prefix": "EE38 " * 10_000,
    "db schemes": "postgres://" * 4_546,
    "bearer": "Bearer " * 7_143,
    "equals": "a==" * 16_667,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_repetitive_input_returns(text):
    findings = detect(text[:50_000])
    redact(text, findings)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_detect_never_raises_and_redaction_hides_every_detected_value(text):
    findings = detect(text)
    if any(f.action is Action.BLOCK for f in findings):
        assert redact(text, findings) == BLOCKED_PLACEHOLDER
        return
    redacted = redact(text, findings)
    for finding in findings:
        assert text[finding.start : finding.end] not in redacted


PII_ALPHABET = st.text(alphabet="0123456789 -+@.ABEXZeikosu/=:", max_size=80)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([p[1] for p in POSITIVES]) | PII_ALPHABET, max_size=4))
def test_mixed_values_never_survive_redaction(parts):
    text = " ".join(parts)
    findings = detect(text)
    if any(f.action is Action.BLOCK for f in findings):
        return
    redacted = redact(text, findings)
    for finding in findings:
        assert text[finding.start : finding.end] not in redacted
