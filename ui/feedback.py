"""The feedback log: 👍/👎 votes on answers, appended as JSON lines, bounded on disk."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: Default size past which the log is rotated (Settings.feedback_max_bytes).
MAX_BYTES = 5_000_000
#: Characters kept of a vote's question, answer and each cited text; citations kept.
MAX_QUESTION_CHARS = 2000
MAX_ANSWER_CHARS = 4000
MAX_CITATION_CHARS = 1000
MAX_CITATIONS = 20
#: Citation fields kept (the contract's; anything else a caller adds is dropped).
CITATION_FIELDS = ("n", "chunk_id", "source", "title", "text", "start", "end", "score")


def cut(text: object, limit: int) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut)."""
    value = text if isinstance(text, str) else str(text)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _citation(c: Any) -> dict[str, Any]:
    if not isinstance(c, dict):
        return {}
    kept: dict[str, Any] = {}
    for key in CITATION_FIELDS:
        if key in c:
            value = c[key]
            kept[key] = (value if isinstance(value, (int, float, bool)) or value is None
                         else cut(value, MAX_CITATION_CHARS))
    return kept


class FeedbackLog:
    """JSONL of 👍/👎 votes (one JSON object per line, safe across threads of one process).

    Bounded: when the next line would take the file past ``max_bytes`` it is renamed to
    ``<name>.1`` (replacing the previous one) and a new file is started, so the log uses at
    most about ``2 * max_bytes`` on disk. Each entry's texts are cut (see ``MAX_*``).
    """

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._lock = threading.Lock()

    @property
    def rotated(self) -> Path:
        """Where the previous generation is kept."""
        return self.path.with_name(self.path.name + ".1")

    def append(self, question: str, answer: str, citations: list[dict[str, Any]],
               vote: str) -> dict[str, Any]:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": cut(question, MAX_QUESTION_CHARS),
            "answer": cut(answer, MAX_ANSWER_CHARS),
            "citations": [_citation(c) for c in list(citations or [])[:MAX_CITATIONS]],
            "vote": cut(vote, 100),
        }
        # ensure_ascii=False keeps the log readable; lone surrogates cannot be UTF-8-encoded,
        # so they are written as \ud800 escapes instead
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size and size + len(line) > self.max_bytes:
                os.replace(self.path, self.rotated)
            with self.path.open("ab") as fh:
                fh.write(line)
        return record


def vote_name(liked: object) -> str:
    """LikeData.liked as a vote: True → up, False → down, other feedback options as given."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return str(liked) if liked else "none"
