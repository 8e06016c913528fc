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


def make_answerer(settings: Settings, knowledge: Knowledge, collect: bool = False
                  ) -> ExtractiveAnswerer:
    """Factory for the answer step, keyed by ``settings.answerer``.

    ``collect=True`` answers every on-topic question with its best candidate and no
    decision: that is what ``bot calibrate`` fits the decision on.
    """
    from bot.confidence import load_calibration

    if settings.answerer != "extractive":  # pragma: no cover - the setting is a Literal
        raise ValueError(f"Unknown answerer {settings.answerer!r}")
    calibration = None if collect else load_calibration(settings.calibration_path)
    wants_reranker = collect or (
        calibration is not None and any(f.startswith("rerank") for f in calibration.features)
    )
    reranker = make_reranker(settings, required=not collect) if wants_reranker else None
    return ExtractiveAnswerer(knowledge, calibration, reranker)


def make_reranker(settings: Settings, required: bool = True) -> Any:
    """The packaged cross-encoder; None when switched off (or absent and not required)."""
    if not settings.reranker:
        return None
    from bot.rerank import RerankerUnavailable, load_reranker

    try:
        return load_reranker(settings.reranker_path)
    except RerankerUnavailable:
        if required:
            raise
        return None


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
