"""Fixtures for the app tests: one real bot, a launched app on a free localhost port.

A test module re-exports what it needs: ``app_bot = app_fixtures.app_bot`` and
``app_server = app_fixtures.app_server``. The bot is shared (conftest's ``real_bot``, else a
module-level cache), so several test modules still build the index and load MiniLM once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

from bot.evaluation.bench import free_port  # noqa: E402
from bot.settings import Settings  # noqa: E402

_BOTS: dict[str, Any] = {}

#: Questions whose status the app and browser tests check on every surface: one the article
#: answers, one off-topic, and one meant to be a hedge ("closest"). The tests compare each
#: surface with what /ask says, so they hold whatever the thresholds are.
STATUS_QUESTIONS = [
    "How long did Tokayev stay in the Akorda?",
    "What is the capital of France?",
    "Who attacked government buildings?",  # a hedge with the shipped calibration
]


@pytest.fixture(scope="session")
def app_bot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real product bot (MiniLM + embedded Chroma): conftest's ``real_bot`` if present."""
    try:
        return request.getfixturevalue("real_bot")
    except pytest.FixtureLookupError:
        pass
    if "bot" not in _BOTS:
        from bot.service import QantarBot

        _BOTS["bot"] = QantarBot.from_settings(
            Settings(data_dir=tmp_path_factory.mktemp("app-index")))
    return _BOTS["bot"]


@dataclass
class AppServer:
    """A running app: its URL and the settings it was built with."""

    url: str
    settings: Settings
    bot: Any


@contextmanager
def launched(bot: Any, data_dir: Path) -> Iterator[AppServer]:
    """create_app() over ``bot`` on 127.0.0.1:<free port>, closed afterwards."""
    from bot.evaluation.bench import launched as serve

    settings = Settings(data_dir=data_dir, port=free_port())
    with serve(settings, bot, settings.port) as url:
        yield AppServer(url=url.rstrip("/"), settings=settings, bot=bot)


@pytest.fixture(scope="module")
def app_server(app_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The real bot's app, with a private data dir and feedback file."""
    with launched(app_bot, tmp_path_factory.mktemp("app-data")) as server:
        yield server
