"""Load templates from ``prompts/`` and check that they use exactly the expected variables.

A template that lost or gained a placeholder fails loudly at load time, not halfway
through an answer (as simonw/llm does for its templates).
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources

EXPECTED: dict[str, frozenset[str]] = {
    "refusal": frozenset({"title"}),
    "refusal_many": frozenset(),
    "publisher": frozenset({"publisher", "cite"}),
    "title": frozenset({"title", "cite"}),
    "dateline": frozenset({"dateline", "cite"}),
    "gist": frozenset({"lede", "cite"}),
    "subject": frozenset({"person", "lede", "cite"}),
    "subject_named": frozenset({"lede", "cite"}),
    "no_author": frozenset(),
    "closest": frozenset({"what", "noun"}),
    "more_after": frozenset({"what"}),
    "more_before": frozenset({"what"}),
    "no_more": frozenset({"what"}),
    "more_first": frozenset({"what"}),
    "more_end": frozenset({"what"}),
    "source_again": frozenset({"what"}),
    "source_none": frozenset({"what"}),
    "other_script": frozenset({"script", "what", "scripts"}),
    "social_thanks": frozenset({"what"}),
    "social_greeting": frozenset({"what"}),
    "social_farewell": frozenset({"what"}),
    "social_ack": frozenset({"what"}),
    "answer_system": frozenset(),
    "answer_user": frozenset({"passages", "question"}),
    "judge_system": frozenset(),
    "judge_user": frozenset({"passage", "question"}),
}


class PromptError(ValueError):
    """A template file is missing or its placeholders are not the expected ones."""


def variables(template: str) -> frozenset[str]:
    """Placeholder names used by a ``str.format`` template."""
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


@cache
def load(name: str) -> str:
    """The template ``prompts/<name>.txt``, checked against ``EXPECTED``."""
    try:
        text = resources.files("prompts").joinpath(f"{name}.txt").read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PromptError(f"Missing template prompts/{name}.txt") from exc
    text = text.strip()
    found, wanted = variables(text), EXPECTED.get(name, frozenset())
    if found != wanted:
        raise PromptError(
            f"prompts/{name}.txt uses {sorted(found)}; expected {sorted(wanted)}"
        )
    return text


def render(name: str, **values: str) -> str:
    """Fill a checked template."""
    return load(name).format(**values)
