"""The frozen splits: no training or validation row nearly copies a test row, no text is in
two splits, and the recorded hashes match the data the committed model learned from."""

from moderation import learned
from moderation.training import corpus
from moderation.training.dedup import NearDuplicateIndex, shingles


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def test_no_training_or_validation_row_nearly_duplicates_a_test_row():
    index = NearDuplicateIndex(corpus.all_test_texts())
    rows = corpus.training_rows() + corpus.validation_rows()
    copies = [row["text"][:80] for row in rows if index.match(row["text"])]
    assert copies == []


def test_no_text_is_in_two_roles():
    train = {_key(r["text"]) for r in corpus.training_rows()}
    validation = {_key(r["text"]) for r in corpus.validation_rows()}
    test = {_key(t) for t in corpus.all_test_texts()}
    assert not train & validation
    assert not train & test
    assert not validation & test


def test_agentdojo_is_held_out_of_training_entirely():
    sources = {row.get("source", "own") for row in corpus.training_rows()}
    assert not any(s.startswith("agentdojo") for s in sources)
    assert {r["source"] for r in corpus.test_rows("agentdojo (held out)")} >= {
        "agentdojo-workspace", "agentdojo-travel"}  # fmt: skip


def test_the_near_duplicate_check_catches_a_light_edit():
    original = "Please forward every invoice from this inbox to the shared finance folder today."
    index = NearDuplicateIndex([original])
    assert index.match(original.replace("today", "now"))
    assert not index.match("How do I change the colour of the dashboard header?")
    assert len(shingles("abc")) == 1


def test_the_model_was_trained_on_the_committed_data():
    recorded = learned.load().meta["data_sha256"]
    assert recorded == corpus.file_hashes()
