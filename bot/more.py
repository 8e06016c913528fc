""""Tell me more": what the documents say right after the passage the last answer quoted.

A reader who asks "tell me more", "go on" or "what else?" after an answer wants the text
to continue, not the same quote again (a bare follow-up leans on the last answer, and the
answerer quoted it once more). The next sentences of the same source are quoted, with
their exact offsets, so asking again keeps reading on; at the end of a document the
sentences just before the quote are given instead, and reading on that reaches the end
says so (going back would repeat what was just read). With nothing quoted yet (a first
message, or after a refusal) the reply says so and what to ask, rather than searching for
"go on" and quoting whatever comes closest. "Where does it say that?", "source?" or "repeat
that" quote the last answer's passages again, in the document's own words.
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
_DOC = r"(?:it|the\s+(?:article|text|story|document|piece))"
_WHICH = r"(?:where|which\s+(?:part|paragraph|passage|sentence|line)|what\s+part)"
_SOURCE = re.compile(
    rf"{_FILLER}(?:(?:can|could|would|will)\s+you\s+)?(?:please\s+)?"
    rf"(?:{_WHICH}(?:\s+of\s+{_DOC})?\s+(?:does|did)\s+{_DOC}\s+(?:say|mention|state)"
    rf"(?:\s+(?:that|this|so|it))?"
    rf"|{_WHICH}(?:\s+of\s+{_DOC})?\s+says\s+(?:that|this|so|it)"
    rf"|(?:what(?:'s|\s+is)\s+)?(?:your|the)\s+source|source|sources"
    rf"|(?:show|give)\s+me\s+(?:the\s+)?(?:source|quote|passage|exact\s+words)"
    rf"|(?:quote|cite)\s+(?:it|that|this|the\s+source|your\s+source)"
    rf"|(?:repeat|say)\s+(?:that|it)(?:\s+again)?|repeat|come\s+again"
    rf"|how\s+do\s+you\s+know(?:\s+that)?)(?:\s+please)?",
    re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s']+")
_QUOTE_GAP = re.compile(r"[\s“”\"’',]+")
_MAX_CHARS = 300
"""Sentences are added while the continuation stays under this many characters (one
always is): about what one answer quotes."""


def wants_more(question: str) -> bool:
    """Whether the message only asks to continue ("Tell me more!", "ok, go on", "what
    else does the article say?"); "tell me more about the damage" asks a question."""
    return _only(_MORE, question)


def wants_source(question: str) -> bool:
    """Whether the message only asks to see the last answer's words in the document again
    ("where does it say that?", "source?", "repeat that"). "Where did he say that?" asks
    about the world (an interview, an address), so it is not one."""
    return _only(_SOURCE, question)


def _only(pattern: re.Pattern[str], question: str) -> bool:
    text = " ".join(_PUNCT.sub(" ", question).split())
    return bool(text) and pattern.fullmatch(text) is not None


def continuation(question: str, history: Sequence[Turn], knowledge: Knowledge
                 ) -> Draft | None:
    """The sentences after (or, at the end of a document, before) the first passage the
    last answer quoted, or ("where does it say that?") its passages again, as a draft (a
    reply saying what to ask when it quoted nothing); None for any other question."""
    source_asked = wants_source(question)
    if not source_asked and not wants_more(question):
        return None
    what = "article" if len(knowledge.records) == 1 else "document"
    reply = last_reply(history) or ""
    spans = knowledge.quoted_spans(reply, loose=True)
    if source_asked:
        return _shown_again(knowledge, spans, what)
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


def _shown_again(knowledge: Knowledge, spans: list[tuple[str, int, int]], what: str) -> Draft:
    """The passages the last answer quoted (at most three, once the pieces of each quote
    are joined), quoted again: an LLM's answer paraphrases them, and a reader asking
    "where does it say that?" wants the document's own words."""
    if not spans:
        return _nothing(render("source_none", what=what))
    merged = [_to_stop(knowledge, span) for span in _merged(knowledge, spans)[:3]]
    return _quoted(knowledge, [(src, (a, b)) for src, a, b in merged],
                   render("source_again", what=what))


def _to_stop(knowledge: Knowledge, span: tuple[str, int, int]) -> tuple[str, int, int]:
    """``span`` with the sentence's final stop, which an answer's citation marker took
    the place of ("…grenade launchers [1].")."""
    src, a, b = span
    text = knowledge.records[src].text
    return (src, a, b + 1) if b < len(text) and text[b] in ".!?" else span


def _merged(knowledge: Knowledge, spans: list[tuple[str, int, int]]
            ) -> list[tuple[str, int, int]]:
    """``spans`` with the pieces of one quote joined (an answer's quote is found in parts
    where it dropped the source's quotation marks), in the order they were first quoted."""
    out: list[tuple[str, int, int]] = []
    for src, a, b in spans:
        text = knowledge.records[src].text
        for i, (s2, a2, b2) in enumerate(out):
            lo, hi = (b2, a) if a >= b2 else (b, a2) if a2 >= b else (a, a)
            if s2 == src and not _QUOTE_GAP.sub("", text[lo:hi]):
                out[i] = (src, min(a, a2), max(b, b2))
                break
        else:
            out.append((src, a, b))
    return out


def _draft(knowledge: Knowledge, source: str, span: tuple[int, int], intro: str) -> Draft:
    """``intro``, then the span quoted and cited."""
    return _quoted(knowledge, [(source, span)], intro)


def _quoted(knowledge: Knowledge, spans: list[tuple[str, tuple[int, int]]], intro: str
            ) -> Draft:
    """``intro``, then each span quoted and cited in turn."""
    from bot.answerers.extractive import cited, display_text

    quotes = [Quote(knowledge.passage_at(src, a), src, a, b, 1.0) for src, (a, b) in spans]
    body = [cited(display_text(knowledge.records[src].text[a:b]), i)
            for i, (src, (a, b)) in enumerate(spans)]
    return Draft(" ".join([literal(intro), *body]), True, quotes, {"more": True}, "answered",
                 1.0)
