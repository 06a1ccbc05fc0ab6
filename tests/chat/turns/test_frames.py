"""chat.frames.FrameParser: the frames and stored blocks do not depend on how text is split."""

from __future__ import annotations

import random

import pytest

from chat.turns.frames import FLUSH_AT, FrameParser

TEXTS = [
    "Plain words only, a sentence that goes on for a while without any line end at all. " * 3,
    "Intro line\n\n```python\nprint('a')\nprint('b')\n```\n\nAfter the code, `inline` ticks.",
    "The flow:\n\n```mermaid\ngraph TD\n  A-->B\n```\nand `x` then ``y`` and a tail `",
    "No fence: ` `` ``x and a line\n  ```sh\nls -l\n```\nlast words",
    "```\nunclosed fence body\nmore",
]


def run(pieces: list[str]) -> tuple[list[dict], list[dict]]:
    parser = FrameParser()
    frames = []
    for piece in pieces:
        frames += parser.feed(piece)
    frames += parser.finish()
    return frames, parser.blocks.result()


def split(text: str, rng: random.Random) -> list[str]:
    pieces, start = [], 0
    while start < len(text):
        end = start + rng.randint(1, 12)
        pieces.append(text[start:end])
        start = end
    return pieces


def merged(frames: list[dict]) -> list[tuple[str, str]]:
    """Frames with consecutive markdown joined (their split is free; their text is not)."""
    out: list[tuple[str, str]] = []
    for frame in frames:
        key, content = frame["k"], frame.get("c", frame.get("t", ""))
        if key == "markdown" and out and out[-1][0] == "markdown":
            out[-1] = ("markdown", out[-1][1] + content)
        else:
            out.append((key, content))
    return out


@pytest.mark.parametrize("text", TEXTS)
def test_any_split_gives_the_same_blocks_and_frames(text):
    whole_frames, whole_blocks = run([text])
    rng = random.Random(7)
    for pieces in ([*text], *(split(text, rng) for _ in range(20))):
        frames, blocks = run(pieces)
        assert blocks == whole_blocks
        assert merged(frames) == merged(whole_frames)


def test_the_first_text_goes_out_at_once_and_later_text_in_pieces():
    parser = FrameParser()
    assert parser.feed("Hi") == [{"k": "markdown", "c": "Hi"}]
    assert parser.feed(" there") == []  # held until FLUSH_AT characters are waiting
    frames = parser.feed("x" * FLUSH_AT)
    assert frames == [{"k": "markdown", "c": " there" + "x" * FLUSH_AT}]
    assert parser.finish() == []


def test_empty_and_blank_deltas_keep_a_fence_at_the_start_of_the_next_line():
    frames, blocks = run(["Text\n", "", "  ", "", "```", "py\nx = 1\n```\n"])
    assert [b["key"] for b in blocks] == ["markdown", "code"]
    assert blocks[1]["content"] == "x = 1"
    assert {"k": "load", "t": "code"} in frames


def test_a_tail_that_may_become_a_fence_is_held_back():
    parser = FrameParser()
    assert parser.feed("Text\n") == [{"k": "markdown", "c": "Text\n"}]
    assert parser.feed("``") == []  # could still become ```
    assert parser.feed("`js\nlet a\n```\n") == [
        {"k": "load", "t": "code"},
        {"k": "code", "c": "let a", "t": "js"},
    ]
