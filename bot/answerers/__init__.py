"""Answerers: the answer step of the chain, one module per backend.

``extractive`` (default) quotes the sentences that answer and makes the learned
answer / hedge / not-found decision. ``llamacpp`` (a local GGUF, the packaged model by
default) and ``openai`` (any OpenAI-compatible server) write the answer with an LLM after
that same decision, and every sentence they write is verified against its passage.
LLM backends are imported only when chosen; a missing extra raises
:class:`AnswererUnavailable` naming what to install.
"""

from __future__ import annotations

from typing import Any

from bot.answerers.base import Answerer, Draft, Quote
from bot.answerers.errors import AnswererUnavailable
from bot.retrieval import Knowledge
from bot.settings import Settings

__all__ = ["Answerer", "AnswererUnavailable", "Draft", "Quote", "make_answerer",
           "make_chat_model"]


def make_chat_model(settings: Settings) -> Any:
    """The LangChain chat model of an LLM answerer, keyed by ``settings.answerer``."""
    if settings.answerer == "llamacpp":
        from bot.answerers.llamacpp import make_llamacpp_chat

        return make_llamacpp_chat(settings)
    if settings.answerer == "openai":
        from bot.answerers.openai_compat import make_openai_chat

        return make_openai_chat(settings)
    raise ValueError(f"{settings.answerer!r} has no chat model")


def make_answerer(settings: Settings, knowledge: Knowledge, collect: bool = False,
                  chat_model: Any = None) -> Answerer:
    """Factory for the answer step, keyed by ``settings.answerer``.

    ``collect=True`` answers every on-topic question with its best candidate and no
    decision (what ``bot calibrate`` fits the decision on; always extractive).
    ``chat_model`` replaces the backend's model (tests pass a scripted fake).
    """
    from bot.answerers.extractive import ExtractiveAnswerer
    from bot.confidence import load_calibration

    calibration = None if collect else load_calibration(settings.calibration_path)
    wants_reranker = collect or (
        calibration is not None and any(f.startswith("rerank") for f in calibration.features)
    )
    reranker = make_reranker(settings, required=not collect) if wants_reranker else None
    decider = ExtractiveAnswerer(knowledge, calibration, reranker)
    if collect or settings.answerer == "extractive":
        return decider
    from bot.answerers.generative import GenerativeAnswerer

    model = chat_model if chat_model is not None else make_chat_model(settings)
    return GenerativeAnswerer(decider, model, knowledge, settings.answerer,
                              passages=settings.llm_passages, timeout=settings.llm_timeout)


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
