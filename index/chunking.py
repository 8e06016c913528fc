"""Sentence-aware passages whose offsets point exactly into the source text.

Invariant (tested with hypothesis): ``text[p.start:p.end] == p.text`` for every passage and
sentence. Passages hold about 1-3 sentences, never cross a paragraph, and a quotation is
kept whole unless that would exceed ``max_chars``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from index.cleaning import Span, paragraphs

CHUNKER_VERSION = 2  # bump when passages change, so existing indexes are rebuilt

ABBREVIATIONS = {
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mr", "mrs", "ms", "dr", "prof", "st", "sr", "jr", "gen", "col", "lt", "sgt", "gov",
    "sen", "rep", "no", "vol", "fig", "vs", "etc", "inc", "ltd", "co", "corp", "e.g", "i.e",
    "u.s", "u.k", "u.n", "approx", "est", "dept", "univ", "ave", "mt",
}
_END = re.compile(r"[.!?…]+[\"'”’)\]]*")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9]")
_OPEN_QUOTES = "“"
_CLOSE_QUOTES = "”"
_BREAKS = re.compile(r"[,;:–—]\s+|\s+")


@dataclass(frozen=True)
class Passage:
    """A chunk of a source: its exact text, offsets and sentence spans (absolute)."""

    source: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]

    @property
    def chunk_id(self) -> str:
        """Stable id from source, offsets and a hash of the content."""
        digest = hashlib.sha1(
            f"{self.source}\x00{self.start}\x00{self.end}\x00{self.text}".encode()
        ).hexdigest()
        return digest[:20]


def _is_boundary(text: str, end: int, stop: int) -> bool:
    """Whether a sentence may end at ``end`` (after terminal punctuation)."""
    nxt = _NEXT_START.match(text, end, stop)
    if not nxt:
        return False
    return not abbreviated(text[max(0, end - 12):end])


def abbreviated(text: str) -> bool:
    """Whether ``text`` ends with an abbreviation or an initial ("Mr.", "Jan.", "U.S.",
    "J."), whose full stop does not end a sentence."""
    word = re.search(r"([\w.]+)[.!?…]*[\"'”’)\]]*$", text)
    if not word:
        return False
    token = word.group(1).rstrip(".").lower()
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def split_sentences(text: str, span: Span) -> list[Span]:
    """Sentences of one paragraph as exact, whitespace-trimmed spans."""
    out: list[Span] = []
    cursor = span.start
    for m in _END.finditer(text, span.start, span.end):
        if m.end() < span.end and not _is_boundary(text, m.end(), span.end):
            continue
        out.append(Span(cursor, m.end()))
        cursor = m.end()
    if cursor < span.end:
        out.append(Span(cursor, span.end))
    return [s for s in (_trim(text, s) for s in out) if s is not None]


def _trim(text: str, span: Span) -> Span | None:
    """Drop leading/trailing whitespace from a span; None when nothing is left."""
    piece = text[span.start:span.end]
    lead = len(piece) - len(piece.lstrip())
    body = piece.strip()
    return Span(span.start + lead, span.start + lead + len(body)) if body else None


def _split_long(text: str, span: Span, max_chars: int) -> list[Span]:
    """Cut an over-long sentence at clause breaks (or spaces, or hard) within max_chars."""
    pieces: list[Span] = []
    start = span.start
    while span.end - start > max_chars:
        limit = start + max_chars
        cut = None
        for m in _BREAKS.finditer(text, start + max_chars // 3, limit):
            cut = m.end()
        cut = cut if cut and cut > start else limit
        pieces.append(Span(start, cut))
        start = cut
    pieces.append(Span(start, span.end))
    return [s for s in (_trim(text, p) for p in pieces) if s is not None]


def _quote_depth(text: str, span: Span, depth: int) -> int:
    """Open-quotation depth after reading ``span`` (curly and straight double quotes)."""
    for ch in text[span.start:span.end]:
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES:
            depth = max(0, depth - 1)
        elif ch == '"':
            depth = 0 if depth else 1
    return depth


def _inside(span: Span, excluded: list[Span]) -> bool:
    return any(span.start < ex.end and ex.start < span.end for ex in excluded)


def chunk_text(
    text: str,
    source: str,
    *,
    excluded: list[Span] | None = None,
    max_chars: int = 600,
    target_chars: int = 320,
    max_sentences: int = 3,
) -> list[Passage]:
    """Passages of a document, skipping paragraphs that overlap ``excluded`` spans."""
    passages: list[Passage] = []
    for para in paragraphs(text):
        if _inside(para, excluded or []):
            continue
        sentences: list[Span] = []
        for sent in split_sentences(text, para):
            sentences.extend(_split_long(text, sent, max_chars))
        passages.extend(
            _group(text, source, sentences, max_chars, target_chars, max_sentences)
        )
    return passages


def _group(
    text: str, source: str, sentences: list[Span], max_chars: int, target: int, max_n: int
) -> list[Passage]:
    """Greedy grouping: grow while small or inside an open quotation, within the limits."""
    out: list[Passage] = []
    group: list[Span] = []
    depth = 0
    for sent in sentences:
        if group:
            size = sent.end - group[0].start
            full = len(group) >= max_n or size > max_chars
            settled = depth == 0 and (group[-1].end - group[0].start) >= target
            if full or settled:
                out.append(_passage(text, source, group))
                group, depth = [], 0
        group.append(sent)
        depth = _quote_depth(text, sent, depth)
    if group:
        out.append(_passage(text, source, group))
    return out


def _passage(text: str, source: str, group: list[Span]) -> Passage:
    start, end = group[0].start, group[-1].end
    return Passage(
        source=source,
        start=start,
        end=end,
        text=text[start:end],
        sentences=tuple((s.start, s.end) for s in group),
    )
