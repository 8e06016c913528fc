""""Tell me more": what the documents say right after the passage the last answer quoted.

A reader who asks "tell me more", "go on" or "what else?" after an answer wants the text
to continue, not the same quote again (a bare follow-up leans on the last answer, and the
answerer quoted it once more). The next sentences of the same source are quoted, with
their exact offsets, so asking again keeps reading on; at the end of a document the
sentences just before the quote are given instead, and reading on that reaches the end
says so (going back would repeat what was just read). With nothing quoted yet (a first
message, or after a refusal) the reply says so and what to ask, rather than searching for
"go on" and quoting whatever comes closest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answerers.base import Draft, Quote, literal
from bot.condense import Turn, last_reply
from bot.prompts import render
from bot.retrieval import Knowledge

_FILLER = r"(?:(?:ok|okay|and|so|great|thanks|thank you|please|yes|yeah|cool|nice|wow|" \
          r"interesting|alright|right|hmm|i see)\s+)*"
_IT = r"(?:\s+(?:about|on)\s+(?:it|that|this|them|him|her|those))?"
_SAYS = r"(?:\s+(?:does|did|do)\s+(?:it|they|the\s+(?:article|text|story|document|piece)s?)" \
        r"\s+say)?"
_CORE = (
    rf"(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    rf"(?:(?:tell\s+me|say|explain|share|give\s+me)\s+(?:a\s+(?:bit|little)\s+|some\s+)?"
    rf"more(?:\s+details?)?{_IT}"
    rf"|more(?:\s+(?:details?|info|information))?{_IT}"
    rf"|go\s+on|continue|keep\s+going|carry\s+on|(?:elaborate|expand){_IT}"
    rf"|(?:what|anything)\s+else{_SAYS}|is\s+there\s+(?:anything\s+else|more)"
    rf"|and\s+then(?:\s+what)?|then\s+what|what\s+next"
    rf"|what\s+(?:happened|happens|comes|came)\s+(?:next|after\s+that|then))"
)
_MORE = re.compile(rf"{_FILLER}{_CORE}(?:\s+please)?", re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s']+")
_MAX_CHARS = 300
"""Sentences are added while the continuation stays under this many characters (one
always is): about what one answer quotes."""


def wants_more(question: str) -> bool:
    """Whether the message only asks to continue ("Tell me more!", "ok, go on", "what
    else does the article say?"); "tell me more about the damage" asks a question."""
    text = " ".join(_PUNCT.sub(" ", question).split())
    return bool(text) and _MORE.fullmatch(text) is not None


def continuation(question: str, history: Sequence[Turn], knowledge: Knowledge
                 ) -> Draft | None:
    """The sentences after (or, at the end of a document, before) the first passage the
    last answer quoted, as a draft (a reply saying what to ask when it quoted nothing);
    None when ``question`` does not ask to continue."""
    if not wants_more(question):
        return None
    what = "article" if len(knowledge.records) == 1 else "document"
    reply = last_reply(history) or ""
    spans = knowledge.quoted_spans(reply, loose=True)
    if not spans:
        return _nothing(render("more_first", what=what))
    source, start, end = spans[0]
    unread = [(a, b) for a, b in sorted(set(knowledge.sentences_of(source)))
              if not any(a < e and s < b for src, s, e in spans if src == source)]
    text = knowledge.records[source].text
    after = _take(text, [s for s in unread if s[0] >= end])
    if after:
        return _draft(knowledge, source, after, render("more_after", what=what))
    if _read_on(reply, what):  # reading on reached the end: going back would repeat it
        return _nothing(render("more_end", what=what))
    before = _take(text, [s for s in unread if s[1] <= start][::-1])
    if before:
        return _draft(knowledge, source, before, render("more_before", what=what))
    return _nothing(render("no_more", what=what))


def _read_on(reply: str, what: str) -> bool:
    """Whether ``reply`` was itself a continuation (it holds one of their intros)."""
    return any(render(name, what=what) in reply for name in ("more_after", "more_before"))


def _nothing(text: str) -> Draft:
    """A reply quoting nothing: there is nothing (more) to read."""
    return Draft(literal(text), False, [], {"more": True}, "not_found", 1.0)


def _take(text: str, sentences: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The span of the first of ``sentences`` (in reading order or reversed) and those
    next to it, with nothing but white space between, while it stays in ``_MAX_CHARS``."""
    if not sentences:
        return None
    a, b = sentences[0]
    for s, e in sentences[1:]:
        joined = (min(a, s), max(b, e))
        gap = text[b:s] if s >= b else text[e:a]
        if gap.strip() or joined[1] - joined[0] > _MAX_CHARS:
            break
        a, b = joined
    return a, b


def _draft(knowledge: Knowledge, source: str, span: tuple[int, int], intro: str) -> Draft:
    """``intro``, then the span quoted and cited."""
    from bot.answerers.extractive import cited, display_text

    a, b = span
    quote = Quote(knowledge.passage_at(source, a), source, a, b, 1.0)
    body = cited(display_text(knowledge.records[source].text[a:b]), 0)
    return Draft(f"{literal(intro)} {body}", True, [quote], {"more": True}, "answered", 1.0)
