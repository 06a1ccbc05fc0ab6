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


def one_typo(word: str) -> str:
    """A regex for `word` with at most one typo: a letter dropped, added, changed or two
    neighbours swapped ("instrutions", "iunstructions", "intsructions"). Attackers misspell
    the words filters look for; a typo is also just a typo."""
    variants = {re.escape(word)}
    for i in range(len(word)):
        head, tail = re.escape(word[:i]), re.escape(word[i + 1 :])
        variants.add(f"{head}[a-z]?{tail}")  # dropped or changed
        variants.add(f"{head}[a-z]{re.escape(word[i:])}")  # added
        if i + 1 < len(word):
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            variants.add(re.escape(swapped))
    return "(?:" + "|".join(sorted(variants, key=len, reverse=True)) + ")"
