"""Property and robustness tests: scan never raises, never hangs, never leaks redacted values."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation import pii
from moderation.injection import ALL_RULES
from moderation.service import scan
from moderation.types import Action, FindingKind, Verdict


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_scan_never_raises_on_arbitrary_unicode(text):
    verdict = scan(text)
    assert isinstance(verdict, Verdict)
    assert 0.0 <= verdict.score <= 1.0
    assert verdict.error == ""


_PII_SAMPLES = ["EE382200221020145685", "maria.tamm@acme-widgets.ee", "4539 1488 0343 6467"]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(_PII_SAMPLES), st.text(max_size=30)), min_size=1, max_size=6)
)
def test_redacted_text_never_contains_a_detected_value(parts):
    text = " ".join(parts)
    verdict = scan(text)
    for finding in verdict.findings:
        if finding.kind is FindingKind.PII:
            assert text[finding.start : finding.end] not in verdict.redacted_text


def _rule_alphabets() -> list[str]:
    """Each rule's first trigger stem, the raw material of a pathological repetition."""
    return sorted({rule.triggers[0] for rule in ALL_RULES})


ADVERSARIAL = [
    "ignore " * 7200,
    "ignore all previous " * 2500,
    "<|" * 25_000,
    "<|im_start|>" * 4200,
    "A" * 50_000,
    "1 " * 25_000,
    "=" * 50_000,
    "a." * 25_000,
    "\u200b" * 50_000,
    "\U000e0041" * 50_000,
    "![a](http://x/?q={" * 2700,
    "<!--" * 12_500,
    "#" * 50_000,
    "i " * 25_000,
    "\\x41" * 12_500,
    "aGVsbG8g" * 6250,
    "you are now " * 4200,
    "іgnоrе " * 7000,
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:12]))
def test_scan_returns_on_adversarial_repetition(text):
    assert isinstance(scan(text[:50_000]), Verdict)


@pytest.mark.timeout(60)
def test_scan_returns_on_repetition_of_every_rule_trigger():
    for stem in _rule_alphabets():
        text = (stem + " ") * (50_000 // (len(stem) + 1))
        assert isinstance(scan(text), Verdict), stem


def test_pii_module_honours_the_interface_contract():
    findings = pii.detect("IBAN EE382200221020145685")
    assert findings
    assert all(f.kind is FindingKind.PII and f.action in Action for f in findings)
