"""The answer cross-encoder as a signal of the decision (and a tie-breaker of the choice).

A MiniLM cross-encoder trained here on SQuAD 2.0 sentences (``models/answer-ce``, see its
MODEL_CARD.md) reads question and sentence together, so it sees what word overlap cannot:
whether the sentence actually says what is asked. It scores only the few best distinct
sentences, which keeps an answer within the latency budget on a laptop CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from bot.answerers.extractive import Candidate

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO / "models" / "answer-ce"


class RerankerUnavailable(RuntimeError):
    """The cross-encoder's files are missing: say where they were looked for."""


class Reranker:
    """Cross-encoder probabilities for the top distinct sentences of a candidate list."""

    def __init__(self, score: Callable[[str, list[str]], np.ndarray], top: int = 5) -> None:
        self.score = score
        self.top = top

    def signals(self, question: str, cands: Sequence[Candidate],
                sentence_of: Callable[[Candidate], str]) -> dict[str, float]:
        """Score the top distinct sentences of ``cands`` (best first): ``rerank_best`` is the
        probability for the chosen sentence, ``rerank_top`` the best probability and
        ``rerank_agree`` whether the chosen sentence is the model's favourite. (As a
        tie-breaker of the choice itself it was measured and did not help.)"""
        texts: list[str] = []
        for cand in cands:
            text = sentence_of(cand)
            if text not in texts:
                texts.append(text)
            if len(texts) >= self.top:
                break
        probs = np.asarray(self.score(question, texts), dtype=np.float64)
        best, top = float(probs[0]), float(probs.max())
        return {"rerank_best": best, "rerank_top": top, "rerank_agree": float(best >= top)}


def load_reranker(path: Path | None = None) -> Reranker:
    """The shipped cross-encoder (or the one at ``path``), loaded once per process."""
    folder = Path(path) if path else DEFAULT_PATH
    if not (folder / "config.json").exists():
        raise RerankerUnavailable(
            f"The answer cross-encoder is not at {folder}. Reinstall from a full checkout, "
            "set QANTAR_RERANKER_PATH to its folder, or retrain it with "
            "`python -m bot.learn.train_reranker --out models/answer-ce`."
        )
    from bot.learn.reranker_model import load_reranker as load_model

    return Reranker(load_model(folder))
