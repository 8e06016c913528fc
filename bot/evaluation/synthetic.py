"""Deterministic synthetic news-like corpora for the scale benchmark.

Documents are built from sentence templates filled with words drawn from a themed
vocabulary with Zipf-like frequencies plus a long tail of generated proper names, so that
BM25 posting lists and vocabulary growth behave roughly like real news text. The same
``seed`` always gives the same documents and queries (no network, no data files).
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

GENERATOR_VERSION = 1  # bump when the output changes (invalidates cached embeddings)


def _words(text: str) -> list[str]:
    """Whitespace-separated words of a literal block."""
    return text.split()


NOUNS = _words("""government ministry parliament economy budget reform election committee region
city court prosecutor police protest strike worker company bank market price inflation
currency tax pipeline railway airport port harbour factory mine oil gas grain wheat cotton
water river bridge road school university hospital clinic doctor teacher student farmer
village district province governor mayor minister president senator deputy official agency
council union investor export import tariff contract loan deficit surplus growth forecast
report survey census court ruling verdict lawyer judge trial prison sentence army border
treaty summit delegation embassy ambassador festival museum theatre library newspaper
journalist broadcaster website network satellite drought flood earthquake storm harvest
wildfire vaccine outbreak shortage subsidy pension salary wage contractor engineer
programme strategy plan initiative investigation audit scandal resignation coalition
opposition party campaign vote ballot turnout referendum constitution amendment decree
""")
ADJECTIVES = _words("""new national regional local foreign economic political public private
financial social urban rural northern southern eastern western central major minor
significant sudden gradual annual monthly quarterly official independent international
domestic digital industrial agricultural historic modern controversial temporary permanent
strategic legal illegal peaceful violent massive modest rapid slow strong weak stable
volatile transparent corrupt efficient costly cheap senior junior former acting
""")
VERBS = _words("""announced approved rejected criticised welcomed reported confirmed denied
proposed delayed launched suspended increased reduced signed cancelled investigated
discussed defended questioned promised warned estimated revealed ordered blocked funded
expanded opened closed visited inspected praised condemned reviewed extended postponed
""")
ADVERBS = _words("""sharply slightly quickly quietly publicly officially reportedly again
eventually immediately recently initially finally openly""")
MONTHS = _words("""January February March April May June July August September October November
December""")
_SYLLABLES = _words("""ka ra ta na sa ma la ba da ga za ya ko ro to no so mo lo bo do go zo yo
ki ri ti ni si mi li bi di gi ku ru tu nu su mu lu bu du gu ar an at ul en ay ek ol""")

TEMPLATES = (
    "The {adj} {noun} in {place} {verb} the {noun2} on {month} {day}, {year}.",
    "{person}, the {adj} {noun} of {place}, {verb} a {adj2} {noun2} worth {num} million tenge.",
    "According to the {org}, the {noun} {verb} {adv} after {num} {noun2}s {verb2} in {place}.",
    "Officials in {place} {verb} that the {adj} {noun2} would affect {num} {noun}s by {year}.",
    "\u201cWe {verb} the {noun} because the {noun2} was {adj},\u201d {person} told reporters.",
    "In {month}, {person} {verb} the {org} over the {adj} {noun} near {place}.",
    "The {org} {verb} {adv} that {num} percent of {noun}s in {place} were {adj}.",
    "Critics said the {noun} {verb2} the {adj} {noun2} and demanded an {adj2} {noun} in {year}.",
    "{person} {verb} the {noun} in {place}, where {num} {noun2}s had been {verb2}.",
    "The {adj} {noun2} of {place} {verb} {adv}, the {org} said on {month} {day}.",
)


@dataclass(frozen=True)
class SyntheticDoc:
    """One generated document: ``name`` is its source id, ``text`` its full content."""

    name: str
    text: str


class _Sampler:
    """Zipf-weighted choices from a word list (rank 1 is the most frequent)."""

    def __init__(self, words: list[str], rng: random.Random, exponent: float = 1.0) -> None:
        self.words = words
        self.rng = rng
        weights = [1.0 / (rank + 1) ** exponent for rank in range(len(words))]
        self.cum = list(itertools.accumulate(weights))

    def __call__(self) -> str:
        return self.rng.choices(self.words, cum_weights=self.cum)[0]


def _names(rng: random.Random, count: int, parts: tuple[int, int]) -> list[str]:
    """``count`` distinct pronounceable capitalised names of 2-4 syllables."""
    names: dict[str, None] = {}
    while len(names) < count:
        n = rng.randint(*parts)
        names["".join(rng.choice(_SYLLABLES) for _ in range(n)).capitalize()] = None
    return list(names)


class CorpusGenerator:
    """Documents and matching questions from one seeded random stream."""

    def __init__(self, seed: int = 13, places: int = 3000, people: int = 20000,
                 orgs: int = 400) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        self.noun = _Sampler(NOUNS, rng)
        self.adj = _Sampler(ADJECTIVES, rng)
        self.verb = _Sampler(VERBS, rng)
        self.adv = _Sampler(ADVERBS, rng)
        self.place = _Sampler(_names(rng, places, (2, 3)), rng, exponent=0.8)
        surnames = _names(rng, people, (3, 4))
        given = _names(rng, 300, (2, 3))
        self.person = _Sampler(
            [f"{rng.choice(given)} {s}" for s in surnames], rng, exponent=0.6
        )
        self.org = _Sampler([f"{_names(rng, 1, (2, 3))[0]} {w.capitalize()}"
                             for w in rng.choices(["agency", "ministry", "council",
                                                   "institute", "bank", "union"], k=orgs)],
                            rng, exponent=0.9)

    def sentence(self) -> str:
        """One filled template."""
        rng = self.rng
        template = rng.choice(TEMPLATES)
        return template.format(
            adj=self.adj(), adj2=self.adj(), noun=self.noun(), noun2=self.noun(),
            verb=self.verb(), verb2=self.verb(), adv=self.adv(), place=self.place(),
            person=self.person(), org=self.org(), month=rng.choice(MONTHS),
            day=rng.randint(1, 28), year=rng.randint(1995, 2025), num=rng.randint(2, 950),
        )

    def paragraph(self) -> str:
        """Two to five sentences."""
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def document(self, index: int, paragraphs: int) -> SyntheticDoc:
        """A titled document of ``paragraphs`` paragraphs, one per line."""
        title = f"{self.adj().capitalize()} {self.noun()} in {self.place()} {self.verb()}"
        body = "\n".join(self.paragraph() for _ in range(paragraphs))
        return SyntheticDoc(name=f"synthetic-{index:06d}.txt", text=f"{title}\n{body}\n")

    def documents(self, paragraphs: int = 40) -> Iterator[SyntheticDoc]:
        """An endless stream of documents (take as many as needed)."""
        for index in itertools.count():
            yield self.document(index, paragraphs)

    def question(self, passage: str) -> str:
        """A question using a few content words of ``passage`` (so some passage matches)."""
        words = [w.strip(".,\u201c\u201d") for w in passage.split()]
        content = [w for w in words if len(w) > 3 and w.isalpha()]
        picked = self.rng.sample(content, k=min(4, len(content))) if content else ["news"]
        opener = self.rng.choice(["What happened to", "Why did officials discuss",
                                  "Who criticised", "When was", "What did the report say about"])
        return f"{opener} the {' '.join(picked)}?"


class Precomputed(Embeddings):
    """Embeddings that look passage vectors up (timed once, cached) and embed queries live."""

    def __init__(self, texts: list[str], vectors: Any, live: Embeddings) -> None:
        self.row = {t: i for i, t in enumerate(texts)}
        self.vectors = vectors
        self.live = live
        self.name = getattr(live, "name", "live")

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Cached vectors of indexed passages."""
        return [self.vectors[self.row[t]].tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """A real (cached-by-the-model) query embedding."""
        return list(self.live.embed_query(text))


def passage_vectors(texts: list[str], live: Embeddings, cache: Path) -> tuple[Any, float]:
    """Vectors of ``texts`` and the seconds embedding them took (measured once, then cached)."""
    import numpy as np

    meta = cache.with_suffix(".json")
    if cache.exists() and meta.exists():
        info = json.loads(meta.read_text())
        if info.get("count") == len(texts):
            return np.load(cache), float(info["embed_s"])
    started = time.perf_counter()
    parts = [np.asarray(live.embed_documents(texts[i:i + 2048]), dtype=np.float32)
             for i in range(0, len(texts), 2048)]
    embed_s = time.perf_counter() - started
    vectors = np.concatenate(parts) if parts else np.zeros((0, 384), dtype=np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    meta.write_text(json.dumps({"count": len(texts), "embed_s": embed_s}))
    return vectors, embed_s
