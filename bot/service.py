"""Wiring in one place: settings -> store -> knowledge -> chain, used by every surface."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from bot.answerers import Draft, make_answerer
from bot.chain import build_chain, build_prepare
from bot.citing import cite
from bot.contract import Answer
from bot.question import clean_question, focus_question
from bot.retrieval import HybridRetriever, Knowledge
from bot.settings import Settings

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long); say why."""


def validate_question(question: Any, settings: Settings) -> str:
    """A clean question, or a QuestionError whose message tells the user what to do."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("Please type a question (it was empty).")
    if len(question) > settings.max_question_chars:
        raise QuestionError(
            f"The question is {len(question):,} characters long; the limit is "
            f"{settings.max_question_chars:,}. Please shorten it."
        )
    cleaned = clean_question(question)
    if not cleaned:
        raise QuestionError("The question holds no text once markup is removed.")
    return cleaned


def clean_history(history: Sequence[Any] | None) -> list[dict[str, str]]:
    """Keep well-formed {role, content} turns only (content as plain text)."""
    turns = []
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") in ("user", "assistant"):
            content = turn.get("content")
            if isinstance(content, str) and content.strip():
                turns.append({"role": turn["role"], "content": content})
    return turns


class QantarBot:
    """The grounded Q&A service: ``ask`` answers with citations, ``retrieve`` shows passages."""

    def __init__(self, settings: Settings, knowledge: Knowledge, collect: bool = False,
                 chat_model: Any = None) -> None:
        self.settings = settings
        self.knowledge = knowledge
        self.retriever = HybridRetriever(
            knowledge=knowledge, k=settings.k, fetch_k=settings.fetch_k, rrf_k=settings.rrf_k
        )
        self.answerer = make_answerer(settings, knowledge, collect, chat_model)
        self.answerer.warm()
        self.prepare = build_prepare(settings, knowledge, self.retriever)
        self.chain = build_chain(settings, knowledge, self.retriever, self.answerer)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, collect: bool = False,
                      chat_model: Any = None) -> QantarBot:
        """Open (or build on first use) the index and load everything answering needs."""
        from index.embedding import index_fingerprint, make_embeddings
        from index.pipeline import ensure_index
        from index.store import IndexStore, open_client

        settings = settings or Settings()
        embeddings = make_embeddings(settings)
        store = IndexStore(open_client(settings), settings.collection, embeddings,
                           index_fingerprint(embeddings, settings))
        ensure_index(store, settings)
        return cls(settings, Knowledge.load(store), collect, chat_model)

    def ask(self, question: str, history: Sequence[Any] | None = None,
            k: int | None = None) -> Answer:
        """Answer one turn of a conversation."""
        cleaned = validate_question(question, self.settings)
        result: Answer = self.chain.invoke(
            {"question": focus_question(cleaned), "history": clean_history(history), "k": k}
        )
        return result

    def events(self, question: str, history: Sequence[Any] | None = None,
               replay: bool = True) -> Iterator[str | Answer]:
        """The answer text as it grows, then the final :class:`Answer`.

        An LLM answerer's text grows as the model writes it (its draft markers are those
        of the prompt's passages; the final answer is the verified, renumbered one). An
        extractive answer is finished at once: its words are replayed so chat UIs still
        show it growing (``replay=False``: the caller replays it at its own pace).
        """
        cleaned = validate_question(question, self.settings)
        x = self.prepare.invoke(
            {"question": focus_question(cleaned), "history": clean_history(history), "k": None}
        )
        draft: Draft | None = None
        written = False
        for item in self.answerer.stream(x["standalone"], x["docs"]):
            if isinstance(item, Draft):
                draft = item
            else:
                written = True
                yield item
        assert draft is not None, "an answerer's stream ends with its draft"
        answer = cite(draft, self.knowledge)
        if replay and not written:
            words = answer.answer.split(" ")
            for i in range(1, len(words)):
                yield " ".join(words[:i])
        yield answer

    def stream(self, question: str, history: Sequence[Any] | None = None) -> Iterator[str]:
        """The answer text as it grows (for chat UIs); the last item is the final text."""
        for item in self.events(question, history):
            yield item.answer if isinstance(item, Answer) else item

    def retrieve(self, question: str, k: int | None = None) -> list[dict[str, Any]]:
        """Passages with their fused and per-retriever scores (no answering)."""
        cleaned = validate_question(question, self.settings)
        docs = self.retriever.search(cleaned, k or self.settings.k)
        return [
            {
                "chunk_id": d.metadata["chunk_id"], "source": d.metadata["source"],
                "title": d.metadata["title"], "text": d.page_content,
                "start": d.metadata["start"], "end": d.metadata["end"],
                "score": round(float(d.metadata["score"]), 6),
                "dense": round(float(d.metadata["dense"]), 4),
                "bm25": round(float(d.metadata["bm25"]), 4),
            }
            for d in docs
        ]
