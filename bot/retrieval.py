"""Hybrid retrieval: dense (Chroma, cosine) + BM25, fused by reciprocal rank fusion."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict

from bot.condense import Entities
from bot.lexical import BM25Index
from bot.question import TITLES, sentences
from bot.related import RelatedWords
from bot.text import QUESTION_WORDS, STOPWORDS, one_edit, script_counts, stem, tokens, words
from index.embedding import english_words
from index.store import IndexStore, IndexUnavailable, SourceRecord

_WORD = re.compile(r"[^\W\d_]+")


# Where an answer's quotes break: citation markers, ellipses, quotation marks and the dash
# after a short lead ("Almaty — This was…").
_QUOTE_MARKS = re.compile(r"[“”\"]")
_QUOTE_BREAK = re.compile(r"\s*\[\d+\]\.?\s*|…|[“”\"]| — ")


@dataclass
class Knowledge:
    """Everything answering needs from the index, loaded once per process."""

    store: IndexStore
    vectorstore: VectorStore
    embeddings: Embeddings
    bm25: BM25Index
    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    records: dict[str, SourceRecord]
    position: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.position = {chunk_id: i for i, chunk_id in enumerate(self.ids)}

    @cached_property
    def entities(self) -> Entities:
        """People and places the passages mention (for follow-ups and attributions)."""
        return Entities.from_texts(self.texts)

    @cached_property
    def by_source(self) -> dict[str, list[int]]:
        """Passage indexes of each source, in document order (built once, on first use)."""
        groups: dict[str, list[int]] = {}
        for i, meta in enumerate(self.metas):
            groups.setdefault(str(meta["source"]), []).append(i)
        for indexes in groups.values():
            indexes.sort(key=lambda i: int(self.metas[i]["start"]))
        return groups

    def sentences_of(self, source: str) -> list[tuple[int, int]]:
        """Every indexed sentence span of ``source``, in document order."""
        return [(int(a), int(b)) for i in self.by_source.get(source, [])
                for a, b in json.loads(str(self.metas[i]["sentences"]))]

    @cached_property
    def scripts(self) -> frozenset[str]:
        """Scripts the documents are written in (each at least 2% of their letters): a
        question in another one cannot match a word of them."""
        counts = script_counts(" ".join(self.texts))
        total = sum(counts.values())
        return frozenset(s for s, n in counts.items() if total and n >= 0.02 * total)

    @cached_property
    def related(self) -> RelatedWords:
        """Question words related to the documents' own words (embedded on first use)."""
        return RelatedWords(self.texts, self.embeddings)

    @classmethod
    def load(cls, store: IndexStore) -> Knowledge:
        """Read passages and manifest from the store and build the lexical index."""
        ids, texts, metas = store.passages()
        return cls(
            store=store, vectorstore=store.vectorstore(), embeddings=store.embeddings,
            bm25=BM25Index(texts), ids=ids, texts=texts, metas=metas, records=store.records(),
        )

    def mentions(self, name: str) -> bool:
        """Whether some passage contains ``name`` as a phrase (case-insensitive)."""
        terms = tokens(name)
        if not terms:
            return True
        if len(terms) == 1:
            return self.bm25.knows(terms[0])
        wanted = " ".join(words(name))
        return any(wanted in " ".join(words(self.texts[i]))
                   for i in self.bm25.postings(terms[0]))

    def knows_name(self, name: str) -> bool:
        """The documents mention ``name``, or it once titles they use are set aside ("the
        Kazakh President" when they say "Kazakh" and "President" apart; "Prime Minister"
        stays unknown when they never say "Minister")."""
        if self.mentions(name):
            return True
        rest = [w for w in name.split() if not (w.lower() in TITLES and self.mentions(w))]
        return bool(rest) and len(rest) < len(name.split()) and self.mentions(" ".join(rest))

    def spell(self, question: str) -> str:
        """``question`` with misspelt words ("protets") replaced by the documents' word one
        edit away, so that both retrieval and answering see it ("protests"). Only lower-case
        words of seven letters or more. An English word (the embedding model's vocabulary)
        is only respelt the documents' way ("kilometers" -> "kilometres"): "violence" is
        not a typo of the documents' "violent", nor "thoughts" of "though"."""
        english = english_words()
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            term = stem(low)
            # Names are not typos ("France" is not "frank"), nor are short words.
            if (len(word) < 7 or word[0].isupper() or low in STOPWORDS
                    or low in QUESTION_WORDS or self.bm25.knows(term)):
                return word
            near = [v for v in self.bm25.with_prefix(term[:2]) if one_edit(term, v)]
            if low in english:  # a real word: only another spelling of it ("kilometers")
                near = [v for v in near if _respelt(low, self.surface(v) or "")]
            if not near:
                return word
            best = min(near, key=lambda v: (self.bm25.idf(v), v))  # the commonest
            return self.surface(best) or word

        return _WORD.sub(fix, question)

    def surface(self, term: str) -> str | None:
        """A word of the documents whose stem is ``term``."""
        for i in self.bm25.postings(term)[:5]:
            for word in words(self.texts[i]):
                if stem(word) == term:
                    return word
        return None

    def passage_at(self, source: str, offset: int) -> Document | None:
        """The passage of ``source`` that holds character ``offset``."""
        for i in self.by_source.get(source, []):
            if int(self.metas[i]["start"]) <= offset < int(self.metas[i]["end"]):
                return self.document(i)
        return None

    def quoted_in(self, message: str, limit: int = 3) -> list[Document]:
        """Passages whose words ``message`` quotes (an earlier answer's citations, as the
        reader saw them), in the order it quotes them: what a bare follow-up ("how many?",
        "why?") is asking about."""
        found: list[Document] = []
        for source, start, _ in self.quoted_spans(message):
            doc = self.passage_at(source, start)
            if doc is not None and doc.id not in {d.id for d in found}:
                found.append(doc)
                if len(found) == limit:
                    break
        return found

    def quoted_spans(self, message: str, loose: bool = False) -> list[tuple[str, int, int]]:
        """Where ``message`` quotes the documents, as (source, start, end) in the order it
        quotes them. Only verbatim stretches of 30 characters or more count, so an answer's
        own framing and leads never match by chance.

        ``loose`` also finds a quote that runs on into the next one or into the answer
        (its sentences are looked for one by one) and one an answer shows without the
        source's quotation marks: where exactly the last answer ended, for "tell me more".
        (Follow-ups lean on the strict matches: finding more passages there moved answers
        both ways on the development sets.)"""
        spans: list[tuple[str, int, int]] = []
        for piece in _QUOTE_BREAK.split(message):
            found = self._find(piece, loose)
            if loose and not found:
                found = [s for part in sentences(piece) for s in self._find(part, True)]
            spans += [span for span in found if span not in spans]
        return spans

    def _find(self, fragment: str, loose: bool = False) -> list[tuple[str, int, int]]:
        """Where the documents hold ``fragment`` (30 characters or more) verbatim, or
        (``loose``) but for the quotation marks an answer leaves out ("…affected, said
        Tokayev" quotes "…affected,” said Tokayev")."""
        fragment = fragment.strip()
        if len(fragment) < 30:
            return []
        hits = ((source, record.text.find(fragment)) for source, record in self.records.items())
        found = [(source, at, at + len(fragment)) for source, at in hits if at >= 0]
        if found or not loose:
            return found
        bare = _QUOTE_MARKS.sub("", fragment)
        for source, (text, where) in self._unquoted.items():
            at = text.find(bare)
            if at >= 0:
                found.append((source, where[at], where[at + len(bare) - 1] + 1))
        return found

    @cached_property
    def _unquoted(self) -> dict[str, tuple[str, list[int]]]:
        """Each source's text without quotation marks, and where each character left
        came from (built on first use)."""
        out: dict[str, tuple[str, list[int]]] = {}
        for source, record in self.records.items():
            where = [i for i, ch in enumerate(record.text) if not _QUOTE_MARKS.match(ch)]
            out[source] = ("".join(record.text[i] for i in where), where)
        return out

    def document(self, index: int) -> Document:
        """Passage ``index`` as a LangChain document carrying its metadata."""
        return Document(
            id=self.ids[index], page_content=self.texts[index],
            metadata={**self.metas[index], "chunk_id": self.ids[index]},
        )


def _respelt(word: str, other: str) -> bool:
    """The same word spelt another way: two neighbouring letters swapped ("meters" and
    "metres", "theater" and "theatre")."""
    if len(word) != len(other.lower()) or word == other.lower():
        return False
    diff = [i for i, (x, y) in enumerate(zip(word, other.lower(), strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and word[diff[0]] == other.lower()[diff[1]]


class HybridRetriever(BaseRetriever):
    """Dense + lexical candidates fused by RRF; ``metadata`` carries each signal."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    knowledge: Knowledge
    k: int = 4
    fetch_k: int = 20
    rrf_k: int = 60
    lexical_floor: float = 0.35
    """BM25 hits below this share of the best hit are not fused: a passage matching only a
    frequent word of the question must not outrank one matching its rare words."""

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
    ) -> list[Document]:
        return self.search(query, self.k)

    def search(self, query: str, k: int) -> list[Document]:
        """Top-k passages for ``query`` with fused, dense and BM25 scores in metadata."""
        kb = self.knowledge
        if not kb.ids:
            return []
        fused: dict[int, float] = {}
        dense: dict[int, float] = {}
        lexical: dict[int, float] = {}
        vector = kb.embeddings.embed_query(query)
        try:
            hits = kb.vectorstore.similarity_search_by_vector_with_relevance_scores(  # type: ignore[attr-defined]
                vector, k=min(self.fetch_k, len(kb.ids))
            )
        except Exception as exc:  # a stopped server, a corrupted or deleted folder
            raise IndexUnavailable(
                f"The vector index could not be searched ({type(exc).__name__}: {exc})."
            ) from exc
        for rank, (doc, distance) in enumerate(hits):
            i = kb.position.get(str(doc.id))
            if i is not None:
                dense[i] = 1.0 - float(distance)
                fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        lexical_hits = kb.bm25.search(query, self.fetch_k)
        floor = self.lexical_floor * lexical_hits[0][1] if lexical_hits else 0.0
        for rank, (i, score) in enumerate(h for h in lexical_hits if h[1] >= floor):
            lexical[i] = score
            fused[i] = fused.get(i, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        best = sorted(fused, key=lambda i: -fused[i])[:k]
        docs = []
        for i in best:
            doc = kb.document(i)
            doc.metadata.update(
                score=fused[i], dense=dense.get(i, 0.0), bm25=lexical.get(i, 0.0)
            )
            docs.append(doc)
        return docs
