"""Load the answer cross-encoder ("does this sentence answer this question?") for inference.

The weights are stored in fp16 to keep the folder under ~50 MB, but are loaded back as fp32:
fp16 matmuls on CPU are slow or unsupported, and fp32 keeps scores within fp16 rounding of
the trained model. torch/transformers are imported inside the functions so that importing
this module stays cheap for code paths that never score.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_LENGTH = 128  # the length the model was trained with; longer pairs are truncated

Scorer = Callable[[str, Sequence[str]], np.ndarray]


def _offline() -> None:
    """Never let transformers reach a hub: the model folder is all there is."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def load_model(path: str | Path) -> tuple[Any, Any]:
    """(tokenizer, model) from a saved folder, model in fp32 eval mode on CPU."""
    _offline()
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    folder = Path(path)
    if not (folder / "config.json").exists():
        raise FileNotFoundError(f"No cross-encoder at {folder} (config.json missing).")
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=torch.float32)
    model.float().eval()
    return tokenizer, model


def score_pairs(
    tokenizer: Any,
    model: Any,
    questions: Sequence[str],
    sentences: Sequence[str],
    batch_size: int = 64,
    max_length: int = MAX_LENGTH,
) -> np.ndarray:
    """Raw logits for aligned (question, sentence) pairs, batched, without autograd."""
    import torch

    logits: list[np.ndarray] = []
    with torch.inference_mode():
        for i in range(0, len(questions), batch_size):
            batch = tokenizer(
                list(questions[i : i + batch_size]),
                list(sentences[i : i + batch_size]),
                padding=True,
                truncation="longest_first",
                max_length=max_length,
                return_tensors="pt",
            )
            out = model(**batch).logits.reshape(-1).float()
            logits.append(out.numpy())
    return np.concatenate(logits) if logits else np.zeros(0, dtype=np.float32)


def load_reranker(path: str | Path, batch_size: int = 64) -> Scorer:
    """A scorer ``f(question, sentences) -> probabilities`` (float32, one per sentence).

    The probability is the model's estimate that the sentence answers the question; it is
    meant as one feature of the answer/refuse decision, not as a calibrated verdict.
    """
    tokenizer, model = load_model(path)

    def score(question: str, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        logits = score_pairs(tokenizer, model, [question] * len(sentences), sentences, batch_size)
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)

    return score
