"""The injection rule type and its builder: category, weight, trigger stems, folded regex.

Every regex uses bounded repetition only, so no input makes matching super-linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.normalize import fold_pattern


@dataclass(frozen=True, slots=True)
class Rule:
    category: str
    weight: float
    triggers: tuple[str, ...]  # folded literal stems; the rule only runs near one of them
    pattern: re.Pattern[str]
    lead: int = 0  # how far before a trigger a match can start


def rule(
    category: str, weight: float, triggers: str | tuple[str, ...], pattern: str, lead: int = 0
) -> Rule:
    """Build a rule; pattern and stems are folded like the input, so they are written naturally."""
    folded = fold_pattern(pattern)
    stems = triggers.split("|") if isinstance(triggers, str) else triggers
    return Rule(
        category=category,
        weight=weight,
        triggers=tuple(fold_pattern(t) for t in stems if t),
        pattern=re.compile(folded, re.IGNORECASE | re.MULTILINE),
        lead=lead,
    )


def words(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"
