"""What every answerer produces and the interface it offers to the chain.

An answerer turns a standalone question and the retrieved passages into a :class:`Draft`:
text with ``{0}``, ``{1}``… where quote i is cited. The cite step, shared by every
answerer, checks each quote against its source before it becomes an [n] citation, so no
answerer can cite words the documents do not hold.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from langchain_core.documents import Document

from bot.contract import Status


@dataclass
class Quote:
    """An exact span of a source the answer relies on."""

    doc: Document | None
    source: str
    start: int
    end: int
    score: float


@dataclass
class Draft:
    """An answerer's output before citation numbering and verification.

    ``template`` holds ``{0}``, ``{1}``… where quote i is cited; the cite step turns those
    into [n] markers after checking every quote against its source.
    """

    template: str
    found: bool
    quotes: list[Quote]
    signals: dict[str, Any]
    status: Status | None = None
    """answered | closest | not_found; None = derived from ``found`` (metadata answers)."""
    confidence: float = 1.0
    """Learned probability that the first quote answers (metadata answers are certain)."""
    written_by: str = "extractive"
    """Which answerer wrote the text: "extractive" (quoted sentences) or an LLM backend."""
    fallback: str | None = None
    """Why an LLM's text was replaced by the extractive answer (unverified, timeout, error)."""


def literal(text: str) -> str:
    """``text`` as it must stand in a draft template: its braces doubled, so the cite
    step's formatting keeps them as written (documents and models may contain ``{0}``)."""
    return text.replace("{", "{{").replace("}", "}}")


@runtime_checkable
class Answerer(Protocol):
    """The answer step: decide and write (``__call__``), or write while streaming.

    ``stream`` yields pieces of text as they are written and returns the final draft
    (``StopIteration.value``); an answerer that writes nothing incrementally yields once.
    """

    name: str

    def warm(self) -> None:
        """Load whatever the first answer would otherwise wait for."""

    def __call__(self, standalone: str, docs: list[Document]) -> Draft:
        """The draft answer to ``standalone`` from ``docs``."""

    def stream(self, standalone: str, docs: list[Document]) -> Iterator[str | Draft]:
        """Text pieces as written, then the final :class:`Draft` as the last item."""
