"""The one LCEL chain: condense -> retrieve -> answer -> cite."""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from bot.citing import cite
from bot.condense import condense
from bot.contract import Answer
from bot.extractive import Draft, ExtractiveAnswerer
from bot.retrieval import HybridRetriever, Knowledge
from bot.settings import Settings


def make_answerer(settings: Settings, knowledge: Knowledge) -> ExtractiveAnswerer:
    """Factory for the answer step, keyed by ``settings.answerer``."""
    if settings.answerer == "extractive":
        return ExtractiveAnswerer(knowledge)
    raise ValueError(f"Unknown answerer {settings.answerer!r}")  # pragma: no cover


def build_chain(
    settings: Settings,
    knowledge: Knowledge,
    retriever: HybridRetriever,
    answerer: ExtractiveAnswerer,
) -> Runnable[dict[str, Any], Any]:
    """``{"question", "history"}`` in, :class:`bot.contract.Answer` out."""
    entities = knowledge.entities

    def standalone(x: dict[str, Any]) -> str:
        question = knowledge.spell(x["question"])
        return condense(question, x.get("history") or [], entities, knowledge.bm25.knows)

    def retrieve(x: dict[str, Any]) -> list[Document]:
        return retriever.search(x["standalone"], x.get("k") or settings.k)

    def answer(x: dict[str, Any]) -> Draft:
        return answerer(x["standalone"], x["docs"])

    def cite_step(x: dict[str, Any]) -> Answer:
        return cite(x["draft"], knowledge)

    chain = (
        RunnablePassthrough.assign(standalone=RunnableLambda(standalone, name="condense"))
        | RunnablePassthrough.assign(docs=RunnableLambda(retrieve, name="retrieve"))
        | RunnablePassthrough.assign(draft=RunnableLambda(answer, name="answer"))
        | RunnableLambda(cite_step, name="cite")
    )
    return chain.with_config(run_name="qantar")
