""""Yes" or "No" before the quote that decides a yes/no question, only when the quote says so.

"Was the violence limited to Almaty?" deserves "No — “This was not limited to Almaty; …” [1]"
rather than a sentence the reader must weigh. No model here reads meaning, so the verdict is
read off the quoted words themselves, and only in the two cases a reader could check at a
glance; anything else keeps the plain quote:

* **No**: the quote negates a word of the question ("not", "never", "no", "cannot", "n't"…
  followed, in the same clause, by one of the question's words within three content words:
  "None of the Olympic venues were damaged", "IPods cannot play … WMA").
* **Yes**: the quote holds every content word of the question, in the question's order, with
  no negation, condition or hedge anywhere in it ("would", "if", "whether", "reportedly"…).
  A question whose words are all there but in another order ("Did Apple sell HP-branded
  iPods?" against "HP … sell HP-branded iPods under a licence from Apple") gets no verdict.

Questions that are not plain yes/no questions get none: a choice ("coordinated or random?"),
a negative question ("Didn't he…?"), or one that shifts its focus ("other than Almaty",
"except", "without"), where the quote's negation may be about something else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Literal

from bot.question import AUXILIARIES, CARRIED, WH_WORDS
from bot.text import NEGATION, STOPWORDS, stem, words

Verdict = Literal["Yes", "No"]

_AUXILIARY = re.compile(r"^\W*(?:[^:?]{1,40}:\s*|(?:[\w']+\s+){0,3}?[\w']+,\s*)?"
                        rf"(?:(?:so|and|but|ok|okay|then|also),?\s+)?({AUXILIARIES})\b\s*",
                        re.IGNORECASE)
"""A yes/no question, after a short lead-in ("Quick question:", "Tell me,")."""
_NO_LEAD_IN = re.compile(rf"\b(?:if|unless|after|before|since|because|once|until|{WH_WORDS})\b",
                         re.IGNORECASE)
"""A lead-in with these makes it another question ("If it rains, will they…?", "Where, …")."""
_SHIFTED = re.compile(r"\b(?:or|other than|except|besides|apart from|aside from|instead of|"
                      r"rather than|not|never|no|none|nothing|nobody|without)\b|n[’']t\b",
                      re.IGNORECASE)
_NOT_A_DENIAL = re.compile(r"^\s*(?:only|just|merely|simply|least|always|until|yet|longer "
                           r"than|more than|less than|fewer than)\b", re.IGNORECASE)
"""After a negation these make it no denial: "not only … but also", "not until 1990"."""
_CLAUSE_END = re.compile(r"[,;:.!?()]|\b(?:but|and|while|although|though|whereas|yet)\b",
                         re.IGNORECASE)
_UNSURE = re.compile(r"\b(?:may|might|could|would|if|whether|unless|perhaps|possibly|"
                     r"likely|reportedly|allegedly|alleged|rumou?rs?|claim(?:s|ed)?|"
                     r"suspected|expected|planned|proposed|plans?)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\bI\b|\b(?i:me|my|we|us|our)\b")
_REACH = 3
"""Content words after a negation that it is taken to deny."""
_FRAMING = frozenset(("really", "actually", "basically", "ever", "exactly", "please",
                      "article", "text", "story", "according"))


def _nobody() -> str:
    return ""


def verdict(question: str, quote: str, speaker: Callable[[], str] = _nobody
            ) -> Verdict | None:
    """"Yes" or "No" when ``quote`` plainly decides the yes/no ``question``, else None.
    ``speaker``: who says ``quote`` when it does not name them (looked up only for a
    first-person quote, where the speaker's name is the "I": "Was Tokayev advised…?")."""
    asked = _asked(question)
    if not asked:
        return None
    if _denies(quote, set(asked)):
        return "No"
    if _FIRST_PERSON.search(quote) and (name := speaker()):
        named = {stem(w) for w in words(name)}
        asked = [t for t in asked if t not in named]
    return "Yes" if _affirms(quote, asked) else None


def _asked(question: str) -> list[str]:
    """The stems of a plain yes/no question's content words, in order ([] for any other
    question)."""
    text = CARRIED.sub("", question)  # "did he name them? (violent)": carried, not asked
    m = _AUXILIARY.match(text)
    if not m or _NO_LEAD_IN.search(text, 0, m.start(1)):
        return []
    rest = text[m.end():]
    if _SHIFTED.search(rest):
        return []
    return [stem(w) for w in words(rest) if w not in STOPWORDS and w not in _FRAMING]


def _denies(quote: str, asked: set[str]) -> bool:
    """A negation in ``quote`` whose clause goes on with one of the question's words."""
    if _UNSURE.search(quote):
        return False
    for m in NEGATION.finditer(quote):
        after = quote[m.end():]
        if _NOT_A_DENIAL.match(after):
            continue
        end = _CLAUSE_END.search(after)
        clause = after[:end.start()] if end else after
        content = [w for w in words(clause) if w not in STOPWORDS][:_REACH]
        if any(stem(w) in asked for w in content):
            return True
    return False


def _affirms(quote: str, asked: list[str]) -> bool:
    """Every question word in ``quote`` in the question's order, nothing negated or
    hedged."""
    if len(set(asked)) < 2 or NEGATION.search(quote) or _UNSURE.search(quote):
        return False
    said = [stem(w) for w in words(quote)]
    at = 0
    for term in asked:
        try:
            at = said.index(term, at) + 1
        except ValueError:
            return False
    return True
