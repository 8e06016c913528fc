"""The cite step: number quotes, verify them against their source, fill the template.

Whatever produced the draft (the extractive answerer or an LLM), only quotes whose offsets
reproduce their text exactly become citations, and every [n] in the answer has one.
"""

from __future__ import annotations

from bot.answerers.base import Draft
from bot.contract import Answer, Citation
from bot.retrieval import Knowledge


def cite(draft: Draft, knowledge: Knowledge) -> Answer:
    """Turn a draft into the public contract; unverifiable quotes are dropped."""
    markers: list[str] = []
    citations: list[Citation] = []
    for quote in draft.quotes:
        record = knowledge.records.get(quote.source)
        if record is None or not 0 <= quote.start < quote.end <= len(record.text):
            markers.append("")
            continue
        n = len(citations) + 1
        chunk_id = str(quote.doc.id) if quote.doc is not None else f"meta:{quote.source}"
        citations.append(Citation(
            n=n, chunk_id=chunk_id, source=quote.source, title=record.title,
            text=record.text[quote.start:quote.end], start=quote.start, end=quote.end,
            score=round(float(quote.score), 4),
        ))
        markers.append(f"[{n}]")
    text = draft.template.format(*markers)
    status = draft.status or ("answered" if draft.found else "not_found")
    confidence = min(1.0, max(0.0, float(draft.confidence)))
    if status != "not_found" and not citations:
        return Answer(answer="The article does not say.", found=False, status="not_found",
                      confidence=confidence, citations=[])
    return Answer(answer=" ".join(text.split()), found=draft.found, status=status,
                  confidence=round(confidence, 4), citations=citations,
                  written_by=draft.written_by, fallback=draft.fallback)
