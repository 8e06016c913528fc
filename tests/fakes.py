"""A scripted chat model for unit tests (the pattern of llm's MockModel / LangChain's
GenericFakeChatModel, but able to answer from the passages it is shown)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

Reply = Callable[[dict[int, str], str], str]


def llm_bot(knowledge: Any, tmp_path: Path, model: ScriptedChat, answer_at: float = 0.0,
            hedge_at: float = 0.0, timeout: float = 30.0, judge: str = "off") -> Any:
    """A bot whose ``openai`` answerer is ``model`` and whose decision is fixed by the
    thresholds (0/0: answer everything); the warm-up prompt is forgotten. The LLM judge
    is off unless asked for (these tests count the answer prompts)."""
    from bot.service import QantarBot
    from bot.settings import Settings
    from tests.conftest import write_calibration

    decision = write_calibration(tmp_path / f"c{answer_at}-{hedge_at}.json", answer_at, hedge_at)
    settings = Settings(data_dir=tmp_path / "data", embeddings="fake", reranker=False,
                        answerer="openai", llm_timeout=timeout, calibration_path=decision,
                        judge=judge)  # type: ignore[arg-type]
    bot = QantarBot(settings, knowledge, chat_model=model)
    model.prompts.clear()
    if hasattr(model, "sent"):
        model.sent = []
    return bot
_PASSAGE = re.compile(r'<passage n="(\d+)">(.*?)</passage>')
_QUESTION = re.compile(r"<question>(.*?)</question>", re.S)


def passages_of(prompt: str) -> dict[int, str]:
    """The numbered passages of the user message."""
    return {int(n): text for n, text in _PASSAGE.findall(prompt)}


def echo(n: int = 1, marker: str | None = None, extra: str = "") -> Reply:
    """Reply with passage ``n``'s text cited as ``marker`` (default [n]), plus ``extra``."""
    def reply(passages: dict[int, str], question: str) -> str:
        text = passages[n].rstrip(" .”\"")
        return f"{text} {marker or f'[{n}]'}. {extra}".strip()
    return reply


class ScriptedChat(BaseChatModel):
    """Answers from a script, word by word when streamed; records every prompt it gets."""

    reply: Reply | str = "I do not know [1]."
    delay: float = 0.0
    """Seconds before each streamed word (a slow server)."""
    error: Exception | None = None
    """Raised instead of answering (a server that is down)."""
    prompts: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _text(self, messages: list[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        self.prompts.append(prompt)
        if self.error is not None:
            raise self.error
        if isinstance(self.reply, str):
            return self.reply
        found = _QUESTION.search(prompt)
        return self.reply(passages_of(prompt), found.group(1) if found else "")

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                  ) -> ChatResult:
        text = self._text(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        words = self._text(messages).split(" ")
        for i, word in enumerate(words):
            time.sleep(self.delay)
            piece = word if i == 0 else f" {word}"
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


_JUDGED = re.compile(r"<passage>(.*?)</passage>\s*<question>(.*?)</question>", re.S)
Verdict = Callable[[str, str], float]
"""P(yes) for (passage, question)."""


def judged_pair(messages: list[BaseMessage]) -> tuple[str, str]:
    """The passage and question of a judge prompt."""
    found = _JUDGED.search(str(messages[-1].content))
    assert found, "not a judge prompt"
    return found.group(1), found.group(2)


def first_token(p_yes: float) -> dict[str, float]:
    """First-token alternatives as a model gives them: both spellings, some other word."""
    rest = 0.02
    yes, no = (1 - rest) * p_yes, (1 - rest) * (1 - p_yes)
    alternatives = {"Yes": yes * 0.9, " yes": yes * 0.1, "No": no, "Maybe": rest}
    return {t: math.log(v) for t, v in alternatives.items() if v > 0}


class JudgeChat(ScriptedChat):
    """A scripted in-process model that also reads judge prompts (``next_token_logprobs``,
    as :class:`bot.answerers.llamacpp.LlamaCppChat` does) with a scripted verdict."""

    verdict: Verdict = lambda passage, question: 0.5  # noqa: E731
    judged: list[tuple[str, str]] = Field(default_factory=list)

    def next_token_logprobs(self, messages: list[BaseMessage], top: int = 20
                            ) -> dict[str, float]:
        passage, question = judged_pair(messages)
        self.judged.append((passage, question))
        if self.error is not None:
            raise self.error
        return first_token(self.verdict(passage, question))


class LogprobServer(ScriptedChat):
    """A scripted OpenAI-compatible server: a judge prompt (``logprobs=True``) gets the
    first token's ``top_logprobs`` in the response metadata, as llama.cpp's server sends."""

    verdict: Verdict = lambda passage, question: 0.5  # noqa: E731
    with_logprobs: bool = True

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                  ) -> ChatResult:
        if not kwargs.get("logprobs"):
            return super()._generate(messages, stop, run_manager, **kwargs)
        self.prompts.append(str(messages[-1].content))
        if self.error is not None:
            raise self.error
        top = first_token(self.verdict(*judged_pair(messages)))
        meta: dict[str, Any] = {}
        if self.with_logprobs:
            best = max(top, key=lambda t: top[t])
            meta["logprobs"] = {"content": [{
                "token": best, "logprob": top[best],
                "top_logprobs": [{"token": t, "logprob": v} for t, v in top.items()]}]}
        message = AIMessage(content=max(top, key=lambda t: top[t]), response_metadata=meta)
        return ChatResult(generations=[ChatGeneration(message=message)])
