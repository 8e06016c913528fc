"""The answer contract shared by every surface (CLI --json, Gradio /ask, eval)."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

MARKER = re.compile(r"(?<!\\)\[(\d+)\]")


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

    answer: str
    found: bool
    citations: list[Citation] = Field(default_factory=list)

    def markers(self) -> list[int]:
        """The [n] numbers used in the answer text, in order of appearance."""
        return [int(m) for m in MARKER.findall(self.answer)]

    def is_consistent(self) -> bool:
        """Every [n] has a citation and every citation is referred to."""
        return set(self.markers()) == {c.n for c in self.citations}
