"""The SSE decoder that turns an OpenAI-compatible stream body into deltas."""

from __future__ import annotations

import json

import pytest

from chat.turns.llm import MalformedStream, SSEDecoder


def event(payload) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def text_chunk(text, finish=None):
    return {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}


def decode(*reads: bytes):
    decoder = SSEDecoder()
    deltas = [d for data in reads for d in decoder.feed(data)]
    return decoder, deltas


def test_events_become_deltas_in_order_with_finish_reason_and_usage():
    usage = {"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 2}}
    body = (
        event({"choices": [{"delta": {"role": "assistant"}, "finish_reason": None}]})
        + event(text_chunk("Hel"))
        + event(text_chunk("lo", "stop"))
        + event(usage)
        + b"data: [DONE]\n\n"
    )
    decoder, deltas = decode(body)
    assert [d.text for d in deltas] == ["", "Hel", "lo", ""]
    assert deltas[2].finish_reason == "stop"
    assert (deltas[3].usage.input_tokens, deltas[3].usage.output_tokens) == (7, 2)
    assert deltas[3].usage.reported
    assert decoder.done


def test_an_event_split_across_reads_and_crlf_line_ends():
    body = event(text_chunk("one")).replace(b"\n", b"\r\n") + event(text_chunk("two"))
    pieces = [body[i : i + 5] for i in range(0, len(body), 5)]
    decoder, deltas = decode(*pieces)
    assert [d.text for d in deltas] == ["one", "two"]
    assert not decoder.done


def test_comments_and_other_fields_are_ignored_and_multiline_data_is_joined():
    body = (
        b": keep-alive\n\n"
        b"id: 1\nretry: 100\n"
        b'data: {"choices": [{"delta":\ndata: {"content": "x"}}]}\n\n'
    )
    _, deltas = decode(body)
    assert [d.text for d in deltas] == ["x"]


def test_events_before_a_malformed_one_are_delivered_first():
    deltas = SSEDecoder().feed(event(text_chunk("kept")) + b"data: {not json\n\n")
    assert next(deltas).text == "kept"
    with pytest.raises(MalformedStream):
        next(deltas)


@pytest.mark.parametrize(
    "body",
    [
        b"data: [1, 2]\n\n",
        b'data: {"error": {"message": "overloaded"}}\n\n',
        b'event: error\ndata: {"message": "boom"}\n\n',
    ],
)
def test_non_chunk_events_are_malformed(body):
    with pytest.raises(MalformedStream):
        decode(body)


def test_nothing_after_done_is_decoded():
    decoder, deltas = decode(b"data: [DONE]\n\n" + event(text_chunk("late")))
    assert deltas == []
    assert decoder.done
