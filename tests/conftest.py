"""Shared fixtures: deterministic fakes for unit tests, one real bot for end-to-end tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from bot.settings import Settings  # noqa: E402

DATA = Path(__file__).parent / "data"
SHARED_QA = Path(__file__).resolve().parents[2] / "shared" / "eval" / "qa.jsonl"


def load_conversations(path: Path) -> list[dict[str, Any]]:
    """One conversation per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_calibration(path: Path, answer_at: float, hedge_at: float) -> Path:
    """A fixed decision for unit tests: no signals, confidence 0.5, given thresholds (0.5
    >= answer_at answers everything; answer_at 1 with hedge_at 0 hedges everything)."""
    from bot.confidence import Calibration

    path.write_text(Calibration((), (), (), (), 0.0, answer_at, hedge_at).to_json(),
                    encoding="utf-8")
    return path


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """Settings with the deterministic fake embedder, a private index folder and a decision
    that always answers (the learned one needs the real model's signals)."""
    return Settings(data_dir=tmp_path / "data", embeddings="fake", reranker=False,
                    calibration_path=write_calibration(tmp_path / "answer.json", 0.0, 0.0))


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The article indexed once per module with the fake embedder (for LLM answerer tests,
    which build bots around it with :func:`tests.fakes.llm_bot`)."""
    from bot.service import QantarBot

    tmp = tmp_path_factory.mktemp("fake-knowledge")
    settings = Settings(data_dir=tmp / "data", embeddings="fake", reranker=False,
                        calibration_path=write_calibration(tmp / "answer.json", 0.0, 0.0))
    return QantarBot.from_settings(settings).knowledge


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index folder built with the real MiniLM model for the whole session."""
    return tmp_path_factory.mktemp("real-index")


@pytest.fixture(scope="session")
def real_bot(real_data_dir: Path) -> Any:
    """The product as users get it: MiniLM embeddings, embedded Chroma, extractive answers."""
    from bot.service import QantarBot

    return QantarBot.from_settings(Settings(data_dir=real_data_dir))


@pytest.fixture(scope="session")
def qa_file() -> Path:
    """The evaluation conversations (the shared file when present, else the shipped copy)."""
    return SHARED_QA if SHARED_QA.exists() else DATA / "qa.jsonl"
