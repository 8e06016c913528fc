"""Client/server mode against a real `chroma run` server started here on localhost."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.evaluation.bench import free_port
from bot.settings import Settings


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield port
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.slow
def test_index_and_answer_through_a_chroma_server(chroma_server: int, tmp_path: Path) -> None:
    from bot.service import QantarBot

    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=chroma_server,
                        embeddings="fake", collection="server_test")
    bot = QantarBot.from_settings(settings)
    assert not (tmp_path / "chroma").exists()  # nothing stored locally: replicas stay stateless
    hits = bot.retrieve("Which weapons were seized?", k=3)
    assert hits and any("weapons" in h["text"] for h in hits)
    # A second replica sees the same index without rebuilding it.
    again = QantarBot.from_settings(settings)
    assert again.knowledge.ids == bot.knowledge.ids
    record = next(iter(again.knowledge.records.values()))
    for h in hits:
        assert record.text[h["start"]:h["end"]] == h["text"]


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from index.store import IndexUnavailable, open_client

    settings = Settings(data_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(IndexUnavailable, match="Cannot reach the Chroma server"):
        open_client(settings)
