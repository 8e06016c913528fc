"""Answerers: the answer step of the chain, one module per backend.

``extractive`` (default) quotes the sentences that answer and makes the learned
answer / hedge / not-found decision. ``llamacpp`` (a local GGUF, the packaged model by
default) and ``openai`` (any OpenAI-compatible server) write the answer with an LLM after
that same decision, and every sentence they write is verified against its passage.
LLM backends are imported only when chosen; a missing extra raises
:class:`AnswererUnavailable` naming what to install.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.answerers.base import Answerer, Draft, Quote
from bot.answerers.errors import AnswererUnavailable
from bot.retrieval import Knowledge
from bot.settings import Settings

log = logging.getLogger(__name__)
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
    if collect:
        return decider
    model = chat_model
    if model is None and settings.answerer != "extractive":
        model = make_chat_model(settings)
    attach_judge(decider, settings, model)
    if settings.answerer == "extractive":
        return decider
    from bot.answerers.generative import GenerativeAnswerer

    return GenerativeAnswerer(decider, model, knowledge, settings.answerer,
                              passages=settings.llm_passages, timeout=settings.llm_timeout)


def attach_judge(decider: Any, settings: Settings, model: Any) -> None:
    """Give the decision the LLM judge's signal when ``settings.judge`` asks for it: with
    an LLM answerer its own model reads; with ``extractive`` (``judge=on``) the packaged
    model (or ``QANTAR_LLM_PATH``) is loaded for it."""
    if settings.judge == "off" or (settings.judge == "auto" and settings.answerer == "extractive"):
        return
    from bot.answerers.judge import Judge
    from bot.confidence import CalibrationError, judge_path, load_calibration

    try:
        judged = load_calibration(settings.judge_calibration_path or judge_path())
    except CalibrationError as exc:
        if settings.judge == "on":
            raise
        log.warning("%s; deciding without the judge", exc)
        return
    if model is None:
        model = make_chat_model(settings.model_copy(update={"answerer": "llamacpp"}))
    name = settings.answerer if settings.answerer != "extractive" else "llamacpp"
    decider.judge, decider.judged = Judge(model, name), judged


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
