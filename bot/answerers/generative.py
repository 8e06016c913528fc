"""An LLM writes the answer; it never decides whether the documents answer.

The extractive answerer's learned decision runs first. Only an *answered* outcome reaches
the model (not-found and hedges stay as they are: a small model over-refuses, invents and
obeys instructions it reads, see ``docs/llm.md``). The model gets the question and the few
best sentences as numbered passages, delimited as data, and writes one or two sentences
citing ``[n]``. Every sentence is then checked against the passage it cites
(:mod:`bot.answerers.verify`); when nothing survives, or the model fails, is slow or
unreachable, the user gets the extractive answer, marked as a fallback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.answerers.base import Draft, Quote, literal
from bot.answerers.extractive import ExtractiveAnswerer, cited, display_text
from bot.answerers.verify import Passage, Sentence, verify
from bot.prompts import render
from bot.retrieval import Knowledge

log = logging.getLogger(__name__)


class GenerationTimeout(TimeoutError):
    """The model did not finish within ``llm_timeout`` seconds."""


def as_data(text: str) -> str:
    """Text placed inside a tag of the prompt cannot close that tag or open another."""
    return " ".join(text.replace("<", "‹").replace(">", "›").split())


def prompt_messages(question: str, passages: list[Passage]) -> list[BaseMessage]:
    """System rules (a fixed prefix the runtime can cache), then passages and question."""
    numbered = "\n".join(f'<passage n="{p.n}">{as_data(p.text)}</passage>' for p in passages)
    return [
        SystemMessage(render("answer_system")),
        HumanMessage(render("answer_user", passages=numbered, question=as_data(question))),
    ]


def text_of(chunk: Any) -> str:
    """The text of a streamed message chunk (content may be a list of parts)."""
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content
                       if isinstance(p, (str, dict)))
    return ""


class GenerativeAnswerer:
    """Decision by ``decider``, text by ``model``, every sentence verified."""

    def __init__(self, decider: ExtractiveAnswerer, model: BaseChatModel, knowledge: Knowledge,
                 name: str, *, passages: int, timeout: float) -> None:
        """``passages`` and ``timeout`` come from the settings (their defaults live there
        only, so the two cannot drift apart)."""
        self.decider = decider
        self.model = model
        self.knowledge = knowledge
        self.name = name
        self.n_passages = passages
        self.timeout = timeout

    def warm(self) -> None:
        """Warm the decision, then have the model read the fixed system prompt once: a
        runtime that caches the prompt prefix (llama.cpp does) then starts every answer
        from there, which cuts the first token's wait by seconds."""
        self.decider.warm()
        probe = [Passage(1, "", 0, 0, "This is a warm-up passage.", 0.0)]
        try:
            self.model.invoke(prompt_messages("What is this?", probe), max_tokens=1)
        except Exception as exc:  # noqa: BLE001 - a server that is down now may be up later
            log.warning("%s answerer: warm-up failed (%s: %s); answers will fall back to "
                        "extractive while the model is unreachable", self.name,
                        type(exc).__name__, exc)

    def __call__(self, standalone: str, docs: list[Document]) -> Draft:
        """The final draft (streams internally, so the timeout applies per token)."""
        draft: Draft | None = None
        for item in self.stream(standalone, docs):
            if isinstance(item, Draft):
                draft = item
        assert draft is not None, "stream() always ends with a draft"
        return draft

    def stream(self, standalone: str, docs: list[Document]) -> Iterator[str | Draft]:
        """The text so far as the model writes it, then the verified draft."""
        decision = self.decider(standalone, docs)
        passages = self.passages(decision)
        if decision.status != "answered" or not passages:
            yield decision  # refusals, hedges and document-metadata answers are not written
            return
        text = ""
        try:
            for piece in self._generate(standalone, passages):
                text += piece
                yield text
        except GenerationTimeout:
            log.warning("%s answerer: no answer within %.0f s; answering extractively",
                        self.name, self.timeout)
            yield replace(decision, fallback="timeout")
            return
        except Exception as exc:  # noqa: BLE001 - any backend failure falls back
            log.warning("%s answerer failed (%s: %s); answering extractively",
                        self.name, type(exc).__name__, exc)
            yield replace(decision, fallback="error")
            return
        sentences = verify(text, passages, standalone)
        if not any(1 in s.cites for s in sentences):
            # The decision vouches for passage 1 only: an answer built from the others
            # (however well supported) answers something the decision did not check.
            log.info("%s answer not supported by the chosen passage; answering "
                     "extractively: %r", self.name, text[:300])
            yield replace(decision, fallback="unverified")
            return
        yield self.draft(sentences, passages, decision)

    def _generate(self, question: str, passages: list[Passage]) -> Iterator[str]:
        """Text pieces from the model, within the deadline."""
        deadline = time.monotonic() + self.timeout
        for chunk in self.model.stream(prompt_messages(question, passages)):
            if time.monotonic() > deadline:
                raise GenerationTimeout
            piece = text_of(chunk)
            if piece:
                yield piece

    def passages(self, decision: Draft) -> list[Passage]:
        """The decision's best distinct sentences, numbered from 1 (its choice first)."""
        ranked = decision.signals.get("ranked") or []
        out: list[Passage] = []
        for source, start, end, score in ranked[: self.n_passages]:
            record = self.knowledge.records.get(source)
            if record is not None:
                out.append(Passage(len(out) + 1, source, start, end, record.text[start:end],
                                   float(score)))
        return out

    def draft(self, sentences: list[Sentence], passages: list[Passage], decision: Draft
              ) -> Draft:
        """The verified sentences with ``{i}`` where quote i (a cited passage) goes."""
        by_n = {p.n: p for p in passages}
        order: list[int] = []
        parts = []
        for sentence in sentences:
            slots = []
            for n in sentence.cites:
                if n not in order:
                    order.append(n)
                slots.append(f"{{{order.index(n)}}}")
            body = literal(sentence.text)
            core = body.rstrip(".!? ")
            end = (body[len(core):].strip() or ".")[:1]
            if core[-2:] in ('."', ".”", "!”", '!"', "?”", '?"'):
                core = core[:-2] + core[-1]  # … chaos.” [1]. → … chaos” [1].
            parts.append(f"{core} {''.join(slots)}{end}")
        if len(decision.quotes) > 1 and 2 in by_n and 2 not in order:
            # The decision quoted a runner-up (unsure which passage answers): the reader
            # still sees it when the model wrote from the first passage only.
            parts.append(cited(display_text(by_n[2].text), len(order)))
            order.append(2)
        quotes = [Quote(self.knowledge.passage_at(by_n[n].source, by_n[n].start),
                        by_n[n].source, by_n[n].start, by_n[n].end, by_n[n].score)
                  for n in order]
        return Draft(" ".join(parts), True, quotes, decision.signals, "answered",
                     decision.confidence, written_by=self.name)
