"""The one LCEL chain: condense -> retrieve -> answer -> cite.

``build_prepare`` is its first half (condense and retrieve); streaming surfaces run it,
let the answerer write while streaming, and cite the final draft the same way.
"""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from bot.answerers import Answerer, Draft
from bot.citing import cite
from bot.condense import condense, leans_on_answer
from bot.contract import Answer
from bot.more import continuation
from bot.retrieval import HybridRetriever, Knowledge
from bot.settings import Settings


def build_prepare(settings: Settings, knowledge: Knowledge, retriever: HybridRetriever
                  ) -> Runnable[dict[str, Any], dict[str, Any]]:
    """``{"question", "history", "k"}`` in; the same plus ``standalone``, ``more`` (the
    draft continuing the last answer, for "tell me more"; else None) and ``docs`` out."""
    entities = knowledge.entities

    def standalone(x: dict[str, Any]) -> str:
        question = knowledge.spell(x["question"])
        return condense(question, x.get("history") or [], entities, knowledge.bm25.knows,
                        knowledge.related.closest, knowledge.knows_name)

    def more(x: dict[str, Any]) -> Draft | None:
        return continuation(x["question"], x.get("history") or [], knowledge)

    def retrieve(x: dict[str, Any]) -> list[Document]:
        if x["more"] is not None:
            return []  # the continuation is drafted already: nothing to search for
        k = x.get("k") or settings.k
        docs = retriever.search(x["standalone"], k)
        answer = leans_on_answer(x["question"], x.get("history") or [])
        return leaned_first(knowledge.quoted_in(answer), docs, k) if answer else docs

    return (
        RunnablePassthrough.assign(standalone=RunnableLambda(standalone, name="condense"))
        | RunnablePassthrough.assign(more=RunnableLambda(more, name="continue"))
        | RunnablePassthrough.assign(docs=RunnableLambda(retrieve, name="retrieve"))
    )


def leaned_first(quoted: list[Document], docs: list[Document], k: int) -> list[Document]:
    """The passages the previous answer quoted, marked ``leaned`` (the extractive answerer
    favours them), then the retrieved ones; still ``k`` in all unless more were quoted."""
    for doc in quoted:
        doc.metadata["leaned"] = True
    ids = {d.id for d in quoted}
    return [*quoted, *(d for d in docs if d.id not in ids)][:max(k, len(quoted))]


def build_chain(
    settings: Settings,
    knowledge: Knowledge,
    retriever: HybridRetriever,
    answerer: Answerer,
) -> Runnable[dict[str, Any], Any]:
    """``{"question", "history"}`` in, :class:`bot.contract.Answer` out."""

    def answer(x: dict[str, Any]) -> Draft:
        more: Draft | None = x["more"]
        return more if more is not None else answerer(x["standalone"], x["docs"])

    def cite_step(x: dict[str, Any]) -> Answer:
        return cite(x["draft"], knowledge)

    chain = (
        build_prepare(settings, knowledge, retriever)
        | RunnablePassthrough.assign(draft=RunnableLambda(answer, name="answer"))
        | RunnableLambda(cite_step, name="cite")
    )
    return chain.with_config(run_name="qantar")
