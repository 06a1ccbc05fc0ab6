"""A rough language guess from function words, for per-language figures on public sets."""

from __future__ import annotations

import re

_WORDS = {
    "en": "the and you your is are to of for with this that what how all ignore",
    "de": "der die das und ist nicht du ich sie mit für auf ein eine deine alle",
    "fr": "le la les et est pas vous tu je des une pour avec ce que toutes",
    "es": "el la los las y es no tu que de una para con por todas eres",
    "it": "il lo la gli le e è non tu che di una per con sono tutte",
    "pt": "o a os as e é não você que de um uma para com seu sua",
    "nl": "de het een en is niet je jij ik van voor met dat alle",
    "et": "ja on ei sa mina oma kõik see et mis kui ning",
    "ru": "и в не на я ты что это как все твои свои",
}
_SETS = {lang: frozenset(words.split()) for lang, words in _WORDS.items()}
_TOKEN = re.compile(r"\w+")


def guess_language(text: str) -> str:
    tokens = _TOKEN.findall(text.lower()[:2000])
    if not tokens:
        return "und"
    scores = {lang: sum(t in words for t in tokens) for lang, words in _SETS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else "und"
