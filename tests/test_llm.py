"""The LLM answerers on the real packaged model (needs `pip install -e ".[llm]"`):
``llamacpp`` in-process, ``openai`` against a real OpenAI-compatible server started here,
and ``QANTAR_ANSWERER=llamacpp python app.py`` called through gradio_client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.answerers.packaged import SIZE, packaged_model_path
from bot.contract import Answer
from tests.app_fixtures import free_port
from tests.conftest import load_conversations

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
ANSWERABLE = "How many weapons were seized?"
OFF_TOPIC = "What is the capital of France?"


@pytest.fixture(scope="session")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The packaged model joined from its 22 pip packages and SHA-256 checked."""
    return packaged_model_path(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def llama_bot(real_bot: Any, model_path: Path) -> Any:
    """The product with QANTAR_ANSWERER=llamacpp (same index as the extractive bot)."""
    from bot.service import QantarBot

    settings = real_bot.settings.model_copy(update={"answerer": "llamacpp",
                                                    "llm_path": model_path})
    return QantarBot(settings, real_bot.knowledge)


def wait_for(url: str, seconds: float, proc: subprocess.Popen[Any]) -> None:
    """Poll ``url`` until it answers (fail early if the process died)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up in {seconds} s")


def assert_exact(answer: Answer, records: dict[str, Any]) -> None:
    assert answer.is_consistent()
    for c in answer.citations:
        assert records[c.source].text[c.start:c.end] == c.text


def test_packaged_model_is_joined_verified_and_reused(model_path: Path) -> None:
    assert model_path.stat().st_size == SIZE
    mtime = model_path.stat().st_mtime_ns
    started = time.monotonic()
    assert packaged_model_path(model_path.parent) == model_path
    assert time.monotonic() - started < 1.0 and model_path.stat().st_mtime_ns == mtime


def test_llamacpp_writes_verified_cited_answers(llama_bot: Any, qa_file: Path) -> None:
    """Single questions of the evaluation file: every citation exact, no refusal written
    by the model (the decision refuses), most answers written by the model itself."""
    firsts = [c["turns"][0] for c in load_conversations(qa_file)]
    written = 0
    for turn in firsts:
        answer = llama_bot.ask(turn["q"])
        assert_exact(answer, llama_bot.knowledge.records)
        if not turn["answerable"]:
            assert answer.status != "answered" and answer.written_by == "extractive"
        written += answer.written_by == "llamacpp"
        assert answer.written_by != "llamacpp" or (answer.found and answer.citations)
        assert answer.fallback in (None, "unverified")  # never an error or a timeout here
    assert written >= len([t for t in firsts if t["answerable"]]) // 2


def test_llamacpp_streams_tokens_as_they_are_written(llama_bot: Any) -> None:
    events = list(llama_bot.events(ANSWERABLE))
    final = events[-1]
    assert isinstance(final, Answer)
    if final.written_by == "llamacpp":  # a verified model answer arrived in pieces
        assert sum(isinstance(e, str) for e in events) >= 3
    assert final.citations


SAYS = ("This was not limited to Almaty; several regional centers were also affected, said "
        "Tokayev, noting that over 3,000 weapons were seized.")
UNRELATED = "The President also spoke about the economy and the tax reform planned for 2023."


def assert_judges(judge: Any) -> None:
    """A real model's P(yes): a probability, higher for the passage that says it."""
    says, unrelated = judge(ANSWERABLE, SAYS), judge(ANSWERABLE, UNRELATED)
    assert says is not None and unrelated is not None, "the judge gave no probability"
    assert 0.0 <= unrelated < says <= 1.0 and says > 0.5 > unrelated


def test_llamacpp_decides_with_the_packaged_model_as_judge(llama_bot: Any) -> None:
    judge = llama_bot.answerer.decider.judge
    assert judge is not None and judge.name == "llamacpp"
    assert_judges(judge)
    answer = llama_bot.ask(ANSWERABLE)
    assert answer.status == "answered" and "3,000" in answer.answer


def test_openai_backend_against_a_real_local_server(real_bot: Any, model_path: Path) -> None:
    """`python -m bot serve-llm` (llama-cpp-python's OpenAI-compatible server); when it
    stops, answers fall back to extractive at once instead of hanging."""
    from bot.service import QantarBot

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve-llm", "--port", str(port), "--model",
         str(model_path)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/v1/models", 120, proc)
        settings = real_bot.settings.model_copy(update={
            "answerer": "openai", "llm_base_url": f"http://127.0.0.1:{port}/v1",
            "llm_timeout": 60.0})
        bot = QantarBot(settings, real_bot.knowledge)
        assert_judges(bot.answerer.decider.judge)  # top_logprobs from the server
        answer = bot.ask(ANSWERABLE)
        assert answer.written_by == "openai" and answer.fallback is None, answer
        assert "3,000" in answer.answer
        assert_exact(answer, real_bot.knowledge.records)
        assert bot.ask(OFF_TOPIC).status == "not_found"
        constrained = QantarBot(settings.model_copy(update={"llm_grammar": True}),
                                real_bot.knowledge)
        answer = constrained.ask(ANSWERABLE)
        assert answer.written_by == "openai" and answer.answer.endswith("[1].")
    finally:
        proc.terminate()
        proc.wait(30)
    started = time.monotonic()
    down = bot.ask(ANSWERABLE)
    assert down.fallback == "error" and down.written_by == "extractive" and down.found
    assert time.monotonic() - started < 10


@pytest.fixture(scope="module")
def llm_app(model_path: Path, real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:
    """`QANTAR_ANSWERER=llamacpp python app.py` on a free port."""
    port = free_port()
    env = {**os.environ, "QANTAR_ANSWERER": "llamacpp", "QANTAR_LLM_PATH": str(model_path),
           "QANTAR_DATA_DIR": str(real_data_dir), "GRADIO_SERVER_PORT": str(port),
           "QANTAR_FEEDBACK_PATH": str(tmp_path_factory.mktemp("fb") / "f.jsonl")}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url + "/", 240, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def test_app_streams_verified_llm_answers(llm_app: str) -> None:
    from gradio_client import Client

    client = Client(llm_app, verbose=False)
    job = client.submit(ANSWERABLE, [], api_name="/chat")
    pieces = list(job)
    asked = client.predict(ANSWERABLE, [], api_name="/ask")
    assert asked["written_by"] in ("llamacpp", "extractive") and asked["citations"]
    assert pieces and "[1]" in pieces[-1]  # the stream ends with the final, cited text
    if asked["written_by"] == "llamacpp":
        assert len(pieces) >= 3
    off = client.predict(OFF_TOPIC, [], api_name="/ask")
    assert off["status"] == "not_found" and off["written_by"] == "extractive"
    assert json.dumps(asked)  # plain JSON all the way through


JUDGED_GATES = {  # QANTAR_JUDGE=on (README); gates just under the measured figures (dated)
    "squad": ["--squad", str(REPO / "tests" / "data" / "external" / "squad2-complexity.json"),
              "--min-squad-overall", "0.60", "--min-squad-has-answer", "0.50",
              "--min-squad-no-answer", "0.66"],  # 0.564 / 0.706 / 0.639 on 12-08
    "documents": ["--docs", *map(str, sorted((REPO / "tests" / "data" / "docs-heldout")
                                             .glob("*.jsonl"))),
                  "--min-accuracy", "0.56", "--min-refusal", "0.70",  # 58.1/72.1 on 12-08
                  "--min-exact-offsets", "1", "--max-errors", "0"],
}


@pytest.mark.parametrize("held_out", sorted(JUDGED_GATES))
def test_the_judge_on_held_out_data(held_out: str, model_path: Path, tmp_path: Path
                                    ) -> None:
    """`QANTAR_JUDGE=on bot eval` with the packaged model reading each chosen quote, on
    data neither the decision nor the judge's fit ever saw (the issue's SQuAD target:
    overall >= 0.60 with has- and no-answer >= 0.50)."""
    out = tmp_path / "eval.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "eval", *JUDGED_GATES[held_out], "--json", str(out)],
        capture_output=True, text=True, timeout=2400, cwd=REPO,
        env={**os.environ, "QANTAR_DATA_DIR": str(tmp_path / "data"), "QANTAR_JUDGE": "on",
             "QANTAR_LLM_PATH": str(model_path)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "judge failed" not in done.stderr, done.stderr[-3000:]
