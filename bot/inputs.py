"""What users send, made safe before anything answers: the question (validated, control
characters dropped, lone surrogates replaced) and the history (shape checked, capped).

Every surface (CLI, page, API, in process) goes through here, so a bad input gets the same
clear message everywhere (see docs/security.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.question import clean_question
from bot.settings import Settings


class QuestionError(ValueError):
    """The question cannot be answered as given (empty, too long); say why."""


#: Control characters (Unicode category Cc: C0, DEL, C1) except newline and tab.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_ROLES = ("user", "assistant")


def plain_text(text: str) -> str:
    """``text`` safe for every later step: lone surrogates (invalid UTF-8 on a command line,
    ``\\ud800`` in JSON) become U+FFFD, control characters other than newline and tab are
    dropped (NUL, escape sequences, DEL, C1)."""
    if _SURROGATE.search(text):
        # a well-formed surrogate pair becomes its character, a lone half becomes U+FFFD
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub("", text)


def validate_question(question: Any, settings: Settings) -> str:
    """A clean question, or a QuestionError whose message tells the user what to do."""
    if question is None:
        question = ""
    if not isinstance(question, str):
        raise QuestionError(
            f"The question must be text, not {type(question).__name__}. Please type a question."
        )
    if len(question) > settings.max_question_chars:
        raise QuestionError(
            f"The question is {len(question):,} characters long; the limit is "
            f"{settings.max_question_chars:,}. Please shorten it."
        )
    question = plain_text(question)
    if not question.strip():
        raise QuestionError("Please type a question (it was empty).")
    cleaned = clean_question(question)
    if not cleaned.replace("\ufffd", "").strip():
        raise QuestionError(
            "The question holds no readable text once markup and control characters are "
            "removed. Please type a question in words."
        )
    return cleaned


def clean_history(history: Any, settings: Settings | None = None) -> list[dict[str, str]]:
    """The conversation so far as the chain expects it: the last ``max_history_turns``
    well-formed ``{"role": "user" | "assistant", "content": str}`` turns, each cut to
    ``max_turn_chars`` and made plain text (see :func:`plain_text`).

    Turns of another shape (strings, pairs, unknown roles, empty or non-text content) are
    left out; a history that is not a list of turns at all is refused with a QuestionError
    that says the expected shape.
    """
    if history is None:
        return []
    if isinstance(history, (str, bytes, dict)) or not isinstance(history, Sequence):
        raise QuestionError(
            "The history must be a list of turns like "
            '[{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}], '
            f"not {type(history).__name__}. Send [] to start a new conversation."
        )
    settings = settings or Settings()
    limit, cap = settings.max_history_turns, settings.max_turn_chars
    turns: list[dict[str, str]] = []
    # newest first, so a huge history costs only as much as the turns kept
    for turn in reversed(history):
        if len(turns) >= limit:
            break
        if not isinstance(turn, dict) or turn.get("role") not in _ROLES:
            continue
        content = turn.get("content")
        if not isinstance(content, str):
            continue
        content = plain_text(content[:cap])
        if content.strip():
            turns.append({"role": str(turn["role"]), "content": content})
    turns.reverse()
    return turns
