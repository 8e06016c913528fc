"""Faults while serving: the index folder deleted or corrupted, the Chroma server stopped
and restarted, the index rebuilt while questions keep coming. Never a wrong answer: the
same answer as before, or a clear error saying what to do."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.service import QantarBot
from bot.settings import Settings
from index.store import IndexUnavailable, reset_client_cache
from tests.app_fixtures import free_port
from tests.conftest import write_calibration

QUESTIONS = ["How many weapons were seized?", "What is Qantar?",
             "How long did Tokayev stay in the Akorda?"]


def settings_for(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", embeddings="fake", reranker=False,
                    calibration_path=write_calibration(tmp_path / "c.json", 0.0, 0.0),
                    **extra)  # type: ignore[arg-type]


def answers(bot: QantarBot) -> list[tuple[str, list[tuple[int, int]]]]:
    out = []
    for q in QUESTIONS:
        a = bot.ask(q)
        out.append((a.answer, [(c.start, c.end) for c in a.citations]))
    return out


def test_index_folder_deleted_while_serving(tmp_path: Path) -> None:
    bot = QantarBot.from_settings(settings_for(tmp_path))
    before = answers(bot)
    shutil.rmtree(tmp_path / "data" / "chroma")
    assert answers(bot) == before  # the open index keeps serving the same answers
    reset_client_cache()  # what a new process starts with: no cached Chroma client
    fresh = QantarBot.from_settings(settings_for(tmp_path))  # the next start rebuilds it
    assert (tmp_path / "data" / "chroma").is_dir() and answers(fresh) == before


def test_index_folder_corrupted_while_serving(tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    bot = QantarBot.from_settings(settings_for(tmp_path))
    before = answers(bot)
    for path in (tmp_path / "data" / "chroma").rglob("*"):
        if path.is_file() and path.stat().st_size:
            path.write_bytes(os.urandom(path.stat().st_size))
    assert answers(bot) == before  # reopened, moved aside, rebuilt, asked again
    assert list((tmp_path / "data").glob("chroma.corrupt-*"))
    assert any("Reopening the index" in r.getMessage() for r in caplog.records)


def _start_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("chroma run did not start within 60 s")


@pytest.fixture
def chroma_path(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "chroma-server"


@pytest.mark.slow
def test_chroma_server_stopped_then_back(tmp_path: Path, chroma_path: Path) -> None:
    port = free_port()
    proc = _start_chroma(chroma_path, port)
    try:
        bot = QantarBot.from_settings(settings_for(tmp_path, chroma_host="127.0.0.1",
                                                   chroma_port=port, collection="faults"))
        before = answers(bot)
        proc.terminate()
        proc.wait(20)
        started = time.monotonic()
        with pytest.raises(IndexUnavailable, match=rf"Cannot reach the Chroma server at "
                                                   rf"127.0.0.1:{port}.*Start it"):
            bot.ask(QUESTIONS[0])
        assert time.monotonic() - started < 30  # a clear error, not a hang
        proc = _start_chroma(chroma_path, port)
        assert answers(bot) == before  # recovered without a restart of the bot
    finally:
        proc.terminate()
        proc.wait(20)


def test_reindexing_while_serving_never_fails_a_question(tmp_path: Path) -> None:
    """Another writer adds and changes sources while questions keep coming; answers stay
    the same until ``reload`` swaps the new passages in, then the new source is cited."""
    from index.loading import load_sources
    from index.pipeline import requested_paths, sync

    settings = settings_for(tmp_path)
    bot = QantarBot.from_settings(settings)
    before = answers(bot)
    extra = tmp_path / "extra.md"
    extra.write_text("# Harbour notes\n\nThe harbour of Aktau handled 4,200 containers in "
                     "March. Cranes at the harbour were repaired by the Caspian Dock "
                     "Company.\n", encoding="utf-8")
    errors: list[BaseException] = []
    seen: list[tuple[bool, object]] = []
    stop, reloaded = threading.Event(), threading.Event()

    def ask_loop() -> None:
        while not stop.is_set():
            try:
                swapped = reloaded.is_set()
                seen.append((swapped, answers(bot)))
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)

    worker = threading.Thread(target=ask_loop)
    worker.start()
    try:
        writer = QantarBot.open_store(settings, bot.knowledge.embeddings)
        for _ in range(3):  # add it, change it, add it again
            sync(writer, load_sources([*requested_paths(settings), extra]), settings)
            extra.write_text(extra.read_text() + "\nMore cranes arrived.\n")
            time.sleep(0.2)
        reloaded.set()
        bot.reload()
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join(60)
    assert not errors, errors[:3]
    during = [got for swapped, got in seen if not swapped]
    assert len(during) >= 2 and all(got == before for got in during)
    answer = bot.ask("How many containers did the harbour of Aktau handle?")
    assert answer.found and answer.citations[0].source.endswith("extra.md")
    assert "4,200" in answer.citations[0].text


@pytest.mark.slow
def test_a_bot_index_run_in_another_process_is_picked_up_while_serving(tmp_path: Path) -> None:
    """`python -m bot index FILE` while the bot serves: every question keeps its answer and
    within a few checks the new source is answered and cited (no restart)."""
    settings = settings_for(tmp_path, reload_every=0.2)
    bot = QantarBot.from_settings(settings)
    before = answers(bot)
    extra = tmp_path / "harbour.md"
    extra.write_text("# Harbour notes\n\nThe harbour of Aktau handled 4,200 containers in "
                     "March.\n", encoding="utf-8")
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask_loop() -> None:
        while not stop.is_set():
            try:
                assert answers(bot) == before
            except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
                errors.append(exc)

    worker = threading.Thread(target=ask_loop)
    worker.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "index", str(extra), "--data-dir",
             str(settings.data_dir)], capture_output=True, text=True, timeout=300,
            env={**os.environ, "QANTAR_EMBEDDINGS": "fake"})
        assert done.returncode == 0, done.stderr
        deadline = time.monotonic() + 60
        cited = ""
        while time.monotonic() < deadline and not cited.endswith("harbour.md"):
            answer = bot.ask("How many containers did the harbour of Aktau handle?")
            cited = answer.citations[0].source if answer.found and answer.citations else ""
            time.sleep(0.2)
    finally:
        stop.set()
        worker.join(60)
    assert not errors, errors[:3]
    assert cited.endswith("harbour.md")
    assert len(bot.knowledge.records) == 2
    hits = bot.retrieve("harbour of Aktau containers", k=20)
    harbour = [h for h in hits if h["source"].endswith("harbour.md")]
    assert harbour and harbour[0]["dense"] != 0.0  # its vector reached the served index
