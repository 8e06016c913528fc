"""The launched app under load: concurrent gradio_client sessions, bounded memory, a full queue.

``slow``: each test launches ``create_app`` on a free localhost port with the real bot
(``app_bot``, shared with the other app tests) and drives it with ``bot.evaluation.load``.
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

from bot.evaluation.load import (  # noqa: E402
    CLIENT_BUSY_MESSAGE,
    Call,
    contract_problem,
    load_test,
    max_in_flight,
    overflow_test,
)
from bot.settings import Settings  # noqa: E402
from tests import app_fixtures  # noqa: E402

# Shared fixtures (tests/conftest.py belongs to the core; these live in tests/app_fixtures.py).
app_bot = app_fixtures.app_bot

CLIENTS = 16
QUESTIONS = [
    "How long did Tokayev stay in the Akorda?",
    "How many weapons were seized?",
    "What happened in January 2022?",
    "How much damage did the unrest cause?",
    "Who was behind the conspiracy?",
    "What is the capital of France?",
    "Who attacked government buildings?",
    "What course was set after the 2019 election?",
]
#: RSS the 64-request run may add to this process (server and clients together). Measured
#: +80..106 MB on 2 cores (most of it the first burst of 16 threads: allocator arenas,
#: per-thread buffers); a leak of the answers or sessions would grow with every request.
RSS_GROWTH_LIMIT_MB = 250


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    """Defaults (concurrency 2, queue 64) with a private data dir for the feedback log."""
    return Settings(data_dir=tmp_path)


# --- helpers without a server ------------------------------------------------------------------


def test_max_in_flight_counts_overlapping_calls() -> None:
    calls = [Call("ask", 0.0, 2.0), Call("ask", 1.0, 3.0), Call("ask", 2.5, 4.0),
             Call("ask", 5.0, 6.0)]
    assert max_in_flight(calls) == 2
    assert max_in_flight([Call("ask", 0.0, 1.0), Call("ask", 1.0, 2.0)]) == 1  # end first


def test_contract_problem_catches_markers_and_offsets() -> None:
    class Record:
        text = "Alpha beta. Gamma delta."

    cite = {"n": 1, "chunk_id": "c", "source": "s", "title": "t", "text": "Gamma delta.",
            "start": 12, "end": 24, "score": 0.5}
    good = {"answer": "Gamma delta [1].", "found": True, "status": "answered",
            "confidence": 0.9, "citations": [cite]}
    records = {"s": Record()}
    assert contract_problem(good, records) is None
    assert "markers" in str(contract_problem({**good, "answer": "Gamma [2]."}, records))
    shifted = {**good, "citations": [{**cite, "start": 11, "end": 23}]}
    assert "not the source's text" in str(contract_problem(shifted, records))
    assert "found" in str(contract_problem({**good, "found": False}, records))
    assert "not an Answer" in str(contract_problem({"answer": 3}, records))


# --- the launched app --------------------------------------------------------------------------


@pytest.mark.slow
def test_sixteen_concurrent_sessions_get_valid_answers_in_bounded_memory(
        app_bot: Any, settings: Settings) -> None:
    """16 sessions × 4 questions on /ask at once: no error, every answer a valid contract."""
    result = load_test(settings, app_bot, QUESTIONS, clients=CLIENTS, per_client=4,
                       chat_every=0, timeout=60)
    assert result["requests"] == result["planned"] == CLIENTS * 4
    assert result["errors"] == 0, result["error_messages"]
    assert result["invalid"] == result["busy"] == result["hung"] == 0
    assert result["max_in_flight"] > settings.max_concurrency  # the queue really was used
    assert result["rss_mb"]["peak_growth"] < RSS_GROWTH_LIMIT_MB, result["rss_mb"]


@pytest.mark.slow
def test_a_full_queue_refuses_at_once_with_a_busy_message(
        app_bot: Any, settings: Settings) -> None:
    """Concurrency 1 + queue 1, 8 simultaneous slow /ask: some answered, the rest told busy."""
    result = overflow_test(settings, app_bot, QUESTIONS[0], clients=8, max_concurrency=1,
                           max_queue=1, delay=1.5, timeout=45)
    assert result["hung"] == 0 and result["errors"] == 0, result["error_messages"]
    assert result["ok"] + result["busy"] == 8
    assert 1 <= result["ok"] <= 3  # one running + one waiting (a late arrival may slip in)
    assert result["busy"] >= 5
    assert result["busy_message"] == f"QueueError: {CLIENT_BUSY_MESSAGE}"
    assert result["busy_ms"]["max"] < 15_000  # refused on arrival, not after waiting
    probe = result["http_probe"]
    assert probe is not None and probe["status"] in (200, 503), probe
    if probe["status"] == 503:  # what curl gets when it arrives while the queue is full
        assert probe["body"]["detail"].startswith("Queue is full."), probe
