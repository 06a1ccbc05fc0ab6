"""The prompt-injection rule table: category, weight, trigger stems and a folded-text regex.

Weights follow the severity bands (>=0.9 critical, >=0.7 high, >=0.5 medium, >=0.3 low).
Phrases that are also ordinary support language ("pretend", "act as", "developer mode")
get a weight below 0.3: they only count when a stronger rule fires too. The families live
in injection_rules_en, _ml and _leak; the order here is kept because the first trigger
and then the rule number break ties between hits.
"""

from __future__ import annotations

from moderation.injection_rulebase import Rule, rule
from moderation.injection_rules_en import MODES_AND_BYPASS, OVERRIDE, PERSONA, RESET
from moderation.injection_rules_leak import EXFILTRATION_AND_AUTHORITY, MARKUP, PROMPT_LEAK
from moderation.injection_rules_ml import ML_OVERRIDE, ML_PERSONA, ML_PROMPT_LEAK

__all__ = ["RULES", "Rule", "rule"]

RULES: tuple[Rule, ...] = (
    *OVERRIDE,
    ML_OVERRIDE,
    *RESET,
    *PERSONA,
    ML_PERSONA,
    *MODES_AND_BYPASS,
    *MARKUP,
    *PROMPT_LEAK,
    ML_PROMPT_LEAK,
    *EXFILTRATION_AND_AUTHORITY,
)
