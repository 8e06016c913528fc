"""Find a document's metadata and the spans that must never be cited.

News pages carry furniture around the story: an empty "Photo credit:" line, a
newsletter/social footer. Those spans are excluded from passages, but the footer still
tells who published the story, so it feeds the metadata instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PARAGRAPH = re.compile(r"[^\n]+")
_CREDIT = re.compile(r"^\s*(?:photo|image|picture|video)\s*(?:credit|courtesy|source)?\s*:.*$",
                     re.IGNORECASE)
_PROMO = re.compile(
    r"\b(sign up|subscribe|newsletter|follow us|stories sent|sent directly|share this|"
    r"twitter|facebook|instagram|telegram|youtube|tiktok)\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^([A-Z][A-Z.'\- ]{1,40}?)\s*(?:,[^–—\-]{0,40})?\s+[–—-]\s+\S")
_MD_HEADING = re.compile(r"#{1,6}\s+")  # "# Budget notes": the title is "Budget notes"
_PUBLISHER = re.compile(r"\b(The(?:\s+[A-Z][\w&'-]*)+)")


@dataclass(frozen=True)
class Span:
    """A character range of the source text."""

    start: int
    end: int


@dataclass
class DocMeta:
    """What the document says about itself, with where it says it."""

    title: str = ""
    title_span: Span | None = None
    dateline: str | None = None
    dateline_span: Span | None = None
    publisher: str | None = None
    publisher_span: Span | None = None
    excluded: list[Span] = field(default_factory=list)


def paragraphs(text: str) -> list[Span]:
    """Non-empty lines (the article separates paragraphs by newlines)."""
    spans = []
    for m in _PARAGRAPH.finditer(text):
        line = m.group()
        lead = len(line) - len(line.lstrip())
        body = line.strip()
        if body:
            spans.append(Span(m.start() + lead, m.start() + lead + len(body)))
    return spans


def _is_promo(line: str) -> bool:
    """A footer line: several promo keywords, or one plus a call to action."""
    hits = len(_PROMO.findall(line))
    return hits >= 3 or (hits >= 1 and len(line) < 200 and "!" in line)


def _is_headline(line: str) -> bool:
    """A short first line without closing punctuation is a title: metadata, not a passage."""
    return len(line) <= 200 and not line.rstrip("”\"'’)").endswith((".", "!", "?"))


def analyse(text: str) -> DocMeta:
    """Title, dateline, publisher and excluded spans of one document."""
    meta = DocMeta()
    paras = paragraphs(text)
    if not paras:
        return meta
    first = paras[0]
    heading = _MD_HEADING.match(text, first.start, first.end)
    title_at = Span(heading.end() if heading else first.start, first.end)
    meta.title, meta.title_span = text[title_at.start:title_at.end], title_at
    if _is_headline(meta.title) and len(paras) > 1:
        meta.excluded.append(first)
    for span in paras:
        line = text[span.start:span.end]
        if _CREDIT.match(line):
            meta.excluded.append(span)
        elif _is_promo(line) and span.start > len(text) // 2:
            meta.excluded.append(span)
            pub = _PUBLISHER.search(line)
            if pub and meta.publisher is None:
                meta.publisher = pub.group(1)
                meta.publisher_span = Span(span.start + pub.start(1), span.start + pub.end(1))
        elif meta.dateline is None and span is not first:
            date = _DATELINE.match(line)
            if date and len(date.group(1).strip()) >= 3:
                meta.dateline = date.group(1).strip()
                meta.dateline_span = Span(span.start, span.start + len(meta.dateline))
    return meta
