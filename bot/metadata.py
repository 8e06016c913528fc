"""Questions about the document itself (outlet, title, dateline, gist, author, whom it is
about) answered from metadata.

The publisher comes from the footer, which is never a passage; the citation points at the
exact name inside it, so the claim stays checkable. "What is the article about?" is answered
with its lede, the first sentence of its first passage; "Who is this article about?" with
the person the document names most, when its lede names them too (the lede is cited).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bot.question import CARRIED
from bot.short import full_name, opens_with

if TYPE_CHECKING:
    from bot.answerers.base import Draft
    from bot.retrieval import Knowledge

# "this article", "the news story", "this Astana Times piece": after "this", the outlet's
# name may stand between (capitalised words, matched case-sensitively); "the Interior
# Ministry report" is something the document tells of.
_DOC_NOUN = (r"(?:this\s+(?:(?-i:[A-Z][\w’'&.-]*)\s+){0,3}|(?:the|that)\s+)(?:news\s+)?"
             r"(article|story|piece|report|text|news)")
_DOC = rf"{_DOC_NOUN}|this|it"
_PUBLISHER_Q = re.compile(
    rf"\b(outlet|publisher|news\s*(site|agency|organi[sz]ation))\b|"
    rf"\b(who|which\s+\w+|what\s+\w+)\s+(publish\w*|ran|carried|wrote|reported)\s+"
    rf"({_DOC})\b|"
    rf"\b({_DOC})\s+(was|is)\s+publish\w*|\bwhere\s+(was|is)\s+({_DOC})\s+(published|from)\b|"
    rf"\b(publication|newspaper|paper|site|website|magazine|media)\b.*\b({_DOC})\s+"
    rf"(is\s+|was\s+)?(from|in|on)\b|\b(which|what)\s+(publication|website|site|media)\b.*"
    rf"\b(publish|ran|carried|run|carry)\w*\b",
    re.IGNORECASE,
)
_AUTHOR_Q = re.compile(
    rf"\bwho\s+(wrote|authored|penned)\s+({_DOC})\b|\b(author|writer|byline)\s+of\s+({_DOC})\b|"
    rf"\b({_DOC})['’]s\s+(author|writer)\b|\bwho\s+is\s+the\s+(author|writer)\b",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"(?m)^\s*(by|written by)\s+[A-Z]", re.IGNORECASE)
# The document's own title: "what's the headline (of this article)?", "the article's title";
# not another thing's title ("the book's working title", "the title of the album", "what
# does the title mean").
_TITLE_Q = re.compile(
    r"\bwhat\s*(is|was|'s|’s|s)\s+(the\s+|its\s+)?(title|headline)\b"
    rf"(?!\s+(mean|refer|track|role|song))(?!\s+of\s+(?!({_DOC})\b))|"
    rf"\b(title|headline)\s+of\s+({_DOC})\b|\b({_DOC})['’]s\s+(title|headline)\b|"
    rf"\b(which|what)\s+(headline|title)\b(?=.*\b{_DOC_NOUN}\b)",
    re.IGNORECASE,
)
_DATELINE_Q = re.compile(r"\b(dateline|datelined|filed from|reported from|"
                         rf"where\s+(was|is)\s+({_DOC})\s+(written|filed))\b", re.IGNORECASE)
# Who the document is about or quotes ("who is this article about?", "who is speaking in the
# article?", "who is quoted?"): not "who is talking about X?" nor "who was interviewed by
# police?", which ask the text.
_SUBJECT_Q = re.compile(
    rf"\bwho\s+(is|was|'s|’s)\s+({_DOC_NOUN})\s+(about|on)\b|"
    r"\bwho\s+(is|was|are|were)\s+(the\s+\w+\s+)?(speaking|talking|quoted|interviewed|"
    rf"being\s+quoted|being\s+interviewed)(\s+(in|by|for)\s+({_DOC_NOUN}))?\s*[?.!]*\s*$|"
    rf"\bwho\s+(does|did)\s+({_DOC_NOUN})\s+(quote|feature|interview|cover|focus\s+on)\b|"
    rf"\b(main|central)\s+(person|figure|subject|speaker)\s+(of|in)\s+({_DOC_NOUN})\b",
    re.IGNORECASE,
)
_GIST_Q = re.compile(rf"\b(what\s+is|what's)\s+({_DOC})\s+about\b|\bsummar(y|ise|ize)\b|"
                     r"\b(main|key)\s+(point|idea|topic|message)s?\b|\bgist\b|\btl;?dr\b",
                     re.IGNORECASE)


def metadata_answer(question: str, knowledge: Knowledge) -> Draft | None:
    """A cited answer when the question asks about the (single) document itself."""
    from bot.answerers.base import Draft, Quote

    if len(knowledge.records) != 1:
        return None
    question = CARRIED.sub("", question)  # asked about the document, not carried over
    record = next(iter(knowledge.records.values()))
    meta = record.meta

    def cited(name: str, start: int, end: int, **values: str) -> Draft:
        return Draft(_template(name, **values), True,
                     [Quote(None, record.source, start, end, 1.0)], {})

    if _TITLE_Q.search(question) and record.title:
        start = record.text.find(record.title)
        return cited("title", start, start + len(record.title), title=record.title)
    if _DATELINE_Q.search(question) and "dateline" in meta:
        return cited("dateline", int(meta["dateline_start"]), int(meta["dateline_end"]),
                     dateline=str(meta["dateline"]).title())
    if _AUTHOR_Q.search(question) and not _BYLINE.search(record.text[:3000]):
        # No byline: say so rather than name the outlet.
        return Draft(_template("no_author"), False, [], {})
    if _PUBLISHER_Q.search(question) and "publisher" in meta:
        return cited("publisher", int(meta["publisher_start"]), int(meta["publisher_end"]),
                     publisher=str(meta["publisher"]))
    subject = _SUBJECT_Q.search(question)
    if (subject or _GIST_Q.search(question)) and knowledge.metas:
        first = min(knowledge.metas, key=lambda m: int(m["start"]))
        start, end = json.loads(str(first["sentences"]))[0]
        start = after_dateline(record.text, meta, start)
        lede = record.text[start:end]
        person = main_person(record.text, knowledge.entities.people) if subject else None
        named = full_name(lede, person) if person else None
        if named and opens_with(lede, named):
            return cited("subject_named", start, end, lede=lede)  # no name said twice
        if named:
            return cited("subject", start, end, person=named, lede=lede)
        return cited("gist", start, end, lede=lede)
    return None


_DATELINE_DASH = re.compile(r"\s*[–—-]\s*")


def after_dateline(text: str, meta: dict[str, Any], start: int) -> int:
    """Where a news lede's sentence starts past its dateline ("ASTANA – President…"):
    the dateline says where the piece was filed, not where its events happened, so it
    must not match "Was he in Astana?" (questions about the dateline itself are answered
    above, from the document's metadata)."""
    if meta.get("dateline_start") != start:
        return start
    dash = _DATELINE_DASH.match(text, int(meta["dateline_end"]))
    return dash.end() if dash and dash.group().strip() else start


def main_person(text: str, people: tuple[str, ...]) -> str | None:
    """The person ``text`` names most often (people as the corpus's cues found them)."""
    counts = {name: len(re.findall(rf"\b{re.escape(name)}\b", text)) for name in people}
    best = max(counts, key=lambda name: counts[name], default=None)
    return best if best and counts[best] else None


def _template(name: str, **values: str) -> str:
    """A draft template citing quote 0 (document text has its braces escaped)."""
    from bot.answerers.base import literal
    from bot.prompts import render

    return render(name, cite="{0}", **{k: literal(v) for k, v in values.items()})
