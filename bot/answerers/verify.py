"""Check an LLM's answer sentence by sentence against the passages it cites.

A small model invents facts and misplaces markers, so nothing it writes reaches the user
unchecked: each sentence must be supported by a passage it cites. The words it adds to the
question's own are mostly the passage's, in the passage's own form; every number it
states is in the passage; every name it uses is in the passage or the question; and it
does not drop or add a negation. A sentence its markers do not support is re-cited to the
passage that supports it, or removed. Markdown links and images are removed before
checking (a document must not make the bot render a remote image).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.question import MD_IMAGE, MD_LINK
from bot.short import QUALIFIERS
from bot.text import STOPWORDS, content_stems, stem, stem_set, words
from index.chunking import split_sentences
from index.cleaning import Span

MIN_SHARE = 0.6
"""Share of a sentence's new content words (not in the question) its passage must hold."""
MAX_SENTENCES = 2
_MARKERS = re.compile(r"(?:\s*\[\d+\])+")
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_NEGATION = re.compile(r"\b(not|no|never|none|nor|neither|without)\b|n['’]t\b", re.I)
_QUALIFIED = re.compile(rf"(?:\b({QUALIFIERS})\s+)?([$€£]?\d[\d,.]*\d|[$€£]?\d)",
                        re.IGNORECASE)
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.I)
# How an answer refers to its sources, not facts about them.
_GLUE = frozenset(content_stems("article passage passages text says said states stated "
                                "mentions mentioned according reports reported"))


# Common words that open a sentence capitalised without naming anything.
_OPENERS = STOPWORDS | {"yes", "according", "during", "after", "before", "since", "while",
                        "although", "however", "because", "including", "despite"}


@dataclass(frozen=True)
class Passage:
    """A numbered passage as shown to the model: an exact span of a source."""

    n: int
    source: str
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Sentence:
    """A verified answer sentence and the passages that support it."""

    text: str
    cites: tuple[int, ...]


def split(answer: str) -> list[tuple[str, list[int]]]:
    """Sentences of the model's text with the marker numbers each carries."""
    answer = MD_IMAGE.sub("", answer)
    answer = MD_LINK.sub(r"\1", answer)
    # "…weeks.[1]" and "…weeks. [1][2]": the markers belong to the sentence before them.
    answer = re.sub(r"([.!?])((?:\s*\[\d+\])+)", r"\2\1", answer)
    out: list[tuple[str, list[int]]] = []
    carry = ""
    answer = " ".join(answer.split())
    # the documents' own splitter: "George W. Bush" and "the U.S. Civil War" stay whole
    for span in split_sentences(answer, Span(0, len(answer))):
        piece = answer[span.start:span.end]
        piece = f"{carry} {piece}".strip() if carry else piece
        if len(_MARKERS.sub("", piece).split()) < 3 and not _MARKERS.search(piece):
            carry = piece  # a fragment without a marker: glue it to what follows
            continue
        carry = ""
        cites = [int(n) for n in re.findall(r"\[(\d+)\]", piece)]
        body = " ".join(_MARKERS.sub(" ", piece).split())
        # "seized [1]." leaves "seized ."; ".zip archives" and "the .NET API" keep their space
        body = re.sub(r"\s+([.,;:!?])(?=[\s\"”’)]|$)", r"\1", body)
        if body:
            out.append((body, cites))
    if carry:
        out.append((" ".join(_MARKERS.sub(" ", carry).split()), []))
    return out


def numbers(text: str) -> set[str]:
    """Numbers as digit strings ("3,000" and "3000" are the same)."""
    return {_digits(m) for m in _NUMBER.findall(text)}


def names(text: str) -> set[str]:
    """Capitalised words, lower-cased; the opening word only when it is not a common word
    ("The", "Over" open sentences; "HACKED." or "Putin" must come from somewhere)."""
    tokens = re.findall(r"[A-Za-zА-Яа-яЁё][\w'’-]*", text)
    found = {t.lower() for t in tokens[1:] if t[0].isupper()}
    if tokens and tokens[0][0].isupper() and tokens[0].lower() not in _OPENERS:
        found.add(tokens[0].lower())
    return found


def supports(sentence: str, passage: str, question: str) -> bool:
    """Whether ``passage`` states what ``sentence`` adds to ``question``."""
    if _URL.search(sentence) and not _URL.search(passage):
        return False
    asked = stem_set(question)
    new = [w for w in words(sentence)
           if w not in STOPWORDS and stem(w) not in asked and stem(w) not in _GLUE]
    if not new:
        return False  # restates the question, answers nothing
    held = set(words(passage))  # the passage's own word forms: "rifles" is not "rifle"
    if sum(w in held for w in new) < MIN_SHARE * len(new):
        return False
    if not numbers(sentence) <= numbers(passage):
        return False
    if not names(sentence) <= held | set(words(question)):
        return False
    return not flips_negation(sentence, passage)


def flips_negation(sentence: str, passage: str) -> bool:
    """The sentence negates what the passage does not, or states positively what the
    passage negates ("was not limited" → "was limited")."""
    said = bool(_NEGATION.search(sentence))
    if said:
        return not _NEGATION.search(passage)
    stems = stem_set(sentence)
    for match in _NEGATION.finditer(passage):
        following = content_stems(passage[match.end():match.end() + 40])[:1]
        if following and following[0] in stems:
            return True
    return False


def qualify(sentence: str, passage: str) -> str:
    """A number the passage always qualifies ("more than 40", "nearly 300") keeps that
    qualifier in the answer: "translated into 40 languages" claims more than the passage."""
    said: dict[str, set[str]] = {}
    for m in _QUALIFIED.finditer(passage):
        said.setdefault(_digits(m.group(2)), set()).add((m.group(1) or "").lower())

    def restore(m: re.Match[str]) -> str:
        qualifiers = said.get(_digits(m.group(2)), set())
        if m.group(1) or len(qualifiers) != 1 or "" in qualifiers:
            return m.group(0)
        word = next(iter(qualifiers))
        return f"{word.capitalize() if m.start() == 0 else word} {m.group(2)}"

    return _QUALIFIED.sub(restore, sentence)


def _digits(number: str) -> str:
    """A number's digits alone, without leading zeros: the form numbers are compared in."""
    return re.sub(r"\D", "", number).lstrip("0") or "0"


def verify(answer: str, passages: list[Passage], question: str) -> list[Sentence]:
    """The supported sentences of ``answer``, each with the passage numbers backing it."""
    by_n = {p.n: p for p in passages}
    kept: list[Sentence] = []
    for body, cites in split(answer):
        cited = [by_n[n] for n in dict.fromkeys(cites) if n in by_n]
        good = tuple(p.n for p in cited if supports(body, p.text, question))
        if not good and len(cited) > 1 and supports(body, " ".join(p.text for p in cited),
                                                    question):
            good = tuple(p.n for p in cited)  # one sentence joining two passages' facts
        if not good:
            others = [p for p in passages if p not in cited]
            good = next(((p.n,) for p in others if supports(body, p.text, question)), ())
        if good:
            kept.append(Sentence(qualify(body, " ".join(by_n[n].text for n in good)), good))
        if len(kept) == MAX_SENTENCES:
            break
    return kept
