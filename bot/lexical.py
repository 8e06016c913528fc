"""BM25 over an inverted index (a sparse term-by-passage matrix).

Scoring a query touches only the posting lists of its terms, so it stays in the
low milliseconds at 100k passages, unlike per-document Python loops. The same
statistics (document frequency, vocabulary) feed the relevance gate.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from bot.text import tokens


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) with precomputed per-posting weights."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.n_docs = len(texts)
        self.vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[float] = []
        lengths = np.zeros(self.n_docs, dtype=np.float32)
        for doc, text in enumerate(texts):
            counts = Counter(tokens(text))
            lengths[doc] = sum(counts.values())
            for term, tf in counts.items():
                rows.append(self.vocab.setdefault(term, len(self.vocab)))
                cols.append(doc)
                tfs.append(tf)
        tf_all = np.asarray(tfs, dtype=np.float32)
        row = np.asarray(rows, dtype=np.int64)
        col = np.asarray(cols, dtype=np.int64)
        self.df = np.bincount(row, minlength=len(self.vocab)).astype(np.float32)
        idf = np.log1p((self.n_docs - self.df + 0.5) / (self.df + 0.5))
        avg = float(lengths.mean()) if self.n_docs else 1.0
        norm = k1 * (1 - b + b * lengths[col] / max(avg, 1e-9))
        weights = idf[row] * tf_all * (k1 + 1) / (tf_all + norm)
        self.matrix = sparse.csr_matrix(
            (weights, (row, col)), shape=(len(self.vocab), self.n_docs), dtype=np.float32
        )
        self.idf_values = idf
        self._sorted: list[str] | None = None

    def idf(self, term: str) -> float:
        """Inverse document frequency; unseen terms get the idf of a 0-df term."""
        index = self.vocab.get(term)
        if index is None:
            return math.log1p((self.n_docs + 0.5) / 0.5)
        return float(self.idf_values[index])

    def knows(self, term: str) -> bool:
        """Whether any passage contains this stem."""
        return term in self.vocab

    def with_prefix(self, prefix: str) -> list[str]:
        """Vocabulary terms starting with ``prefix`` (a binary search, not a scan)."""
        if self._sorted is None:
            self._sorted = sorted(self.vocab)
        start = bisect.bisect_left(self._sorted, prefix)
        end = bisect.bisect_left(self._sorted, prefix + "\uffff")
        return self._sorted[start:end]

    def postings(self, term: str) -> list[int]:
        """Passages containing ``term`` (its posting list)."""
        index = self.vocab.get(term)
        return [] if index is None else [int(i) for i in self.matrix[index].indices]

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Top-k (passage index, BM25 score) with a positive score."""
        ids = [self.vocab[t] for t in set(tokens(query)) if t in self.vocab]
        if not ids or self.n_docs == 0:
            return []
        scores = np.asarray(self.matrix[ids].sum(axis=0)).ravel()
        k = min(k, self.n_docs)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
