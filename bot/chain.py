"""The one LCEL chain: condense -> retrieve -> answer -> cite."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from bot.citing import cite
from bot.condense import Entities, condense
from bot.extractive import ExtractiveAnswerer
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
    entities = Entities.from_texts(knowledge.texts)
    standalone = RunnablePassthrough.assign(
        standalone=RunnableLambda(
            lambda x: condense(x["question"], x.get("history") or [], entities)
        ).with_config(run_name="condense")
    )
    retrieve = RunnablePassthrough.assign(
        docs=RunnableLambda(lambda x: retriever.search(x["standalone"], x.get("k") or settings.k))
        .with_config(run_name="retrieve")
    )
    answer = RunnablePassthrough.assign(
        draft=RunnableLambda(lambda x: answerer(x["standalone"], x["docs"]))
        .with_config(run_name="answer")
    )
    cite_step = RunnableLambda(lambda x: cite(x["draft"], knowledge)).with_config(run_name="cite")
    return (standalone | retrieve | answer | cite_step).with_config(run_name="qantar")
