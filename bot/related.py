"""Words of the documents related in meaning to a question's words (MiniLM, no word lists).

Readers ask in their own words ("arms" for "weapons", "detained" for "arrested"). Instead
of a hand-made synonym table, which only ever knows the vocabulary it was written for,
every content word the documents use is embedded once (at load time, cached per process)
and a question word is related to the documents' words whose MiniLM vectors are close.
Matching a related word counts less than the word itself (see ``extractive.match``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
from langchain_core.embeddings import Embeddings

from bot.text import QUESTION_WORDS, STOPWORDS, stem, words

MIN_SIMILARITY = 0.55
TOP = 3
MAX_VOCABULARY = 20_000


class RelatedWords:
    """Nearest document words (as stems) for question words, by MiniLM cosine."""

    def __init__(self, texts: Iterable[str], embeddings: Embeddings,
                 min_similarity: float = MIN_SIMILARITY, top: int = TOP) -> None:
        self.embeddings = embeddings
        self.min_similarity = min_similarity
        self.top = top
        self.surface = _surface_forms(texts)
        self._stems: list[str] = []
        self._matrix: np.ndarray | None = None
        self._cache: dict[str, tuple[str, ...]] = {}  # closest first

    def build(self) -> None:
        """Embed the documents' words once (a small corpus takes about a second)."""
        if self._matrix is not None:
            return
        self._stems = list(self.surface)
        if not self._stems:
            self._matrix = np.zeros((0, 1), dtype=np.float32)
            return
        vectors = np.asarray(self.embeddings.embed_documents(
            [self.surface[s] for s in self._stems]), dtype=np.float32)
        self._matrix = _unit(vectors)
        # Neighbours of the documents' own words are found once, so a question made of
        # words the documents use costs no embedding at all.
        for lo in range(0, len(self._stems), 2048):
            sims = self._matrix[lo:lo + 2048] @ self._matrix.T
            for term, row in zip(self._stems[lo:lo + 2048], sims, strict=True):
                self._cache[term] = self._nearest(term, row)

    def lookup(self, question_words: Iterable[str]) -> dict[str, frozenset[str]]:
        """Stem of each question word -> stems of the closest document words (not itself)."""
        self.build()
        wanted = {stem(w): w for w in question_words
                  if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) > 2
                  and not w[:1].isdigit()}
        # A stem the documents use has its neighbours from build(); any other word is
        # embedded as asked and remembered by the word itself, not its stem, so "weapons"
        # asked after "weapon" gets its own neighbours, as it would in a fresh process.
        keys = {s: self._key(s, w) for s, w in wanted.items()}
        missing = [s for s, key in keys.items() if key not in self._cache]
        if missing and self._matrix is not None and len(self._stems):
            vectors = _unit(np.asarray(self.embeddings.embed_documents(
                [wanted[s] for s in missing]), dtype=np.float32))
            sims = vectors @ self._matrix.T
            for term, row in zip(missing, sims, strict=True):
                self._cache[keys[term]] = self._nearest(term, row)
        return {s: frozenset(self._cache.get(keys[s], ())) for s in wanted}

    def closest(self, word: str) -> str | None:
        """The document word (as the documents spell it) closest in meaning to ``word``,
        above the similarity floor: what a follow-up carries over in place of a word the
        documents never use ("paper" -> "newspaper")."""
        self.lookup([word])
        near = self._cache.get(self._key(stem(word), word))
        return self.surface[near[0]] if near else None

    def _key(self, term: str, word: str) -> str:
        """Cache key: the stem when the documents use it, else the word as asked."""
        return term if term in self.surface else f"={word}"

    def _nearest(self, term: str, row: np.ndarray) -> tuple[str, ...]:
        """The ``top`` document stems closest to ``term`` above the similarity floor,
        closest first."""
        count = min(self.top + 1, len(row))
        order = np.argpartition(-row, count - 1)[:count]
        near = sorted((i for i in order
                       if row[i] >= self.min_similarity and self._stems[i] != term),
                      key=lambda i: -row[i])
        return tuple(self._stems[i] for i in near)


def _surface_forms(texts: Iterable[str]) -> dict[str, str]:
    """The most frequent spelling of each content stem, for the commonest stems."""
    counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for w in words(text):
            if w not in STOPWORDS and len(w) > 2 and not w[:1].isdigit():
                counts[(stem(w), w)] += 1
    best: dict[str, tuple[int, str]] = {}
    for (s, w), n in counts.items():
        if s not in best or n > best[s][0]:
            best[s] = (n, w)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:MAX_VOCABULARY]
    return {s: w for s, (_, w) in ranked}


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)
