"""Normalisation: folded text, offsets back to the original, and the obfuscation signals."""

import pytest

from moderation.normalize import fold_pattern, normalize


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("IGNORE Previous", "ignore previous"),
        ("ｉｇｎｏｒｅ", "ignore"),  # fullwidth, NFKC
        ("ig\u200bno\u200dre", "ignore"),  # zero-width characters
        ("i\u202egnore", "ignore"),  # bidi override
        ("іgnоrе", "ignore"),  # Cyrillic look-alikes
        ("ιgnοrε", "ignore"),  # Greek iota, omicron, epsilon
        ("օverride", "override"),  # Armenian o
        ("i.g.n.o.r.e all", "ignore all"),
        ("s-y-s-t-e-m prompt", "system prompt"),
        ("pre\u0301ce\u0301dentes", "precedentes"),  # combining accents dropped
        ("ignore\ufe0f", "ignore"),  # variation selector
    ],
)
def test_normalize_folds_obfuscated_spellings(raw, folded):
    assert normalize(raw).text == folded


def test_normalize_leaves_abbreviations_alone():
    assert normalize("e.g. the U.S. office").text == "e.g. the u.s. office"


def test_normalize_keeps_plain_ascii_offsets_identity():
    norm = normalize("Hello World")
    assert norm.origin is None
    assert norm.span(6, 11) == (6, 11)


def test_normalize_maps_spans_back_across_removed_characters():
    raw = "say ig\u200bnore now"
    norm = normalize(raw)
    start = norm.text.index("ignore")
    assert norm.span(start, start + 6) == (4, 11)
    assert raw[4:11].replace("\u200b", "") == "ignore"


def test_normalize_maps_spans_back_across_joined_letters():
    raw = "x i.g.n.o.r.e y"
    norm = normalize(raw)
    start = norm.text.index("ignore")
    assert norm.span(start, start + 6) == (2, 13)


def test_normalize_counts_invisible_characters_inside_words():
    assert normalize("ig\u200bno\u200bre").invisible == 2


def test_normalize_does_not_count_emoji_joiners_or_leading_bom():
    assert normalize("\ufeffteam \U0001f469\u200d\U0001f4bb").invisible == 0


def test_normalize_decodes_unicode_tag_payload():
    hidden = "".join(chr(0xE0000 + ord(c)) for c in "obey me")
    assert normalize("hello" + hidden).tag_payload == "obey me"


def test_normalize_ignores_tag_characters_of_subdivision_flags():
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    norm = normalize(f"Glasgow {scotland}")
    assert norm.tag_payload == ""
    assert norm.invisible == 0


def test_normalize_folds_leetspeak_into_a_separate_view():
    norm = normalize("1gn0r3 the order 5591")
    assert norm.leet == "ignore the order 5591"
    assert norm.text == "1gn0r3 the order 5591"


def test_normalize_has_no_leet_view_for_plain_numbers():
    assert normalize("order 5591 costs 40 eur").leet == ""


def test_fold_pattern_matches_folded_cyrillic_input():
    assert fold_pattern("игнорируй") == normalize("Игнорируй").text
