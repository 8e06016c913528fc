"""The command line end to end, as a user runs it (real model, subprocesses)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def run(*args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QANTAR_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          input=stdin, env=env, timeout=300)


def test_help_for_every_command(tmp_path: Path) -> None:
    for command in ([], ["index"], ["ask"], ["chat"], ["eval"], ["compare"], ["bench"],
                    ["calibrate"]):
        done = run(*command, "--help", data_dir=tmp_path)
        assert done.returncode == 0 and "usage:" in done.stdout


def test_ask_json_end_to_end(real_data_dir: Path, real_bot: object) -> None:
    done = run("ask", "How long did Tokayev stay in the Akorda?", "--json", data_dir=real_data_dir)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["found"] and "two weeks" in answer["answer"].lower()
    assert answer["status"] == "answered" and 0.5 <= answer["confidence"] <= 1
    corpus = Path(__file__).resolve().parents[1] / "index" / "corpus"
    text = corpus / answer["citations"][0]["source"]
    body = text.read_text(encoding="utf-8")
    for c in answer["citations"]:
        assert body[c["start"]:c["end"]] == c["text"]


def test_ask_plain_and_refusal(real_data_dir: Path, real_bot: object) -> None:
    done = run("ask", "What is the capital of France?", data_dir=real_data_dir)
    assert done.returncode == 0 and done.stdout.startswith("The article does not say.")
    assert "(not found; confidence" in done.stdout


def test_chat_keeps_history(real_data_dir: Path, real_bot: object) -> None:
    done = run("chat", data_dir=real_data_dir,
               stdin="Who is the president quoted in the article?\nWhen was he elected?\n\n")
    assert done.returncode == 0, done.stderr
    assert "Tokayev" in done.stdout and "2019" in done.stdout


def test_chat_follow_up_to_a_refusal_stays_refused(real_data_dir: Path, real_bot: object
                                                   ) -> None:
    """The article never names the CSTO or Putin: "how long did they stay?" after asking
    about one is about it too, not about the article's "For two weeks, I stayed…"."""
    done = run("chat", data_dir=real_data_dir,
               stdin="What did the CSTO do?\nHow long did they stay?\n"
                     "What did Putin say about the events?\nWhen did he say it?\n\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("(not found;") == 4, done.stdout
    assert "two weeks" not in done.stdout


def test_chat_tell_me_more_reads_on(real_data_dir: Path, real_bot: object) -> None:
    """"Tell me more" after the weapons answer quotes what the article says next, and
    "go on" further still: never the same passage again."""
    done = run("chat", data_dir=real_data_dir,
               stdin="How many weapons were seized?\nTell me more\ngo on\n\n")
    assert done.returncode == 0, done.stderr
    starts = [int(m) for m in re.findall(r"^  \[1\] .*? @(\d+)-\d+: ", done.stdout, re.M)]
    assert len(starts) == 3 and starts == sorted(set(starts)), done.stdout
    assert done.stdout.count("(answered;") == 3, done.stdout
    assert "verge of plunging into chaos" in done.stdout.split("> ")[2]


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_exits_2_without_traceback(tmp_path: Path, question: str) -> None:
    done = run("ask", question, data_dir=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and "empty" in done.stderr


def test_huge_question_exits_2_with_the_limit(tmp_path: Path) -> None:
    done = run("ask", "x" * 100_000, data_dir=tmp_path)
    assert done.returncode == 2 and "limit" in done.stderr and "Traceback" not in done.stderr


def test_index_user_files_and_bad_paths(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("Qantar notes. The river flooded in May.", encoding="utf-8")
    (docs / "blob.txt").write_bytes(b"\xff\xfe\x00\x00binary")
    data = tmp_path / "data"
    env_dir = data
    done = run("index", str(docs), data_dir=env_dir)
    assert done.returncode == 0, done.stderr
    assert "2 added" in done.stdout and "blob.txt" in done.stderr
    again = run("index", str(docs), data_dir=env_dir)
    assert "2 unchanged" in again.stdout
    missing = run("index", str(tmp_path / "nope"), data_dir=env_dir)
    assert missing.returncode == 2 and "No such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    answer = run("ask", "When did the river flood?", "--json", data_dir=env_dir)
    cited = json.loads(answer.stdout)
    assert cited["found"] and "May" in cited["answer"]
    assert cited["citations"][0]["source"].endswith("notes.md")
