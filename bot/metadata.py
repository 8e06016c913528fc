"""Questions about the document itself (outlet, title, dateline) answered from metadata.

The publisher comes from the footer, which is never a passage; the citation points at the
exact name inside it, so the claim stays checkable.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.extractive import Draft
    from index.store import SourceRecord

_PUBLISHER_Q = re.compile(
    r"\b(outlet|publisher|publication|media|news\s*(site|agency|organi[sz]ation))\b|"
    r"\bwho\s+(published|publishes|ran|wrote|reported)\b|"
    r"\b(which|what)\s+(newspaper|paper|site|website)\s+(published|ran|carried|is\s+this)\b|"
    r"\bpublished\s+(by|in|this|the)\b|\bwhere\s+(was|is)\s+(this|the)\s+(article|story)\s+"
    r"(published|from)\b",
    re.IGNORECASE,
)
_TITLE_Q = re.compile(r"\b(title|headline)\b", re.IGNORECASE)
_DATELINE_Q = re.compile(r"\b(dateline|datelined|filed from|reported from|written in|"
                         r"where\s+(was|is)\s+(this|the)\s+(article|story)\s+(written|filed))\b",
                         re.IGNORECASE)


def metadata_answer(question: str, records: dict[str, SourceRecord]) -> Draft | None:
    """A cited answer when the question asks about the (single) document itself."""
    from bot.extractive import Draft, Quote

    if len(records) != 1:
        return None
    record = next(iter(records.values()))
    meta = record.meta
    if _TITLE_Q.search(question) and record.title:
        start = record.text.find(record.title)
        quote = Quote(None, record.source, start, start + len(record.title), 1.0)
        return Draft(_template("title", title=record.title), True, [quote], {})
    if _DATELINE_Q.search(question) and "dateline" in meta:
        quote = Quote(None, record.source, int(meta["dateline_start"]),
                      int(meta["dateline_end"]), 1.0)
        return Draft(_template("dateline", dateline=str(meta["dateline"]).title()), True,
                     [quote], {})
    if _PUBLISHER_Q.search(question) and "publisher" in meta:
        quote = Quote(None, record.source, int(meta["publisher_start"]),
                      int(meta["publisher_end"]), 1.0)
        return Draft(_template("publisher", publisher=str(meta["publisher"])), True,
                     [quote], {})
    return None


def _template(name: str, **values: str) -> str:
    """A draft template citing quote 0 (document text has its braces escaped)."""
    from bot.prompts import render

    escaped = {k: v.replace("{", "{{").replace("}", "}}") for k, v in values.items()}
    return render(name, cite="{0}", **escaped)
