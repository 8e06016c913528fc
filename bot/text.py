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
    [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any",
        "are", "as", "at", "be", "because", "been", "before", "being", "below", "between",
        "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during",
        "each", "few", "for", "from", "further", "had", "has", "have", "having", "he",
        "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself",
        "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our",
        "ours", "ourselves", "out", "over", "own", "same", "she", "should", "so", "some",
        "such", "than", "that", "the", "their", "theirs", "them", "themselves", "then",
        "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
        "up", "very", "was", "we", "were", "what", "when", "where", "which", "while", "who",
        "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself",
        "yourselves", "s", "t", "d", "ll", "m", "o", "re", "ve", "y", "also", "may",
        "might", "must", "shall", "us"
    ]
)

NEGATION = re.compile(r"\b(?:not|never|no|none|cannot|neither|nor|without|nobody|nothing|"
                      r"nowhere)\b|n[’']t\b", re.IGNORECASE)
"""A word that negates ("not", "never", "none", "cannot", "n't"…)."""

# Words that frame a question rather than name its subject: they carry no evidence.
QUESTION_WORDS = frozenset(
    [
        "happen", "happened", "happens", "occur", "occurred", "tell", "told", "say", "said",
        "says", "saying", "think", "thinks", "thought", "mean", "means", "meant", "call",
        "called", "calling", "describe", "described", "explain", "explained", "know",
        "known", "give", "gave", "given", "get", "got", "make", "made", "article", "text",
        "story", "passage", "please", "according", "mention", "mentioned", "mentions",
        "write", "wrote", "written", "report", "reported", "stated", "kind",
        "type", "exactly", "really", "thing", "things", "way", "ways", "something",
        "anything", "role", "name", "named", "word", "words", "view", "opinion", "regard",
        "regarding", "concerning", "quote", "quoted", "quotes", "quoting", "kinds", "sort",
        "sorts", "types", "detail", "details", "overall", "actually", "basically",
        "generally", "ever", "altogether", "approximately", "roughly", "done", "believe",
        "believes", "believed", "feel", "feels", "felt", "consider", "considers",
        # what short follow-ups add to the previous question ("like what?", "who else?")
        "else", "example", "examples", "instance", "specifically", "like",
        "start", "started", "starts", "begin", "began", "begun", "begins"
    ]
)


def normalise(text: str) -> str:
    """NFKC + ASCII quotes/dashes, lower-cased: what tokens are matched on."""
    text = unicodedata.normalize("NFKC", text)
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return text.translate(table).lower()


_IRREGULAR = {
    "broke": "break", "broken": "break", "took": "take", "taken": "take", "began": "begin",
    "begun": "begin", "led": "lead", "said": "say", "told": "tell", "gave": "give",
    "given": "give", "went": "go", "gone": "go", "came": "come", "saw": "see", "seen": "see",
    "made": "make", "held": "hold", "fell": "fall", "fallen": "fall", "rose": "rise",
    "risen": "rise", "grew": "grow", "grown": "grow", "fled": "flee", "sent": "send",
    "spent": "spend", "sought": "seek", "thought": "think", "brought": "bring",
    "bought": "buy", "fought": "fight", "won": "win", "lost": "lose", "met": "meet",
    "ran": "run", "struck": "strike", "stood": "stand", "spoke": "speak", "spoken": "speak",
    "wrote": "write", "written": "write", "chose": "choose", "chosen": "choose",
    "drove": "drive", "driven": "drive", "knew": "know", "known": "know", "threw": "throw",
    "thrown": "throw", "shot": "shoot", "hid": "hide", "hidden": "hide", "caught": "catch",
    "built": "build", "kept": "keep", "paid": "pay", "sold": "sell", "became": "become",
    "felt": "feel", "left": "leave", "arose": "arise", "arisen": "arise", "undertook": "undertake",
    "overcame": "overcome", "withdrew": "withdraw", "forbade": "forbid", "sank": "sink",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball English stem of a lower-case word, irregular past forms mapped to their base
    first ("broke" matches "break"); cached, the vocabulary is small."""
    word = _IRREGULAR.get(word, word)
    return str(_STEMMER.stemWord(_BRITISH.sub("iz", word)))


# British -ise/-isation spellings stem like -ize ("destabilise" meets "destabilizing").
_BRITISH = re.compile(r"(?<=[a-z]{3}[^aeiou])is(?=(?:e|ed|es|ing|ation|ations|er|ers)$)")


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


@lru_cache(maxsize=200_000)
def stem_set(text: str) -> frozenset[str]:
    """Set of content stems of a passage sentence (cached: candidates repeat)."""
    return frozenset(content_stems(text))


def tokens(text: str) -> list[str]:
    """BM25 tokens: content stems."""
    return content_stems(text)


def one_edit(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns ``a`` into ``b``."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    i = next((i for i, (x, y) in enumerate(zip(short, long, strict=False)) if x != y),
             len(short))
    return short[i:] == long[i + 1:]


def script_of(char: str) -> str:
    """The writing system of a letter ("LATIN", "CYRILLIC", "CJK", "ARABIC"...): the first
    word of its Unicode name."""
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else ""


def script_counts(text: str) -> dict[str, int]:
    """How many of ``text``'s letters are written in each script."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = script_of(char)
            counts[script] = counts.get(script, 0) + 1
    return counts


def main_script(text: str, share: float = 0.6, least: int = 3) -> str | None:
    """The script most of a question's letters are in (None: too few letters, or mixed)."""
    counts = script_counts(text)
    letters = sum(counts.values())
    best = max(counts, key=counts.__getitem__, default=None)
    return best if best and letters >= least and counts[best] >= share * letters else None
