"""The short answer a value question asks for, taken verbatim from the quoted sentence.

"How many weapons were stolen?" deserves "Over 3,000 weapons — …quote… [1]" rather than a
sentence to read through. The value is cut out of the cited sentence itself (never made up),
so the quote that follows proves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from bot.question import _MONTHS, _NUMBER_WORDS, CURRENCY, VALUE_PATTERNS, WANTS, Kind, Question
from bot.text import NEGATION, STOPWORDS, stem, words

QUALIFIERS = (r"over|more than|about|around|nearly|almost|at least|some|up to|roughly|"
              r"approximately|less than|fewer than")
"""Words that bound a number ("more than 40"): dropping one overstates what is said."""
_QUALIFIER = rf"(?:(?:{QUALIFIERS}|only|just)\s+)?"
_AMOUNT = (rf"{_QUALIFIER}(?:\$\s?|US\$\s?|€\s?|£\s?)?(?:\d[\d,.]*|(?:{_NUMBER_WORDS})\b"
           r"(?:[\s-](?:hundred|thousand|million|billion))?)"
           r"(?:\s*(?:%|percent|per cent)|\s+(?:hundred|thousand|million|billion|"
           r"trillion)(?:s)?)?")
_NUMBER = re.compile(rf"(?<![\w$€£]){_AMOUNT}", re.IGNORECASE)
_DATE = re.compile(
    rf"\b(?:(?:early|late|mid-?)\s*)?(?:(?:{_MONTHS})\.?\s+\d{{1,2}}(?:,\s*\d{{4}})?|"
    rf"\d{{1,2}}\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?|(?:{_MONTHS})\.?\s+(?:of\s+)?\d{{4}}|"
    rf"(?:1[89]|20)\d\d)\b",
    re.IGNORECASE,
)
_UNIT = re.compile(r"\s*(?:(?:square|cubic)\s+)?(?:km/h|metres?|meters?|m|km|kilometres?|"
                   r"kilometers?|miles?|feet|foot|ft|inches|inch|cm|mm|tons?|tonnes?|kg|kilograms?|"
                   r"pounds?|lbs?|mph|kph|knots?|hectares?|acres?|litres?|liters?|"
                   r"gallons?|degrees?)\b(?:\s+(?:per|an?)\s+(?:hour|minute|second|day|year)\b)?",
                   re.IGNORECASE)
"""A measurement unit after a number: "34 metres" answers "how tall?", "34" does not."""
_CAP_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+|de\s+)?[A-Z][\w’'-]*)*")
_MIN_SENTENCE = 60


def short_value(q: Question, text: str, people: frozenset[str] = frozenset()) -> str | None:
    """The value ``q`` asks for as it appears in ``text``, or None. ``people``: the names
    the documents use for persons; a "who" question's value must be one of them when
    known (not the newspaper a quoted sentence also names)."""
    finders: dict[Kind, Callable[[Question, str], str | None]] = {
        Kind.NUMBER: _number, Kind.DATE: _date, Kind.DURATION: _duration, Kind.PLACE: _place,
        Kind.PERSON: partial(_person, people=people), Kind.NAME: _name}
    finder = finders.get(q.kind)
    value = finder(q, text) if finder else None
    if not value:
        return None
    value = value.strip(" ,;:")
    return value[:1].upper() + value[1:]


_TOKEN = re.compile(r"[\w’'-]+")
_CLAUSE = re.compile(r"[;:]|,\s|\b(?:and|but|while)\b")
"""Between a question term and a value, a sign the term belongs to another clause."""
_CLAUSE_GAP = 2
"""Words a clause boundary adds to the gap: 1-6 all helped on both halves of the SQuAD
training articles (split by article), 1-3 best on the first half, 6 on the second."""


def nearest(q: Question, text: str, spans: list[tuple[int, int]]) -> int:
    """Which of the candidate ``spans`` (start, end) the question is about: the one whose
    neighbourhood holds the question's terms closest, each term counting 1 / (1 + the
    words between, two more across a clause boundary: in "10,000 people were injured and 80%
    of the buildings…", "injured" belongs to the first figure). "How much did the second
    phase cost?" is answered by the "$95 million" after "the second phase cost", not by the
    sentence's first figure; ties go to the first.
    Measured on the SQuAD training articles with the place and unit rules: right answers
    whose lead holds a gold answer 510 -> 558, wrong leads 182 -> 159
    (docs/answer-quality-log.md)."""
    terms = set(q.terms)
    found = [(m.start(), m.end(), key) for m in _TOKEN.finditer(text)
             if (key := stem(m.group(0).lower())) in terms]

    def closeness(span: tuple[int, int]) -> float:
        start, end = span
        gaps: dict[str, int] = {}
        for a, b, key in found:
            if start <= a < end:
                continue  # a word of the value itself
            between = text[end:a] if a >= end else text[b:start]
            gap = len(_TOKEN.findall(between)) + _CLAUSE_GAP * bool(_CLAUSE.search(between))
            gaps[key] = min(gaps.get(key, gap), gap)
        return sum(1 / (1 + gap) for gap in gaps.values())

    scores = [closeness(span) for span in spans]
    return scores.index(max(scores))


def lead(q: Question, quote: str, people: frozenset[str] = frozenset()) -> str | None:
    """The short answer to put before ``quote``, when it adds something (not when the quote
    is short or already opens with it)."""
    value = short_value(q, quote, people)
    if not value or len(quote) < _MIN_SENTENCE:
        return None
    return None if opens_with(quote, value) else value


def opens_with(quote: str, value: str, slack: int = 12) -> bool:
    """``quote`` already opens with ``value``, give or take ``slack`` characters before it
    ("For two weeks, I stayed…", "President Kassym-Jomart Tokayev revealed…"): a lead would
    only repeat it."""
    return value.lower() in quote.lstrip("…“\" ")[:len(value) + slack].lower()


# Words after which "over" is a preposition, not "more than": "concern over $3 billion"
# is concern about exactly that sum (general English, stems).
_OVER_TAKERS = frozenset(stem(w) for w in (
    "concern", "worry", "fear", "anger", "outrage", "dispute", "disagreement", "argument",
    "row", "fight", "battle", "clash", "debate", "controversy", "lawsuit", "suit", "feud",
    "control", "power", "authority", "influence", "jurisdiction", "victory", "win", "lead",
    "advantage", "tension", "scandal", "protest", "quarrel", "negotiation", "talk"))
_OVER = re.compile(r"^over\s+", re.IGNORECASE)


def _number(q: Question, text: str) -> str | None:
    """The amount ``q`` asks for, as the sentence words it (with its bound: "over")."""
    found = _amount(q, text)
    if found is None:
        return None
    start, value = found
    if _OVER.match(value):
        before = words(text[:start])[-1:]
        if before and stem(before[0]) in _OVER_TAKERS:
            return _OVER.sub("", value)
    return value


def _amount(q: Question, text: str) -> tuple[int, str] | None:
    """Where the amount starts in ``text``, and the amount with what it counts or its unit."""
    matches = [m for m in _NUMBER.finditer(text) if re.search(r"\d|[a-z]", m.group(0))]
    # "several regional centers… over 3,000 weapons": "several" counts nothing exactly
    matches = [m for m in matches if m.group(0).lower() != "several"] or matches
    if q.money:  # "$457 million", "40 million euros": not the year the sentence opens with
        matches = [m for m in matches if _names_currency(text, m)]
    if q.wants == "percent":  # "12 percent", not the year or count beside it
        matches = [m for m in matches if WANTS["percent"][2].search(m.group(0))]
    if q.counted and q.counted != ("old",):
        counted = q.counted_or_related()
        hits = []
        for m in matches:
            following = words(text[m.end():])[:4]
            i = next((i for i, word in enumerate(following) if stem(word) in counted), None)
            if i is not None:
                tail = re.search(r"^(?:\W*\w+){" + str(i + 1) + r"}", text[m.end():])
                value = m.group(0) + (tail.group(0) if tail else "")
                if not _PUNCT.search(value):  # "in 2015, people were…" counts nothing
                    hits.append((m.start(), value))
        if not hits:
            return None
        return hits[nearest(q, text, [(a, a + len(v)) for a, v in hits])]
    found = [(m, _UNIT.match(text, m.end()) or _CURRENCY_AFTER.match(text, m.end()))
             for m in matches  # "One World Trade Center" names no amount
             if not q.only_asked(m.group(0))]
    wanted = next((f for f in map(_unit_family, _ASKED_UNIT.finditer(q.text)) if f), None)
    if wanted:  # "how tall … in meters?": "541 m", not the "1,776 feet" before it
        found = [f for f in found if f[1] and _unit_family(f[1]) == wanted] or found
    else:  # "1,776 feet (541 m)": the bracket converts the value before it
        found = [f for f in found if not _bracketed(text, f[0].start())] or found
    # "by 2007 the winner's average speed…": a year dates an amount, it is not one
    found = [f for f in found if f[1] or not _YEAR.fullmatch(f[0].group(0).rstrip(",."))] or found
    if _MEASURE.search(q.text):  # "how far…?": "80 km", not the "14" of "at 14:28"
        found = [f for f in found if f[1]] or found
    if not found:
        return None
    m, unit = found[nearest(q, text, [(m.start(), unit.end() if unit else m.end())
                                      for m, unit in found])]
    return m.start(), m.group(0) + (unit.group(0) if unit else "")


_YEAR = re.compile(r"(?:1[5-9]|20)\d\d")
_PUNCT = re.compile(r"[,;:()](?!\d)")
_MEASURE = re.compile(r"\bhow (?:tall|high|wide|deep|thick|heavy|far|fast|big|large|long)\b",
                      re.IGNORECASE)


def _bracketed(text: str, at: int) -> bool:
    """Whether position ``at`` of ``text`` is inside round brackets."""
    before = text[:at]
    return before.count("(") > before.count(")")


_ASKED_UNIT = re.compile(r"\bin\s+(?:square\s+|cubic\s+)?([a-z]+)\b", re.IGNORECASE)
_UNIT_FAMILIES = {
    "m": ("m", "metre", "metres", "meter", "meters"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers"),
    "mi": ("mi", "mile", "miles"), "ft": ("ft", "foot", "feet"),
    "acre": ("acre", "acres"), "ha": ("ha", "hectare", "hectares"),
    "kg": ("kg", "kilogram", "kilograms"), "lb": ("lb", "lbs", "pound", "pounds"),
    "t": ("ton", "tons", "tonne", "tonnes")}
_FAMILY_OF = {word: family for family, names in _UNIT_FAMILIES.items() for word in names}


def _unit_family(match: re.Match[str] | None) -> str | None:
    """Which unit a matched unit (or "in <unit>" of a question) names: "metres", "m" -> "m"."""
    if match is None:
        return None
    return next((_FAMILY_OF[w] for w in words(match.group(0).lower()) if w in _FAMILY_OF),
                None)  # "kilometres per hour" -> "km"


_CURRENCY_AFTER = re.compile(rf"\s*(?:{CURRENCY.pattern})", re.IGNORECASE)


def _names_currency(text: str, m: re.Match[str]) -> bool:
    """The amount carries a currency sign or is followed by a currency word."""
    return bool(CURRENCY.search(m.group(0)) or _CURRENCY_AFTER.match(text, m.end()))


def _date(q: Question, text: str) -> str | None:
    if q.wants == "month":  # the whole date that names it: "September 1829", "13 November"
        month = WANTS["month"][2]
        whole = [d for d in _DATE.finditer(text) if month.search(d.group(0))]
        if whole:
            return whole[nearest(q, text, [d.span() for d in whole])].group(0)
    dates = list((WANTS[q.wants][2] if q.wants else _DATE).finditer(text))
    return dates[nearest(q, text, [d.span() for d in dates])].group(0) if dates else None


def _duration(q: Question, text: str) -> str | None:
    m = VALUE_PATTERNS[Kind.DURATION].search(text)
    return m.group(0) if m else None


_PLACE_NOUNS = re.compile(r"\b(?:cities|regions|countries|towns|places|provinces|areas|"
                          r"locations|states)\b", re.IGNORECASE)
_NEGATED = re.compile(r"(?:\b(?:not|never|no|nor|neither)|n[’']t)(?:\s+[a-z]+){0,2}\s+$",
                      re.IGNORECASE)
"""Just before a place, a negation says it is not the place ("This was not limited to
Almaty"): no lead names it, unless the question asks what is negated."""
_INCLUDING = re.compile(r"\b(?:including|such as)\s+[A-Z]")
_LIST = re.compile(r"[A-Z][\w’'-]*(?:(?:,\s+(?:and\s+)?|\s+and\s+)[A-Z][\w’'-]*)+")
_LETTERS = re.compile(r"[^\W\d_]+")


def _place(q: Question, text: str) -> str | None:
    """The place the question asks for: for "which cities…?", the examples the sentence
    gives after naming cities ("spreading to other cities, including Almaty, …", not the
    "Mangystau" it opens with), else the place not asked about beside the question's words
    (not a word describing a noun: "the French port"); the whole list when the question asks
    for places in the plural or the sentence lists examples."""
    asked = q.asked
    denied = bool(NEGATION.search(q.text))  # "what country did he never return to?"
    plain = re.sub(r"\([^()]*\)", lambda m: " " * len(m.group(0)), text)
    examples = {m.end() - 1 for m in _INCLUDING.finditer(plain)}
    starts = set(examples)
    for m in VALUE_PATTERNS[Kind.PLACE].finditer(plain):
        run = _CAP_RUN.match(m.group(0), m.group(0).rfind(" ") + 1)
        if run and run.group(0).lower() not in asked:
            starts.add(m.start() + run.start())
    moved = (a if a in examples else _past_modifier(plain, a) for a in starts)
    spans = sorted({run.span() for a in moved if a is not None
                    and (run := _CAP_RUN.match(plain, a)) and run.group(0).lower() not in asked
                    and not _opens_with_function_word(run.group(0))
                    and (denied or not _NEGATED.search(plain, max(0, run.start() - 40),
                                                         run.start()))})
    if not spans:
        return None
    named = next((m.end() for m in _LETTERS.finditer(plain)
                  if q.head and stem(m.group(0).lower()) == q.head), -1)
    at = min((a for a in examples if named >= 0 and a >= named),
             default=spans[nearest(q, plain, spans)][0])
    listing = at in examples or bool(_PLACE_NOUNS.search(q.text))
    listed = _LIST.match(plain, at) if listing else None
    value = listed or _CAP_RUN.match(plain, at)
    if not value:
        return None
    place = _POSSESSIVE.sub("", value.group(0))
    return place if place.lower() not in asked else None


_POSSESSIVE = re.compile(r"[’']s?$")


_NEVER_A_PLACE = frozenset((
    "to", "for", "and", "but", "or", "with", "by", "from", "if", "is", "was", "are", "were",
    "it", "this", "that", "these", "those", "he", "she", "they", "we", "his", "her", "their",
    "our", "my", "its", "when", "while", "how", "what", "why", "who"))
"""Words that open a title or a clause but no place name ("The Hague", "An County", "US"
and "In Salah" are places)."""


def _opens_with_function_word(run: str) -> bool:
    """A capitalised run opening with "To", "For", "How"… is a title or a clause ("set 20
    years after the time depicted in To Kill a Mockingbird"), not a place."""
    return run.split(maxsplit=1)[0].lower() in _NEVER_A_PLACE


def _past_modifier(text: str, at: int) -> int | None:
    """Where the place starts when the capitalised word at ``at`` only describes the noun
    after it: "the French port of Calais" -> "Calais"; None when no name follows ("an
    English translation"). Only after an article: in "protests in Mangystau triggered…" the
    word after the place is a verb; and a possessive ("Oslo's old harbour") is the place."""
    run = _CAP_RUN.match(text, at)
    if (run is None or " " in run.group(0) or _POSSESSIVE.search(run.group(0))
            or not _ARTICLE_BEFORE.search(text, 0, at)):
        return at
    after = re.match(r"\s+([a-z]+)", text[run.end():])
    if after is None or after.group(1) in STOPWORDS:
        return at
    name = _NAME_AFTER.match(text, run.end())
    return name.end() if name else None


_ARTICLE_BEFORE = re.compile(r"\b(?:the|an?)\s+$", re.IGNORECASE)
_NAME_AFTER = re.compile(r"(?:\s+[a-z’'-]+){1,4}?\s+(?=[A-Z])")


def _name(q: Question, text: str) -> str | None:
    """The name a "what is the name of…?" question asks for: of the names the sentence
    gives (not the question's own), the one beside the question's words; a name the
    sentence marks as one (in quotes, after "known as", "called"…) first."""
    given, others = _name_spans(text)
    for spans in (given, others):
        names = [(a, b) for a, b in spans if not q.only_asked(text[a:b])]
        if names:
            start, end = names[nearest(q, text, names)]
            return text[start:end]
    return None


def _name_spans(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where ``text`` names something: the names it marks as names, in quotes or after
    "known as", "called", "named", "entitled", "dubbed" ("its homeland, known as
    Lenapehoking": one word the name pattern would miss), and the other names, a name split
    by a hyphen or space joined again ("President Kassym" + "-" + "Jomart Tokayev")."""
    given = [m.span(1) if m.group(1) else m.span(2) for m in _GIVEN_NAME.finditer(text)]
    given = [(a, b) for a, b in given if text[a:b][:1].isupper()]
    spans: list[tuple[int, int]] = []
    for m in VALUE_PATTERNS[Kind.NAME].finditer(text):
        if spans and text[spans[-1][1]:m.start()] in ("", "-", " "):
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append(m.span())
    return given, [s for s in spans if not any(a < s[1] and s[0] < b for a, b in given)]


_GIVEN_NAME = re.compile(
    r"[\"“]([^\"“”]{2,60}?)[\"”]"
    r"|\b(?:known as|called|named|entitled|dubbed)\s+(?:the\s+)?"
    r"([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)")


def _person(q: Question, text: str, people: frozenset[str] = frozenset()) -> str | None:
    for m in VALUE_PATTERNS[Kind.PERSON].finditer(text):
        if q.only_asked(m.group(0)):
            continue
        if not people:
            return m.group(0)
        known = [w for w in m.group(0).split() if w in people]
        if known:
            return full_name(text, known[-1])
    return None


def full_name(text: str, surname: str) -> str | None:
    """The name as ``text`` writes it in full, titles included: "President Kassym-Jomart
    Tokayev" for "Tokayev"."""
    m = re.search(rf"(?:[A-Z][\w’'.-]*\s+)*{re.escape(surname)}\b", text)
    return m.group(0) if m else None
