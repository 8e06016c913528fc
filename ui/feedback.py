"""The feedback log: 👍/👎 votes on answers, appended as JSON lines."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class FeedbackLog:
    """Append-only JSONL of 👍/👎 votes (one JSON object per line, safe across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, question: str, answer: str, citations: list[dict[str, Any]],
               vote: str) -> dict[str, Any]:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": question, "answer": answer, "citations": citations, "vote": vote,
        }
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return record


def vote_name(liked: object) -> str:
    """LikeData.liked as a vote: True → up, False → down, other feedback options as given."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return str(liked) if liked else "none"
