"""Extractive answerer: quote the sentence (or clause) of the article that answers.

No LLM: each sentence of the retrieved passages is scored by meaning (MiniLM cosine),
by idf-weighted coverage of the question's terms, and by whether it holds the kind of
value asked for (a number for "how many", a date for "when"). A relevance gate refuses
when the best sentence is not good enough, or when the question hinges on terms the
corpus never mentions. Deterministic for a given index.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.documents import Document

from bot.question import Kind, Question, has_value, named_terms
from bot.retrieval import Knowledge
from bot.text import content_stems

_CLAUSE = re.compile(r"(?<=[,;:–—])\s+|\s+(?=[–—]\s)")
_MAX_QUOTE = 230
_MIN_QUOTE = 100


@dataclass
class Candidate:
    """A sentence of a retrieved passage with its scores."""

    doc: Document
    start: int
    end: int
    text: str
    rank: int
    dense: float = 0.0
    lexical: float = 0.0
    typed: bool = True
    score: float = 0.0


@dataclass(frozen=True)
class GateConfig:
    """Thresholds of the relevance gate (measured on the article; see README)."""

    min_score: float = 0.42
    min_dense: float = 0.30
    max_absent: float = 0.5
    strong_dense: float = 0.6


class SentenceVectors:
    """Sentence embeddings computed once and kept (sentences repeat across questions)."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.cache: dict[str, np.ndarray] = {}

    def get(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` (embedding only the ones not seen before)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            vectors = self.knowledge.embeddings.embed_documents(missing)
            for text, vec in zip(missing, vectors, strict=True):
                self.cache[text] = _unit(np.asarray(vec, dtype=np.float32))
        return np.stack([self.cache[t] for t in texts]) if texts else np.zeros((0, 1))

    def warm(self, limit: int = 5000) -> None:
        """Precompute every sentence of a small corpus at load time."""
        sentences = [text for _, text, _ in self.all_sentences()]
        if 0 < len(sentences) <= limit:
            self.get(sentences)

    def all_sentences(self) -> list[tuple[int, str, tuple[int, int]]]:
        """(passage index, sentence text, span) for every stored sentence."""
        out = []
        for i, meta in enumerate(self.knowledge.metas):
            source = self.knowledge.records.get(str(meta["source"]))
            if source is None:
                continue
            for s, e in json.loads(str(meta["sentences"])):
                out.append((i, source.text[s:e], (s, e)))
        return out


def _unit(vec: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vec))
    return vec / norm if norm else vec


class Scorer:
    """Scores sentences against an analysed question."""

    def __init__(self, knowledge: Knowledge, vectors: SentenceVectors) -> None:
        self.knowledge = knowledge
        self.vectors = vectors

    def weights(self, q: Question) -> dict[str, float]:
        """idf weight of each question term (unknown terms weigh most)."""
        return {t: self.knowledge.bm25.idf(t) for t in q.terms}

    def absent_share(self, q: Question) -> float:
        """idf-weighted share of question terms that no passage contains."""
        weights = self.weights(q)
        total = sum(weights.values())
        if not total:
            return 0.0
        missing = sum(w for t, w in weights.items() if not self._known(t))
        return missing / total

    def _known(self, term: str) -> bool:
        if self.knowledge.bm25.knows(term) or term.isdigit():
            return self.knowledge.bm25.knows(term)
        return any(v.endswith(term) for v in self.knowledge.bm25.vocab if len(term) >= 4)

    def coverage(self, q: Question, text: str, extra: tuple[str, ...] = ()) -> float:
        """idf-weighted share of question terms found in ``text`` (compounds count 0.8)."""
        weights = self.weights(q)
        total = sum(weights.values())
        if not total:
            return 0.0
        stems = set(content_stems(text))
        got = 0.0
        for term, weight in weights.items():
            if term in stems:
                got += weight
            elif len(term) >= 4 and any(s.endswith(term) for s in stems):
                got += 0.8 * weight
        return got / total

    def candidates(self, q: Question, query: str, docs: list[Document]) -> list[Candidate]:
        """Every sentence of ``docs``, scored."""
        cands: list[Candidate] = []
        for rank, doc in enumerate(docs):
            record = self.knowledge.records.get(str(doc.metadata["source"]))
            if record is None:
                continue
            for s, e in json.loads(str(doc.metadata["sentences"])):
                cands.append(Candidate(doc=doc, start=s, end=e, text=record.text[s:e], rank=rank))
        if not cands:
            return []
        qvec = _unit(np.asarray(self.knowledge.embeddings.embed_query(query), dtype=np.float32))
        dense = self.vectors.get([c.text for c in cands]) @ qvec
        for cand, sim in zip(cands, dense, strict=True):
            cand.dense = float(sim)
            cand.lexical = self.coverage(q, cand.text)
            cand.typed = has_value(q.kind, cand.text)
            cand.score = combine(cand, q)
        return sorted(cands, key=lambda c: (-c.score, c.rank, c.start))


def combine(cand: Candidate, q: Question) -> float:
    """Blend of meaning, term coverage and answer-type fit (weights set on the article)."""
    score = 0.6 * cand.dense + 0.4 * cand.lexical - 0.01 * cand.rank
    if q.kind in (Kind.NUMBER, Kind.DATE, Kind.DURATION):
        score += 0.08 if cand.typed else -0.15
    if q.kind is Kind.DEFINITION and q.subject and _defines(cand.text, q.subject):
        score += 0.1
    return score


def _defines(text: str, subject: str) -> bool:
    """Sentence introduces ``subject`` (dubbed X, X (…), known as X, X means/refers)."""
    low = text.lower()
    subj = re.escape(subject.lower())
    return bool(re.search(
        rf"(dubbed|called|known as|named|termed)\s+{subj}|{subj}\s*\(|{subj}\s+"
        rf"(is|are|was|means|refers)|{subj},?\s+(an?|the)\s", low
    ))


def features(scorer: Scorer, q: Question, cands: list[Candidate]) -> dict[str, Any]:
    """Signals the gate decides on (also printed by `bot eval --debug`)."""
    best = cands[0] if cands else None
    return {
        "score": best.score if best else 0.0,
        "dense": best.dense if best else 0.0,
        "lexical": best.lexical if best else 0.0,
        "typed": best.typed if best else False,
        "absent": scorer.absent_share(q),
        "kind": q.kind.value,
    }


@dataclass
class Quote:
    """An exact span of a source the answer relies on."""

    doc: Document | None
    source: str
    start: int
    end: int
    score: float


@dataclass
class Draft:
    """An answerer's output before citation numbering and verification.

    ``template`` holds ``{0}``, ``{1}``… where quote i is cited; the cite step turns those
    into [n] markers after checking every quote against its source.
    """

    template: str
    found: bool
    quotes: list[Quote]
    signals: dict[str, Any]


def _clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans (relative) split after , ; : and around dashes."""
    spans, cursor = [], 0
    for m in _CLAUSE.finditer(text):
        spans.append((cursor, m.start()))
        cursor = m.end()
    spans.append((cursor, len(text)))
    return [(s, e) for s, e in spans if e > s]


def trim(cand: Candidate, q: Question, scorer: Scorer) -> tuple[int, int]:
    """Shortest clause window of a long sentence that keeps its evidence (absolute span)."""
    if len(cand.text) <= _MAX_QUOTE:
        return cand.start, cand.end
    clauses = _clauses(cand.text)
    best: tuple[float, int, int] | None = None
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            s, e = clauses[i][0], clauses[j][1]
            piece = cand.text[s:e]
            if len(piece) > _MAX_QUOTE:
                break
            if len(piece) < _MIN_QUOTE or not has_value(q.kind, piece):
                continue
            cover = scorer.coverage(q, piece)
            defines = q.subject is not None and _defines(piece, q.subject)
            value = cover + (0.3 if defines else 0.0) - len(piece) / 2000 + (0.02 if s == 0 else 0)
            if cover >= cand.lexical - 1e-6 and (best is None or value > best[0]):
                best = (value, s, e)
    if best is None:
        return cand.start, cand.end
    return cand.start + best[1], cand.start + best[2]


def display(text: str) -> str:
    """A quote as answer text: balanced quotation marks, capital start, final stop."""
    text = text.strip().rstrip(",;:–— ")
    for open_q, close_q in (("“", "”"), ('"', '"')):
        if text.count(open_q) + text.count(close_q) == 1 or (
            open_q != close_q and text.count(open_q) != text.count(close_q)
        ):
            text = text.replace(open_q, "").replace(close_q, "")
    text = re.sub(r"\s*,?\s*(he|she) (said|explained|added|noted)\.?$", "", text)
    text = re.sub(r"\[(\d+)\]", r"\\[\1\\]", text)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text.rstrip(".") + "."


class ExtractiveAnswerer:
    """Picks the answering sentence (or clause) of the retrieved passages, or refuses."""

    def __init__(self, knowledge: Knowledge, gate: GateConfig | None = None) -> None:
        self.knowledge = knowledge
        self.gate = gate or GateConfig()
        self.vectors = SentenceVectors(knowledge)
        self.scorer = Scorer(knowledge, self.vectors)

    def warm(self) -> None:
        """Precompute sentence vectors (small corpora) so the first answer is fast."""
        self.vectors.warm()

    def __call__(self, standalone: str, docs: list[Document]) -> Draft:
        """Answer ``standalone`` from ``docs``."""
        from bot.metadata import metadata_answer

        meta = metadata_answer(standalone, self.knowledge.records)
        if meta is not None:
            return meta
        q = Question.parse(standalone)
        cands = self.scorer.candidates(q, standalone, docs)
        signals = features(self.scorer, q, cands)
        signals["unknown_names"] = [
            t for t in named_terms(standalone) if not self.knowledge.bm25.knows(t)
        ]
        if not cands or not self.passes(signals):
            return self.refusal(signals)
        best = cands[0]
        start, end = trim(best, q, self.scorer)
        source = str(best.doc.metadata["source"])
        text = self.knowledge.records[source].text[start:end]
        quote = Quote(best.doc, source, start, end, round(best.score, 4))
        return Draft(_with_marker(display(text)), True, [quote], signals)

    def passes(self, s: dict[str, Any]) -> bool:
        """The relevance gate (see GateConfig)."""
        g = self.gate
        if s["unknown_names"] or not s["typed"]:
            return False
        if s["absent"] > g.max_absent and s["dense"] < g.strong_dense:
            return False
        return bool(s["score"] >= g.min_score and s["dense"] >= g.min_dense)

    def refusal(self, signals: dict[str, Any]) -> Draft:
        """'The article does not say', naming what the corpus is about."""
        titles = [r.title for r in self.knowledge.records.values()]
        about = f" It is about: {titles[0]}." if len(titles) == 1 else ""
        return Draft(_escape("The article does not say." + about), False, [], signals)


def _escape(text: str) -> str:
    """Protect literal braces from the template formatting of the cite step."""
    return text.replace("{", "{{").replace("}", "}}")


def _with_marker(sentence: str) -> str:
    """Template citing quote 0 before the sentence's final punctuation."""
    body = _escape(sentence)
    return body[:-1] + " {0}" + body[-1]
