"""Tokenising and light normalisation shared by BM25, the gate and the extractive answerer.

One tokenizer everywhere keeps lexical scores comparable: the BM25 index, the
question analysis and sentence scoring all see the same stems.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m o re ve y also may might must shall us""".split()
)

# Words that frame a question rather than name its subject: they carry no evidence.
QUESTION_WORDS = frozenset(
    """happen happened happens occur occurred tell told say said says saying think thinks
    thought mean means meant call called calling describe described explain explained know
    known give gave given get got make made article text story passage please according
    mention mentioned mentions write wrote written report reported state stated kind type
    exactly really thing things way ways something anything role name named word words
    view opinion regard regarding concerning quote quoted quotes quoting kinds sort sorts
    types detail details""".split()
)


def normalise(text: str) -> str:
    """NFKC + ASCII quotes/dashes, lower-cased: what tokens are matched on."""
    text = unicodedata.normalize("NFKC", text)
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return text.translate(table).lower()


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word (cached: the vocabulary is small)."""
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    """Lower-case word tokens (numbers kept whole, possessive 's dropped)."""
    out = []
    for token in _WORD.findall(normalise(text)):
        token = token.replace(",", "") if token[0].isdigit() else token
        out.append(re.sub(r"'s$", "", token))
    return out


def content_stems(text: str, extra_stop: frozenset[str] = frozenset()) -> list[str]:
    """Stems of the content words of ``text`` (stopwords dropped), in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and w not in extra_stop]


def tokens(text: str) -> list[str]:
    """BM25 tokens: content stems."""
    return content_stems(text)
