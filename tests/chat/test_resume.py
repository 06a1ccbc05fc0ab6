"""GET /api/chat-threads/{uuid}/stream/?after=N: re-attaching to an answer (resume), from this
or another server process, while it is written and shortly after it ended."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from chat.models import StreamLog
from chat.turns import resume
from tests.chat.helpers import add_turn, thread_for
from tests.chat.streamkit import Reader, auth, post_stream

pytestmark = [pytest.mark.timeout(180)]


def path_of(thread) -> str:
    return f"/api/chat-threads/{thread.uuid}/stream/"


def test_a_resume_on_another_process_gets_each_missed_frame_once_then_the_live_ones(
    chat_server, second_server, user, slow_llm
):
    thread = thread_for(user)
    writer = Reader(chat_server, user, input="long please", thread_uuid=str(thread.uuid))
    writer.start()
    assert writer.first_text.wait(20)
    seen = len(writer.lines)  # what a client that lost the stream now has
    resumed = Reader(second_server, user, path=path_of(thread), params={"after": seen})
    resumed.start()
    assert resumed.first_text.wait(20)
    assert writer.final_at is None, "the resume should have joined while the answer was written"
    writer.join()
    resumed.join()
    assert resumed.status == 200
    assert resumed.lines == writer.lines[seen:]
    assert resumed.final["finish_reason"] == "stop"
    assert len(resumed.frames) > 10  # most of the 400 words came live, not only a final frame


def test_two_clients_on_two_processes_receive_the_same_frames(
    chat_server, second_server, user, slow_llm
):
    thread = thread_for(user)
    writer = Reader(chat_server, user, input="long please", thread_uuid=str(thread.uuid))
    writer.start()
    assert writer.first_text.wait(20)
    readers = [
        Reader(base, user, path=path_of(thread), params={}) for base in (chat_server, second_server)
    ]
    for reader in readers:
        reader.start()
    for reader in [writer, *readers]:
        reader.join()
    assert readers[0].lines == readers[1].lines == writer.lines


def test_a_resume_after_the_answer_ended_returns_its_frames_from_the_store(chat_server, user, llm):
    streamed = post_stream(chat_server, user, input="Hello there")  # a new thread: with a title
    assert streamed.status == 200
    thread = streamed.meta["thread_uuid"]
    lines = streamed.raw.splitlines()
    url = f"{chat_server}/api/chat-threads/{thread}/stream/"
    whole = httpx.get(url, headers=auth(user), timeout=30)
    assert whole.status_code == 200
    assert whole.headers["content-type"].startswith("application/x-ndjson")
    assert whole.text.splitlines() == lines
    assert any("thread_name" in line for line in lines)  # the title is among the logged frames
    tail = httpx.get(url, params={"after": len(lines) - 1}, headers=auth(user), timeout=30)
    assert tail.text.splitlines() == lines[-1:]
    nothing_more = httpx.get(url, params={"after": len(lines)}, headers=auth(user), timeout=30)
    assert (nothing_more.status_code, nothing_more.text) == (200, "")


def test_a_resume_of_someone_elses_or_an_unknown_thread_is_404(
    chat_server, user, other_user, staff, llm
):
    streamed = post_stream(chat_server, user, input="Hello")
    url = f"{chat_server}/api/chat-threads/{streamed.meta['thread_uuid']}/stream/"
    for caller in (other_user, staff):  # staff may read a thread, never take over its stream
        response = httpx.get(url, headers=auth(caller), timeout=30)
        assert response.status_code == 404, caller
        assert response.json() == {"detail": "Not found."}
    unknown = f"{chat_server}/api/chat-threads/{uuid.uuid4()}/stream/"
    assert httpx.get(unknown, headers=auth(user), timeout=30).status_code == 404
    assert httpx.get(url, timeout=30).status_code == 401


def test_nothing_to_resume_is_204(chat_server, user, llm):
    empty = thread_for(user)
    response = httpx.get(f"{chat_server}{path_of(empty)}", headers=auth(user), timeout=30)
    assert (response.status_code, response.text) == (204, "")
    # An answer stored long ago (its log pruned, or never written): nothing to re-attach to.
    old = thread_for(user)
    add_turn(old, "Q", "A", finish_reason="stop")
    response = httpx.get(f"{chat_server}{path_of(old)}", headers=auth(user), timeout=30)
    assert response.status_code == 204


def test_an_answer_past_the_resume_window_is_not_sent_again(chat_server, user, llm):
    streamed = post_stream(chat_server, user, input="Hello")
    thread = streamed.meta["thread_uuid"]
    key = streamed.final["assistant_message_uuid"]
    stale = timezone.now() - timedelta(seconds=resume.RESUME_WINDOW_SECONDS + 1)
    assert StreamLog.objects.filter(turn=key).update(modified=stale) == 1
    url = f"{chat_server}/api/chat-threads/{thread}/stream/"
    assert httpx.get(url, headers=auth(user), timeout=30).status_code == 204


@pytest.mark.parametrize("after", ["-1", "x", "1.5", "", str(2**31)])
def test_after_must_be_a_count_of_frames(chat_server, user, llm, after):
    thread = thread_for(user)
    url = f"{chat_server}{path_of(thread)}"
    response = httpx.get(url, params={"after": after}, headers=auth(user), timeout=30)
    assert response.status_code == 400
    assert list(response.json()) == ["after"]


def test_logs_are_pruned_after_the_window_or_when_abandoned(db):
    now = timezone.now()
    ages = {
        "ended recently": (True, 10),
        "ended long ago": (True, resume.RESUME_WINDOW_SECONDS + 60),
        "being written": (False, resume.RESUME_WINDOW_SECONDS + 60),
        "abandoned": (False, resume.ABANDONED_SECONDS + 60),
    }
    keys = {}
    for name, (ended, age) in ages.items():
        row = StreamLog.objects.create(turn=uuid.uuid4(), ended=ended, lines="{}\n", count=1)
        StreamLog.objects.filter(pk=row.pk).update(modified=now - timedelta(seconds=age))
        keys[name] = row.pk
    assert resume.logs_prune() == 2
    left = set(StreamLog.objects.values_list("turn", flat=True))
    assert left == {keys["ended recently"], keys["being written"]}


def test_log_lines_after_n_are_cut_on_frame_boundaries(db):
    key = uuid.uuid4()
    frames = [b'{"m":{"thread_uuid":"t"}}\n', b'{"k":"markdown","c":"a\\nb"}\n', b'{"m":{}}\n']
    resume.log_final(str(key), frames, ended=True)
    lines, count, ended = resume.log_read(str(key), 1)
    assert (count, ended) == (3, True)
    assert lines == [frame.decode() for frame in frames[1:]]
