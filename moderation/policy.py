"""Policy: turn detector output into findings, severities, actions, messages and a Verdict."""

from __future__ import annotations

from moderation import learned
from moderation.conf import Settings
from moderation.injection import InjectionResult
from moderation.learned import ModelScore
from moderation.types import Action, Finding, FindingKind, Severity, Verdict

MODEL_CATEGORY = "learned_injection"
MODEL_MESSAGE = (
    "Parts of your message read like instructions aimed at the assistant; it was flagged "
    "for review."
)

BLOCK_MESSAGE = "Sensitive credentials detected ({names}). Message blocked for security."
REDACT_MESSAGE = "Personal information detected and redacted ({names})."
WARN_MESSAGE = (
    "Your message may contain sensitive information ({names}). "
    "Please be cautious when sharing personal data."
)
# Stored and forwarded instead of the text when the scan failed: the raw text may hold
# secrets that nothing got to redact.
WITHHELD_TEXT = "[Message withheld: moderation check failed]"


def injection_severity(score: float, settings: Settings) -> Severity:
    low, medium, high, critical = settings.severity_thresholds
    for threshold, severity in (
        (critical, Severity.CRITICAL),
        (high, Severity.HIGH),
        (medium, Severity.MEDIUM),
        (low, Severity.LOW),
    ):
        if score >= threshold:
            return severity
    return Severity.NONE


def injection_action(severity: Severity, settings: Settings) -> Action:
    if severity is Severity.NONE:
        return Action.ALLOW
    return Action.BLOCK if severity >= settings.injection_block_from else Action.FLAG


def injection_findings(result: InjectionResult, settings: Settings) -> tuple[Finding, ...]:
    """One finding per category; weak cues below the low threshold are not reported."""
    if injection_severity(result.score, settings) is Severity.NONE:
        return ()
    return tuple(
        Finding(
            kind=FindingKind.INJECTION,
            category=hit.category,
            start=hit.start,
            end=hit.end,
            confidence=hit.weight,
            action=injection_action(injection_severity(hit.weight, settings), settings),
        )
        for hit in result.hits
    )


def pii_action(findings: list[Finding]) -> Action:
    return max((f.action for f in findings), default=Action.ALLOW)


def user_message(findings: list[Finding]) -> str:
    """The warning shown to the user: display names only, never internal codes."""
    action = pii_action(findings)
    template = {
        Action.BLOCK: BLOCK_MESSAGE,
        Action.REDACT: REDACT_MESSAGE,
        Action.WARN: WARN_MESSAGE,
    }.get(action)
    if template is None:
        return ""
    names = sorted({f.display_name or "Sensitive data" for f in findings})
    return template.format(names=", ".join(names))


def model_finding(model: ModelScore | None, settings: Settings) -> Finding | None:
    """The learned stage's finding: warn and flag, block only above the operator's threshold."""
    if model is None:
        return None
    threshold = settings.model_flag_threshold
    if threshold is None:
        threshold = learned.load().threshold
    if model.probability < threshold:
        return None
    block = settings.model_block_threshold
    action = Action.BLOCK if block is not None and model.probability >= block else Action.WARN
    return Finding(
        FindingKind.INJECTION, MODEL_CATEGORY, model.start, model.end, model.probability,
        action, stage="model",
    )  # fmt: skip


def verdict(
    result: InjectionResult,
    pii_findings: list[Finding],
    redacted_text: str,
    settings: Settings,
    model: ModelScore | None = None,
) -> Verdict:
    inj_severity = injection_severity(result.score, settings)
    inj_action = injection_action(inj_severity, settings)
    inj_findings = injection_findings(result, settings)
    learned_finding = model_finding(model, settings)
    if learned_finding is not None:
        # Next to a rule finding the model only confirms it (the rule settings decide),
        # unless it passes the operator's block threshold; alone it warns.
        blocks = learned_finding.action is Action.BLOCK
        if blocks or not inj_findings:
            inj_severity = max(inj_severity, Severity.CRITICAL if blocks else Severity.MEDIUM)
            inj_action = max(inj_action, learned_finding.action)
        inj_findings = (*inj_findings, learned_finding)
    p_action = pii_action(pii_findings)
    action = max(inj_action, p_action)
    pii_score = max((f.confidence for f in pii_findings), default=0.0)
    inj_score = max([result.score] + [f.confidence for f in inj_findings if f.stage == "model"])
    findings = (*inj_findings, *pii_findings)
    message = user_message(pii_findings)
    if not message and learned_finding is not None and action is Action.WARN:
        message = MODEL_MESSAGE
    return Verdict(
        severity=max(inj_severity, p_action.pii_severity()),
        action=action,
        is_flagged=action is not Action.ALLOW,
        score=round(min(1.0, max(inj_score if inj_findings else 0.0, pii_score)), 3),
        injection_severity=inj_severity,
        injection_categories=sorted({f.category for f in inj_findings}),
        pii_categories=sorted({f.category for f in pii_findings}),
        findings=tuple(sorted(findings, key=lambda f: (f.start, f.end))),
        redacted_text=redacted_text,
        user_message=message,
        model_score=model.probability if model is not None else 0.0,
        detected_by=tuple(sorted({f.stage for f in findings})),
    )


def failed_closed(reason: str) -> Verdict:
    """The verdict when a detector raised: treat the message as a critical block."""
    return Verdict(
        severity=Severity.CRITICAL,
        action=Action.BLOCK,
        is_flagged=True,
        score=1.0,
        injection_severity=Severity.NONE,
        findings=(Finding(FindingKind.ERROR, "detector_error", 0, 0, 1.0, Action.BLOCK),),
        redacted_text=WITHHELD_TEXT,
        error=reason,
    )
