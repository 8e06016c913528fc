"""The answer contract shared by every surface (CLI --json, Gradio /ask, eval)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import partial
from typing import Literal

from pydantic import BaseModel, Field, model_validator

MARKER = re.compile(r"(?<!\\)\[(\d+)\]")

Status = Literal["answered", "closest", "not_found"]
STATUSES: tuple[Status, ...] = ("answered", "closest", "not_found")


def remembered(answer: str, quotes: Sequence[str]) -> str:
    """What a later follow-up may lean on: the answer as the reader saw it, with the quoted
    passages shown under it. A written answer ("He stayed two weeks [1].") names fewer
    people and places than the passages it cites, and "who met him there?" refers to what
    the reader read in either. The quotes come first so the answer's own names win."""
    return " ".join([*(q for q in quotes if q not in answer), answer])


class Citation(BaseModel):
    """One cited passage: ``source_text[start:end] == text`` holds exactly."""

    n: int = Field(description="Marker number used in the answer as [n].")
    chunk_id: str = Field(description="Id of the indexed passage the quote comes from.")
    source: str = Field(description="Source identifier (file name or path).")
    title: str = Field(description="Title of the source document.")
    text: str = Field(description="The exact cited words.")
    start: int = Field(description="Character offset of the quote in the source text.")
    end: int = Field(description="End offset (exclusive) of the quote in the source text.")
    score: float = Field(description="Relevance score of the cited sentence (0..1).")


class Answer(BaseModel):
    """A grounded answer: markdown text with [n] markers, each backed by a citation."""

    answer: str = Field(description="Markdown answer; every [n] refers to a citation.")
    found: bool = Field(description="True only when the documents answer the question.")
    status: Status = Field(
        default="not_found",
        description="answered: the cited passages answer it (found is true); closest: the "
        "documents may not answer it directly, the closest passages are quoted (found is "
        "false); not_found: nothing relevant, no citations.",
    )
    confidence: float = Field(
        default=0.0, ge=0.0, le=1.0,
        description="Estimated probability that the first cited passage answers the "
        "question (learned; see docs/calibration.md).",
    )
    citations: list[Citation] = Field(default_factory=list)
    written_by: str = Field(
        default="extractive",
        description="Who wrote the answer text: 'extractive' (sentences quoted from the "
        "documents) or the LLM answerer ('llamacpp', 'openai') whose every sentence was "
        "checked against the passage it cites.",
    )
    fallback: str | None = Field(
        default=None,
        description="Set when an LLM answerer was configured but its text was replaced by "
        "the extractive answer: 'unverified' (a sentence was not supported by its passage), "
        "'timeout', 'error' (the model failed or its server was unreachable).",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_status(cls, data: object) -> object:
        """Older producers give only ``found``: derive the status from it."""
        if isinstance(data, dict) and "status" not in data and "found" in data:
            data = {**data, "status": "answered" if data["found"] else "not_found"}
        return data

    def markers(self) -> list[int]:
        """The [n] numbers used in the answer text, in order of appearance."""
        return [int(m) for m in MARKER.findall(self.answer)]

    def remembered(self) -> str:
        """This answer as history for the next turn (see :func:`remembered`)."""
        return remembered(self.answer, [c.text for c in self.citations])

    def is_consistent(self) -> bool:
        """Every [n] has a citation and every citation is referred to."""
        return set(self.markers()) == {c.n for c in self.citations}


def _renumber(match: re.Match[str], shift: int) -> str:
    return f"[{int(match.group(1)) + shift}]"


def combine(questions: Sequence[str], answers: Sequence[Answer]) -> Answer:
    """One answer to a message that asked several questions: each part after its question,
    markers renumbered so [n] stays unique. The status is the best of the parts
    (found when any part is answered), with that part's confidence."""
    parts: list[str] = []
    citations: list[Citation] = []
    for question, answer in zip(questions, answers, strict=True):
        shift = len(citations)
        text = MARKER.sub(partial(_renumber, shift=shift), answer.answer)
        parts.append(f"{question} {text}")
        citations += [c.model_copy(update={"n": c.n + shift}) for c in answer.citations]
    best = min(answers, key=lambda a: (STATUSES.index(a.status), -a.confidence))
    llm = next((a for a in answers if a.written_by != "extractive"), best)
    return Answer(answer="\n\n".join(parts), found=any(a.found for a in answers),
                  status=best.status, confidence=best.confidence, citations=citations,
                  written_by=llm.written_by,
                  fallback=next((a.fallback for a in answers if a.fallback), None))

