"""One typed settings object for every surface (CLI, app, eval, bench).

Every field can be overridden by an environment variable prefixed ``QANTAR_``
(e.g. ``QANTAR_K=6``, ``QANTAR_CHROMA_HOST=localhost``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Per-user cache folder: the index is derived data and can always be rebuilt."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "qantar"


class Settings(BaseSettings):
    """Configuration of Qantar Q&A; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="QANTAR_", extra="ignore")

    # --- sources and index -------------------------------------------------------------
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the embedded Chroma index and the feedback log.",
    )
    sources: list[Path] = Field(
        default_factory=list,
        description="Extra .txt/.md/.html files or folders indexed beside the article.",
    )
    include_article: bool = Field(
        default=True, description="Index the bundled Astana Times article."
    )
    collection: str = Field(default="qantar", description="Chroma collection name.")
    chroma_host: str | None = Field(
        default=None, description="Chroma server host; unset = embedded PersistentClient."
    )
    chroma_port: int | None = Field(default=None, description="Chroma server port.")
    chunk_max_chars: int = Field(
        default=600, ge=80, le=2000,
        description="Upper bound of a passage (MiniLM reads at most 256 tokens).",
    )
    chunk_target_chars: int = Field(
        default=320, ge=40, le=2000,
        description="A passage stops growing past this size unless inside a quotation.",
    )

    # --- models --------------------------------------------------------------------------
    embeddings: Literal["minilm", "fake"] = Field(
        default="minilm",
        description="Embedding backend: packaged all-MiniLM-L6-v2, or a deterministic fake "
        "(tests only).",
    )
    answerer: Literal["extractive", "llamacpp", "openai"] = Field(
        default="extractive",
        description="Who writes answers: extractive (quotes sentences, no LLM), llamacpp (a "
        "local GGUF model, the packaged one by default) or openai (any OpenAI-compatible "
        "server). LLM answerers need `pip install -e '.[llm]'`; the learned decision "
        "still decides whether the documents answer.",
    )
    llm_path: Path | None = Field(
        default=None,
        description="GGUF file for the llamacpp answerer; default: the packaged "
        "Qwen2.5-Coder-1.5B-Instruct, joined and SHA-256-checked into data_dir/models.",
    )
    llm_threads: int | None = Field(
        default=None, ge=1, description="CPU threads for llamacpp; default: all cores."
    )
    llm_ctx: int = Field(default=2048, ge=512, description="Context window of llamacpp.")
    llm_base_url: str = Field(
        default="http://127.0.0.1:8000/v1",
        description="Base URL of the OpenAI-compatible server (openai answerer).",
    )
    llm_model: str = Field(
        default="qwen2.5-coder-1.5b-instruct",
        description="Model name sent to the OpenAI-compatible server.",
    )
    llm_api_key: SecretStr = Field(
        default=SecretStr("not-needed"),
        description="API key for the OpenAI-compatible server (local ones ignore it).",
    )
    llm_grammar: bool = Field(
        default=False,
        description="openai answerer: send the answer's GBNF grammar with each request "
        "(llama.cpp servers, e.g. `bot serve-llm`, accept it; others may reject it).",
    )
    llm_max_tokens: int = Field(
        default=96, ge=8, le=1024, description="Most tokens an LLM may write per answer."
    )
    llm_timeout: float = Field(
        default=30.0, gt=0,
        description="Seconds an LLM may take for one answer; past it the extractive "
        "answer is given instead.",
    )
    llm_passages: int = Field(
        default=2, ge=1, le=6,
        description="Best sentences shown to the LLM as numbered passages (fewer = faster "
        "first token; 2 and 3 measured equally accurate, 2 about 0.5 s faster).",
    )

    calibration_path: Path | None = Field(
        default=None,
        description="Fitted answer/hedge/refuse decision (JSON written by `bot calibrate`); "
        "default: the one shipped in bot/data/calibration.json.",
    )
    judge: Literal["auto", "on", "off"] = Field(
        default="auto",
        description="Let the LLM read the chosen passage and say whether it answers: one "
        "more signal of the decision (bot/data/judge.json), never the decision alone. "
        "auto = on with an LLM answerer; on = also with extractive (loads the packaged "
        "model, about a second per answer).",
    )
    judge_calibration_path: Path | None = Field(
        default=None,
        description="Decision with the judge (JSON written by `bot calibrate --judge`); "
        "default: bot/data/judge.json.",
    )
    reranker: bool = Field(
        default=True,
        description="Use the packaged answer cross-encoder (models/answer-ce) as a signal "
        "of the decision when the calibration asks for it.",
    )
    reranker_path: Path | None = Field(
        default=None, description="Folder of the cross-encoder; default: the shipped one."
    )

    # --- retrieval and answering ----------------------------------------------------------
    k: int = Field(default=5, ge=1, le=50, description="Passages handed to the answerer.")
    fetch_k: int = Field(
        default=20, ge=1, le=500, description="Candidates per retriever before fusion."
    )
    rrf_k: int = Field(default=60, ge=1, description="Reciprocal-rank-fusion constant.")
    reload_every: float = Field(
        default=10.0, ge=0,
        description="Seconds between checks whether the index changed (a `bot index` run "
        "or another replica); a change is loaded aside and swapped in. 0 = never.",
    )
    max_question_chars: int = Field(
        default=1000, ge=10, description="Longer questions are rejected with a message."
    )

    # --- app ---------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Address the Gradio app binds to.")
    port: int = Field(
        default_factory=lambda: int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        description="Port of the Gradio app (GRADIO_SERVER_PORT is honoured).",
    )
    feedback_path: Path | None = Field(
        default=None, description="JSONL file for 👍/👎 votes; default data_dir/feedback.jsonl."
    )
    max_concurrency: int = Field(default=2, ge=1, description="Answers computed at once.")
    max_queue: int = Field(default=64, ge=1, description="Requests waiting before refusal.")
    mcp: bool = Field(default=False, description="Also serve the `ask` tool over MCP.")
    max_history_turns: int = Field(
        default=20, ge=0, le=1000,
        description="Most recent well-formed history turns (messages) a question may lean "
        "on; older ones are ignored.",
    )
    max_turn_chars: int = Field(
        default=4000, ge=100,
        description="Characters kept of each history turn's content (the rest is cut).",
    )
    feedback_max_bytes: int = Field(
        default=5_000_000, ge=1000,
        description="Size past which the feedback log is rotated to <file>.1 (one old "
        "generation kept, so it uses at most about twice this on disk).",
    )
    auth: SecretStr | None = Field(
        default=None,
        description='Optional login for the app, "user:password" pairs separated by commas '
        '("alice:secret,bob:pw2"); Gradio\'s basic login (see docs/security.md).',
    )

    @property
    def chroma_dir(self) -> Path:
        """Where the embedded Chroma database lives."""
        return self.data_dir / "chroma"

    @property
    def feedback_file(self) -> Path:
        """Resolved feedback log location."""
        return self.feedback_path or self.data_dir / "feedback.jsonl"
