"""Fixtures for the app tests: one real bot, a launched app on a free localhost port.

A test module re-exports what it needs: ``app_bot = app_fixtures.app_bot`` and
``app_server = app_fixtures.app_server``. The bot is shared (conftest's ``real_bot``, else a
module-level cache), so several test modules still build the index and load MiniLM once.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import pytest  # noqa: E402

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


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    """A running app: its URL, the Blocks object and the settings it was built with."""

    url: str
    demo: Any
    settings: Settings
    bot: Any


@contextmanager
def launched(bot: Any, data_dir: Path) -> Iterator[AppServer]:
    """create_app() over ``bot`` on 127.0.0.1:<free port>, closed afterwards."""
    from app import create_app

    settings = Settings(data_dir=data_dir, port=free_port())
    demo = create_app(settings, bot)
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=settings.port,
                            prevent_thread_lock=True, quiet=True)
    try:
        yield AppServer(url=str(url).rstrip("/"), demo=demo, settings=settings, bot=bot)
    finally:
        demo.close()


@pytest.fixture(scope="module")
def app_server(app_bot: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The real bot's app, with a private data dir and feedback file."""
    with launched(app_bot, tmp_path_factory.mktemp("app-data")) as server:
        yield server
