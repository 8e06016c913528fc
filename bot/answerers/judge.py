"""The LLM as a reader: does the chosen passage answer the question?

The decision's own signals look at words; they cannot tell a passage that *says* what
is asked from one that only shares its words. A small LLM reading the pair can, a good
deal better (measured in ``docs/judge.md``), but it must not decide alone: it
over-refuses and can be talked round by the text it reads. So its probability of "yes"
is one more signal of the learned decision (:class:`bot.confidence.JudgeCalibration`),
never the decision itself. One prompt pass, no text written: about a second on 2 cores.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.answerers.generative import as_data
from bot.prompts import render

log = logging.getLogger(__name__)
TOP = 20
"""First-token alternatives read: "yes" and "no" are always among them."""


def judge_messages(question: str, passage: str) -> list[BaseMessage]:
    """The fixed rules (a cacheable prefix), then passage and question as data."""
    return [SystemMessage(render("judge_system")),
            HumanMessage(render("judge_user", passage=as_data(passage),
                                question=as_data(question)))]


def yes_share(logprobs: Mapping[str, float]) -> float | None:
    """P(yes) / (P(yes) + P(no)) over the first token's alternatives ("Yes", " no", ...);
    None when the model put neither among its likeliest tokens."""
    yes = sum(math.exp(lp) for t, lp in logprobs.items() if t.strip().lower() == "yes")
    no = sum(math.exp(lp) for t, lp in logprobs.items() if t.strip().lower() == "no")
    return yes / (yes + no) if yes + no > 0 else None


class NoLogprobs(ValueError):
    """The server answers but gives no first-token probabilities (it never will)."""


def first_token_logprobs(model: BaseChatModel, messages: list[BaseMessage]
                         ) -> dict[str, float]:
    """The reply's first-token alternatives: in process (``next_token_logprobs``) or from
    an OpenAI-compatible server's ``top_logprobs`` (llama.cpp's and vLLM's give them)."""
    own = getattr(model, "next_token_logprobs", None)
    if callable(own):
        return dict(own(messages, top=TOP))
    reply: Any = model.invoke(messages, logprobs=True, top_logprobs=TOP, max_tokens=1,
                              extra_body={})
    content = ((reply.response_metadata or {}).get("logprobs") or {}).get("content") or []
    if not content:
        raise NoLogprobs("the server returned no logprobs; use a server that gives them "
                         "(llama.cpp, vLLM) or QANTAR_JUDGE=off")
    return {str(t["token"]): float(t["logprob"]) for t in content[0].get("top_logprobs", [])}


class Judge:
    """P("yes, the passage answers") from a chat model; None when it cannot say.

    A server without logprobs is not asked again, nor one that failed ``GIVE_UP`` times
    in a row: each failed call would add its wait to every answer."""

    GIVE_UP = 3

    def __init__(self, model: BaseChatModel, name: str) -> None:
        self.model = model
        self.name = name
        self.failures = 0
        self.disabled = False

    def __call__(self, question: str, passage: str) -> float | None:
        if self.disabled:
            return None
        try:
            share = yes_share(first_token_logprobs(self.model, judge_messages(question,
                                                                              passage)))
        except Exception as exc:  # noqa: BLE001 - a judge that fails leaves the decision as is
            self.failures += 1
            self.disabled = isinstance(exc, NoLogprobs) or self.failures >= self.GIVE_UP
            log.warning("%s judge failed (%s: %s); deciding without it%s", self.name,
                        type(exc).__name__, exc,
                        " from now on" if self.disabled else " this time")
            return None
        self.failures = 0
        return share
