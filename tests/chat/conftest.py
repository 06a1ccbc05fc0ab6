"""Fixtures of the chat tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def slow_llm(llm, settings):
    """400 tokens at 20 ms each: eight seconds for a whole answer."""
    settings.AI_ASSISTANT_MODEL = "reply-long"
    llm.app.config.token_interval = 0.02
    return llm
