"""The ``openai`` backend: any OpenAI-compatible chat server through langchain-openai.

Works with Ollama, vLLM, llama.cpp's server, LM Studio or a hosted API: base URL, model
name and key come from settings. ``QANTAR_LLM_GRAMMAR=1`` sends the answer grammar with
each request, for servers that accept one (llama.cpp's, including ``bot serve-llm``).
No retries (a fault falls back to the extractive answer at once) and a timeout from
settings, so a slow server never hangs a user.
"""

from __future__ import annotations

from typing import Any

from bot.answerers.errors import AnswererUnavailable
from bot.settings import Settings


def make_openai_chat(settings: Settings) -> Any:
    """A ``ChatOpenAI`` for ``QANTAR_ANSWERER=openai``."""
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise AnswererUnavailable(
            "QANTAR_ANSWERER=openai needs langchain-openai. Install the LLM extra: "
            "pip install -e '.[llm]'"
        ) from exc
    extra: dict[str, Any] = {}
    if settings.llm_grammar:  # llama.cpp's servers accept a GBNF grammar per request
        from bot.answerers.llamacpp import ANSWER_GRAMMAR

        extra["extra_body"] = {"grammar": ANSWER_GRAMMAR}
    return ChatOpenAI(
        **extra, base_url=settings.llm_base_url, model=settings.llm_model,
        api_key=settings.llm_api_key, temperature=0.0,
        max_completion_tokens=settings.llm_max_tokens, timeout=settings.llm_timeout,
        max_retries=0, streaming=True,
    )
