"""Attack phrases that are mentioned rather than used: they weigh as cues, not attacks.

- a quoted phrase in a message that discusses injection, security or a story
  ("our pentest report says the bot is vulnerable to 'ignore previous instructions'");
- a phrase held up for inspection after a label ("what do you make of: ...");
- a phrase about someone or something else, not addressed to the assistant, inside a
  question about it or a story ("can you explain what a jailbreak prompt is?", "a story
  about a robot that learns to ignore its old programming"); an order to ignore
  instructions is never softened this way;
- an override described, not ordered ("my model keeps ignoring the system prompt").
An attack addressed to the assistant ("you", "your") inside such a frame still counts.
"""

from __future__ import annotations

import re

_DISCUSSION = re.compile(
    r"prompt injections?\b|jailbreak(?:s|ing)? (?:work|detect|prevent|attempt)|\battackers?\b|"
    r"\bwhy does\b|\bwhat is\b|\bhow (?:do|does|can|to|should) (?:\w+ ){0,2}(?:detect|"
    r"prevent|block|stop|defend|protect|handle)|\bexamples? of\b|\bsecurity training\b|"
    r"\bexplain\b|\bcommon attack|\bvulnerab|\bpen ?test|\bpenetration test|\bred[- ]team|"
    r"\bsecurity (?:report|review|audit|test)|\bwhat does (?:that|this|it) mean|\ba "
    r"reference to\b|\bin the (?:novel|story|book|film|movie|game|play)\b|\bvillain\b|"
    r"\bcharacter\b"
)
_QUOTES = "'\"“”‘’«»`"
# "What do you make of: <phrase>" holds the phrase up for inspection, like quotes do.
_LABELLED = re.compile(
    r"(?:make of|interpret(?: this)?|classify(?: this)?(?: input| text| message)?|assessment "
    r"of|(?:an? )?attempt|an example|mean by|think of|this input)\s*:\s*$"
)
# A question about something, or a story, framing the sentence the phrase is in.
_QUESTION = re.compile(
    r"\b(?:what(?:'s| is| are| was| does)|explain(?: what| how| why)|describe what|define|"
    r"how (?:do|does|did|can|would) (?:\w+ ){0,3}(?:work|happen)|is it (?:safe|possible|"
    r"true|normal|bad)|why (?:do|does|would|did)|difference between|meaning of|definition "
    r"of)\b"
)
_STORY = re.compile(
    r"\b(?:(?:write|tell|read) (?:me )?an? (?:short )?(?:story|poem|novel|scene|song|fable|"
    r"tale)|(?:story|poem|novel|fable|tale) about)\b"
)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|you're|youre)\b")
# Categories whose phrases can be talked about; markers and encodings are never mentions.
_MENTIONABLE = frozenset([
    "instruction_override", "safety_bypass", "jailbreak", "persona_hijack", "mode_switch",
    "prompt_leak", "context_manipulation", "instruction_reset",
])  # fmt: skip
# "keeps ignoring", "was ignoring", "from ignoring": a behaviour described, not an order.
_DESCRIBED = re.compile(
    r"\b(?:keeps?|kept|is|are|was|were|been|started|starts|stopped|stops|avoids?|prevents?|"
    r"from|of|about|without)\s+$"
)
_GERUND = re.compile(r"(?:ignoring|disregarding|forgetting|overriding|bypassing)\b")


def mentioned(folded: str, start: int, end: int, category: str) -> bool:
    """Whether the hit at folded[start:end] mentions an attack rather than making one."""
    line_start = folded.rfind("\n", 0, start) + 1
    before = folded[line_start:start]
    if _LABELLED.search(before) or _quoted(folded, start, end, before):
        return True
    if category not in _MENTIONABLE:
        return False
    if category == "instruction_override":
        # An order stays an order inside any frame; only a described one is a mention.
        return bool(_GERUND.match(folded, start)) and _DESCRIBED.search(before[-30:]) is not None
    if _SECOND_PERSON.search(folded, start, end):
        return False
    sentence = re.split(r"[.!?]\s", before)[-1]
    if _STORY.search(sentence):
        return True
    # A question about the thing: the frame before it and a question mark closing it.
    close = re.search(r"[.!?\n]", folded[end:])
    asked = close is not None and close.group() == "?"
    return asked and _QUESTION.search(sentence) is not None


def _quoted(folded: str, start: int, end: int, before: str) -> bool:
    """The span sits inside quotes on its line, in a message that discusses injection."""
    line_end = folded.find("\n", end)
    after = folded[end : line_end if line_end != -1 else len(folded)]
    opened = any(before.count(q) % 2 for q in "'\"`") or any(q in before for q in "“‘«")
    closed = any(q in after for q in _QUOTES)
    return opened and closed and _DISCUSSION.search(folded) is not None
