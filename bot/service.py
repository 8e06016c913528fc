"""Wiring in one place: settings -> store -> knowledge -> chain, used by every surface."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from bot.answerers import Draft, make_answerer
from bot.chain import build_chain, build_prepare
from bot.citing import cite
from bot.condense import is_follow_up
from bot.contract import Answer, combine
from bot.inputs import QuestionError, clean_history, validate_question
from bot.more import wants_more, wants_source
from bot.question import focus_question, normal_case, split_questions, stated_before
from bot.retrieval import HybridRetriever, Knowledge
from bot.settings import Settings
from bot.text import content_stems

__all__ = ["QantarBot", "QuestionError", "clean_history", "validate_question"]
log = logging.getLogger(__name__)
T = TypeVar("T")


class QantarBot:
    """The grounded Q&A service: ``ask`` answers with citations, ``retrieve`` shows passages."""

    def __init__(self, settings: Settings, knowledge: Knowledge, collect: bool = False,
                 chat_model: Any = None) -> None:
        self.settings = settings
        self.collect = collect
        self._lock = threading.Lock()
        self._checked = time.monotonic()
        self._swap(knowledge, chat_model)
        self._version = self._store_version()

    def _swap(self, knowledge: Knowledge, chat_model: Any = None) -> None:
        """Build the answering pipeline over ``knowledge``, then switch to it at once:
        requests already running finish on the objects they started with."""
        retriever = HybridRetriever(
            knowledge=knowledge, k=self.settings.k, fetch_k=self.settings.fetch_k,
            rrf_k=self.settings.rrf_k,
        )
        answerer = make_answerer(self.settings, knowledge, self.collect, chat_model)
        answerer.warm()
        prepare = build_prepare(self.settings, knowledge, retriever)
        chain = build_chain(self.settings, knowledge, retriever, answerer)
        self.knowledge, self.retriever, self.answerer = knowledge, retriever, answerer
        self.prepare, self.chain = prepare, chain

    @staticmethod
    def open_store(settings: Settings, embeddings: Any) -> Any:
        """The index store, built on first use and repaired when half-written."""
        from index.embedding import index_fingerprint
        from index.pipeline import ensure_index
        from index.store import IndexStore, open_client

        store = IndexStore(open_client(settings), settings.collection, embeddings,
                           index_fingerprint(embeddings, settings))
        ensure_index(store, settings)
        return store

    @classmethod
    def from_settings(cls, settings: Settings | None = None, collect: bool = False,
                      chat_model: Any = None) -> QantarBot:
        """Open (or build on first use) the index and load everything answering needs."""
        from index.embedding import make_embeddings

        settings = settings or Settings()
        store = cls.open_store(settings, make_embeddings(settings))
        return cls(settings, Knowledge.load(store), collect, chat_model)

    def reload(self) -> None:
        """Serve what the index holds now (after ``bot index`` added or changed sources,
        maybe from another process): the store is reopened, the new passages are loaded
        aside and swapped in; requests already running finish on the old ones."""
        with self._lock:
            store = self._reopened_store()
            if store.check():
                log.info("The index is being written; reloading later.")
                return
            self._swap(Knowledge.load(store), self._chat_model())
            self._version = self._store_version()
            log.info("Reloaded the index: %d passages from %d sources.",
                     len(self.knowledge.ids), len(self.knowledge.records))

    def _reopened_store(self) -> Any:
        """The store opened afresh: an embedded client forgets what it cached (another
        process's writes, a folder deleted or corrupted underneath)."""
        from index.store import reset_client_cache

        if not self.settings.chroma_host:
            reset_client_cache()
        return self.open_store(self.settings, self.knowledge.embeddings)

    def _chat_model(self) -> Any:
        """The LLM answerer's model, kept across swaps (None for extractive)."""
        return getattr(self.answerer, "model", None)

    def _store_version(self) -> str | None:
        try:
            return str(self.knowledge.store.version())
        except Exception:  # noqa: BLE001 - a store that cannot say is simply not reloaded
            return None

    def _maybe_reload(self) -> None:
        """Every ``reload_every`` seconds, reload when the index changed underneath."""
        every = self.settings.reload_every
        if not every or time.monotonic() - self._checked < every:
            return
        self._checked = time.monotonic()
        version = self._store_version()
        if version is not None and version != self._version:
            try:
                self.reload()
            except Exception as exc:  # noqa: BLE001 - keep serving what is loaded
                log.warning("The index changed but could not be reloaded (%s); serving the "
                            "passages loaded before.", exc)

    def reopen_index(self) -> None:
        """After the vector index failed: reopen it. A corrupted or deleted embedded folder
        is moved aside and rebuilt from the sources; a Chroma server must be back. Raises
        :class:`IndexUnavailable` saying what to do when that is not possible."""
        from index.store import IndexUnavailable

        with self._lock:
            try:
                store = self._reopened_store()
            except IndexUnavailable:
                raise
            except Exception as exc:
                raise IndexUnavailable(
                    f"The index could not be reopened ({type(exc).__name__}: {exc}). Rebuild "
                    "it with `python -m bot index`, or check QANTAR_DATA_DIR / "
                    "QANTAR_CHROMA_HOST.") from exc
            if set(store.passages()[0]) == set(self.knowledge.ids):
                self.knowledge.store, self.knowledge.vectorstore = store, store.vectorstore()
            else:
                self._swap(Knowledge.load(store), self._chat_model())

    def _recovering(self, step: Callable[[], T]) -> T:
        """Run ``step``; when the vector index fails, reopen it once and retry."""
        from index.store import IndexUnavailable

        try:
            return step()
        except IndexUnavailable as exc:
            log.warning("%s Reopening the index and retrying once.", exc)
            self.reopen_index()
            return step()

    def _request(self, question: Any, history: Any, k: int | None) -> dict[str, Any]:
        """The chain's input from what a user sent (validated; may raise QuestionError),
        after picking up a changed index."""
        cleaned = validate_question(question, self.settings)
        self._maybe_reload()
        text = normal_case(cleaned)
        asked = focus_question(text)
        return {"question": asked, "history": self._with_stated(
            text, asked, clean_history(history, self.settings)), "k": k}

    def _with_stated(self, text: str, asked: str, history: list[dict[str, str]]
                     ) -> list[dict[str, str]]:
        """``history`` and, when the message states a topic in the documents' words before
        a question that leans on it ("The protests began in Mangystau. What triggered
        them?"), that statement as the user's previous turn, so the follow-up step reads
        the pronoun as it would after a question."""
        if asked == text or not is_follow_up(asked) or wants_more(asked) \
                or wants_source(asked):  # "tell me more" reads on from the last answer
            return history
        said = stated_before(text)
        known = self.knowledge.bm25.knows
        if not said or not any(known(t) for t in content_stems(said)):
            return history
        return [*history, {"role": "user", "content": said}]

    def ask(self, question: str, history: Sequence[Any] | None = None,
            k: int | None = None) -> Answer:
        """Answer one turn of a conversation."""
        request = self._request(question, history, k)
        parts = split_questions(request["question"])
        if len(parts) > 1:
            return self._ask_each(parts, request)
        result: Answer = self._recovering(lambda: self.chain.invoke(request))
        return result

    def _ask_each(self, parts: Sequence[str], request: dict[str, Any]) -> Answer:
        """A message asking several questions: each answered on its own, in order (a later
        one may lean on an earlier one's answer), then put together."""
        history = list(request["history"])
        answers: list[Answer] = []
        for part in parts:
            sub = {**request, "question": part, "history": list(history)}
            answer: Answer = self._recovering(partial(self.chain.invoke, sub))
            answers.append(answer)
            history += [{"role": "user", "content": part},
                        {"role": "assistant", "content": answer.remembered()}]
        return combine(parts, answers)

    def events(self, question: str, history: Sequence[Any] | None = None,
               replay: bool = True) -> Iterator[str | Answer]:
        """The answer text as it grows, then the final :class:`Answer`.

        An LLM answerer's text grows as the model writes it (its draft markers are those
        of the prompt's passages; the final answer is the verified, renumbered one). An
        extractive answer is finished at once: its words are replayed so chat UIs still
        show it growing (``replay=False``: the caller replays it at its own pace).
        """
        request = self._request(question, history, None)
        parts = split_questions(request["question"])
        if len(parts) > 1:  # answered part by part, then shown growing like a quote
            answer = self._ask_each(parts, request)
            if replay:
                yield from _growing(answer.answer)
            yield answer
            return
        x = self._recovering(lambda: self.prepare.invoke(request))
        answerer = self.answerer
        draft: Draft | None = None
        written = False
        stream = answerer.stream(x["standalone"], x["docs"]) if x["more"] is None \
            else iter([x["more"]])
        for item in stream:
            if isinstance(item, Draft):
                draft = item
            else:
                written = True
                yield item
        assert draft is not None, "an answerer's stream ends with its draft"
        answer = cite(draft, self.knowledge)
        if replay and not written:
            yield from _growing(answer.answer)
        yield answer

    def stream(self, question: str, history: Sequence[Any] | None = None) -> Iterator[str]:
        """The answer text as it grows (for chat UIs); the last item is the final text."""
        for item in self.events(question, history):
            yield item.answer if isinstance(item, Answer) else item

    def retrieve(self, question: str, k: int | None = None) -> list[dict[str, Any]]:
        """Passages with their fused and per-retriever scores (no answering)."""
        cleaned = validate_question(question, self.settings)
        self._maybe_reload()
        docs = self._recovering(lambda: self.retriever.search(cleaned, k or self.settings.k))
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


def _growing(text: str) -> Iterator[str]:
    """A finished text replayed word by word (all but the last step: the caller yields the
    whole answer), so chat UIs show it growing."""
    words = text.split(" ")
    for i in range(1, len(words)):
        yield " ".join(words[:i])
