"""Deterministic follow-up rewriting: make a question standalone from earlier turns.

"When was he elected?" after a turn about Tokayev becomes "When was Tokayev elected?";
"What triggered them there?" gets the place named in the last answer and the subject of
the previous question. Names and places come from the corpus, so only things the
documents mention are substituted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from bot.contract import MARKER
from bot.question import named_phrases, social_kind
from bot.text import QUESTION_WORDS, STOPWORDS, stem, words

Turn = dict[str, str]

_PERSON_CUE = re.compile(
    r"(?:President|Prime Minister|Minister|Mr\.|Ms\.|Mrs\.|Dr\.|according to|said|told)\s+"
    r"((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+){0,2})"
)
_PERSON_SAID = re.compile(r"\b([A-Z][\w’'-]+)\s+(?:said|says|told|added|noted|explained|"
                          r"reiterated|expressed|stated)\b")
_PLACE_CUE = re.compile(
    r"\b(?:in|at|from|to|across|near|into|including)\s+(?:the\s+)?(?:[a-z]+ern\s+)?"
    r"((?:[A-Z][\w’'-]+)(?:\s+[A-Z][\w’'-]+){0,2})"
)
_LIST_PLACE = re.compile(r",\s+([A-Z][\w’'-]+)(?=,|\s+and\b)")
_PERSONAL = {"he": "", "him": "", "she": "", "his": "’s", "hers": "’s"}
_HE = frozenset({"he", "him", "his"})
_SHE = frozenset({"she", "her", "hers"})
# Titles of _PERSON_CUE that say a name is a woman's ("Mrs. Dubose": "he" is not her) or a
# man's.
_FEMALE_CUE = frozenset({"Mrs.", "Ms."})
_MALE_CUE = frozenset({"Mr."})
_LOCATIVE = frozenset({"in", "at", "from", "of", "near", "outside"})
# Where a sentence ends for the pronoun count: before a capital or an opening quote only.
# Not bot.question.sentences, which also cuts before lower case and so pairs a name with
# the wrong next sentence (it made Jem, a boy, a woman in "To Kill a Mockingbird").
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
_OPENER = re.compile(r"(She|Her|He|His)\b")
# An organisation "said" or is cited too ("the Seismological Bureau stated", "according to
# Bloomberg Online"): a capitalised run after "the", or an acronym, names no person.
_RUN_BEFORE = re.compile(r"(?:\b(?:the|The)\s+)?(?:(?:[A-Z][\w’'&-]*|[A-Z]\.)\s+"
                         r"(?:(?:of|and|for)\s+)?)*$")
_ANAPHORA = {"it", "its", "they", "them", "their", "this", "that", "these", "those", "then",
             "there", "he", "him", "his", "she", "her", "hers", "one"}
# Pronouns that may stand for a thing named before ("how long did they stay?"), unlike
# "this"/"that", which may be the whole situation ("while all this was happening").
_ENTITY = {"it", "its", "they", "them", "their"}
# Words that only say what kind of answer is wanted ("how many were recovered?" names
# nothing it counts, so it leans on the previous turn).
_ASKING = {"many", "much", "long", "often", "far", "total", "exactly", "number"}
# The verb a question asks about, right after its question word ("What caused the protests?",
# "Who opposed it?"): what the previous question asked, not what it was about, so a
# follow-up with a verb of its own ("When did they start?") does not carry it.
_WH_VERB = re.compile(r"\s*(?:what|who|which)\s+([a-z]+ed)\b", re.IGNORECASE)
# A name after the first word: "Tokayev", or an acronym ("What was the role of NATO?").
_NAMED = re.compile(r"(?<!^)\b[A-Z](?:[a-z]|[A-Z]+\b)")
_NOT_NAMES = {"The", "This", "That", "It", "In", "I", "He", "She", "They", "We", "A", "An",
              "January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"}


@dataclass(frozen=True)
class Entities:
    """People and places the corpus mentions (found once at load time)."""

    people: tuple[str, ...]
    places: tuple[str, ...]
    female: frozenset[str] = frozenset()
    """People the documents take for women ("Mrs. Dubose"; "Lee … . She …"): never "he"."""
    male: frozenset[str] = frozenset()
    """People the documents take for men ("Mr. Cunningham"; "Chopin … . He …"): never
    "she"."""

    @cached_property
    def people_set(self) -> frozenset[str]:
        """The people, for lookups."""
        return frozenset(self.people)

    def people_for(self, question: str) -> tuple[str, ...]:
        """The people a pronoun of ``question`` may stand for: "he" is none the documents
        take for a woman, "she" none they take for a man."""
        asked = set(words(question))
        skip = (self.female if asked & _HE else frozenset()) | (
            self.male if asked & _SHE else frozenset())
        return tuple(p for p in self.people if p not in skip) if skip else self.people

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Entities:
        """Collect names by their cues ('President X', 'X said', 'in X')."""
        people: Counter[str] = Counter()
        places: Counter[str] = Counter()
        female: set[str] = set()
        male: set[str] = set()
        texts = list(texts)
        common: frozenset[str] | None = None  # read only once an "according to" needs it
        for text in texts:
            for m in _PERSON_CUE.finditer(text):
                name = _strip_possessive(_surname(m.group(1)))  # "President Obama's"
                cue = text[m.start():m.start(1)].split()[0]
                if cue == "according" and common is None:
                    common = _lower_words(texts)
                if _acronym(name) or (cue == "according" and name.lower() in (common or ())):
                    continue  # "according to USGS", "according to Bloomberg Online"
                people[name] += 1
                if cue in _FEMALE_CUE:
                    female.add(name)
                elif cue in _MALE_CUE:
                    male.add(name)
            for m in _PERSON_SAID.finditer(text):
                if not _not_a_person(text, m.start(1), m.group(1)):
                    people[_strip_possessive(m.group(1))] += 1
            for m in _PLACE_CUE.finditer(text):
                places[_strip_possessive(m.group(1))] += 1
            for m in _LIST_PLACE.finditer(text):
                places[m.group(1)] += 1
        for bad in _NOT_NAMES:
            people.pop(bad, None)
            places.pop(bad, None)
        for name in list(places):
            if name in people or name.split()[0] in people:
                places.pop(name)
        votes = _pronoun_votes(texts, people)
        female |= {n for n, (f, m) in votes.items() if f > m}
        male |= {n for n, (f, m) in votes.items() if m > f}
        return cls(tuple(n for n, _ in people.most_common()),
                   tuple(n for n, _ in places.most_common()),
                   frozenset(female - male), frozenset(male - female))


def _pronoun_votes(texts: Iterable[str], people: Iterable[str]) -> dict[str, tuple[int, int]]:
    """How often a sentence naming one person alone is followed by one opening with "She"/
    "Her" or with "He"/"His" ("Lee … . She …" makes Harper Lee a woman, untitled)."""
    names = sorted(people, key=len, reverse=True)
    if not names:
        return {}
    named_in = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    votes: dict[str, list[int]] = {}
    for text in texts:
        sents = _SENTENCE_END.split(text)
        for before, after in zip(sents, sents[1:], strict=False):
            opener = _OPENER.match(after)
            if not opener:
                continue
            named = set(named_in.findall(before))
            if len(named) == 1:
                votes.setdefault(named.pop(), [0, 0])[opener.group(1) in ("He", "His")] += 1
    return {n: (f, m) for n, (f, m) in votes.items()}


def _acronym(name: str) -> bool:
    return len(name) > 1 and name.isupper()


def _lower_words(texts: Iterable[str]) -> frozenset[str]:
    """Words the documents also write in lower case: common nouns, not surnames."""
    return frozenset(w for text in texts for w in re.findall(r"\b[a-z][a-z’'-]+\b", text))


def _not_a_person(text: str, start: int, name: str) -> bool:
    """Is ``name`` (at ``start``, before "said") an organisation ("the Mineral Bureau
    said"), an acronym ("USGS said") or a place ending a longer subject ("a receptionist at
    the hotel in Chengdu said") rather than a person?"""
    if _acronym(name):
        return True
    run = _RUN_BEFORE.search(text, max(0, start - 80), start)
    before = text[max(0, start - 80):run.start() if run else start].split()
    return bool(run and run.group(0).lstrip().lower().startswith("the ")) or bool(
        before and before[-1] in _LOCATIVE)


def _surname(name: str) -> str:
    """'Kassym-Jomart Tokayev' -> 'Tokayev' (people are referred to by surname)."""
    return name.split()[-1]


def _strip_possessive(name: str) -> str:
    return re.sub(r"[’']s$", "", name)


def _last_mention(texts: Sequence[str], names: Sequence[str]) -> str | None:
    """The name mentioned last in the most recent text that mentions any."""
    for text in reversed(texts):
        hits = [(m.start(), n) for n in names for m in re.finditer(rf"\b{re.escape(n)}\b", text)]
        if hits:
            return max(hits)[1]
    return None


def is_follow_up(question: str) -> bool:
    """Does the question lean on earlier turns (pronouns, 'that', or too short to stand)?"""
    toks = words(question)
    content = [t for t in toks if t not in STOPWORDS and t not in QUESTION_WORDS
               and t not in _ASKING]
    named = _NAMED.search(question.strip()) is not None
    return any(t in _ANAPHORA for t in toks) or not content or (len(content) == 1 and not named)


def leans_on_answer(question: str, history: Sequence[Turn]) -> str | None:
    """The last answer, when ``question`` names nothing of its own ("how many?", "why
    not?", "for how long?") and that answer quoted passages: a reader asking so asks about
    what they just read. Replies to "thanks!" are passed over, as condense does; a refusal
    quotes nothing to lean on."""
    if _content(question) or social_kind(question):
        return None
    content = last_reply(history)
    return content if content and MARKER.search(content) else None


def condense(question: str, history: Sequence[Turn], entities: Entities,
             known: Callable[[str], bool] | None = None,
             closest: Callable[[str], str | None] | None = None,
             mentioned: Callable[[str], bool] | None = None) -> str:
    """A standalone version of ``question`` given ``history`` (unchanged if none needed).

    ``known`` tells whether the documents contain a word's stem: words carried over from
    the previous question that the documents never use ("based" in "the interview this
    article is based on") cannot help retrieval and would only weigh against the answer.
    ``closest`` gives the documents' word closest in meaning to such a word, carried in
    its place ("which paper…?" then "when was that?" carries "newspaper").
    ``mentioned`` tells whether the documents mention a name. A name the refused previous
    question asked about and they never mention is what "he" or "they" is: "What did Putin
    say?" then "when did he say it?" is still about Putin, which the documents do not
    cover; a stand-in word for it would turn it into a question they answer.
    """
    if not history or not is_follow_up(question) or social_kind(question):
        return question  # "thanks!" leans on nothing: it is not asked of the documents
    users = [t["content"] for t in history
             if t.get("role") == "user" and not social_kind(t["content"])]
    texts = [t["content"] for t in history]
    previous = condense(users[-1], _before_last_user(history), entities, known,
                        closest, mentioned) if users else ""
    unknown = _unknown_names(previous, history, mentioned)
    rewritten = question
    person = unknown[-1] if unknown else _last_mention(texts, entities.people_for(question))
    if person:
        for pronoun, suffix in _PERSONAL.items():
            rewritten = re.sub(rf"\b{pronoun}\b", person + suffix, rewritten,
                               flags=re.IGNORECASE)
    place = _last_mention(texts, entities.places)
    if place:
        rewritten = re.sub(r"\bthere\b", f"in {place}", rewritten, flags=re.IGNORECASE)
    asked = words(question)
    lean = len(_content(question)) <= 1  # the pronoun it replaced named nothing new
    carried = [n for n in unknown if n not in rewritten] if lean or _ENTITY & set(asked) else []
    kept = {w for n in unknown if n in carried or n in rewritten for w in words(n)}
    extra = carried + _carried(previous, rewritten, known, closest, kept)
    vague = any(t in _ANAPHORA - set(_PERSONAL) for t in asked)
    if extra and (vague or lean):
        rewritten = f"{rewritten} ({' '.join(dict.fromkeys(extra))})"
    return rewritten


def _unknown_names(previous: str, history: Sequence[Turn],
                   mentioned: Callable[[str], bool] | None) -> list[str]:
    """Names the previous question asked about that the documents never mention, when
    that is why it was refused (the reply cites nothing). An answered question's unknown
    name did not matter to its answer ("this Astana Times piece"), so it is not carried."""
    reply = last_reply(history)
    if mentioned is None or reply is None or MARKER.search(reply):
        return []
    return [n for n in named_phrases(previous) if not mentioned(n)]


def last_reply(history: Sequence[Turn]) -> str | None:
    """The last assistant turn, passing over replies to "thanks!" (None when the history
    does not end with one)."""
    turns = list(history)
    while len(turns) >= 2 and turns[-1].get("role") == "assistant" \
            and social_kind(turns[-2].get("content") or ""):
        turns = turns[:-2]
    if not turns or turns[-1].get("role") != "assistant":
        return None
    return turns[-1].get("content") or ""


def _carried(previous: str, rewritten: str, known: Callable[[str], bool] | None,
             closest: Callable[[str], str | None] | None,
             skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Subject words of the previous question to carry: those the documents use, or in
    place of one they never use, their word closest in meaning (when there is one).
    Words of ``skip`` (names carried whole) are left out, and so is the verb it asked
    about when ``rewritten`` asks its own ("why?" after "Who opposed it?" keeps it)."""
    carried = []
    own = [w for w in words(rewritten)
           if w not in STOPWORDS and w not in _ASKING and w not in ("like", "else")]
    asked_verb = _WH_VERB.match(previous) if own else None
    for w in _content(previous):
        if w in skip or (asked_verb and w == asked_verb.group(1).lower()):
            continue
        if known is not None and not known(stem(w)):
            w = (closest(w) or "") if closest else ""
        if w and w not in words(rewritten):
            carried.append(w)
    return carried


def _content(text: str) -> list[str]:
    """Words that carry the subject of a question."""
    return [w for w in words(text)
            if w not in STOPWORDS and w not in QUESTION_WORDS and w not in _ASKING]


def _before_last_user(history: Sequence[Turn]) -> list[Turn]:
    """History preceding the last user turn that asked something ("thanks!" did not), to
    condense that turn in its own context."""
    idx = max((i for i, t in enumerate(history)
               if t.get("role") == "user" and not social_kind(t["content"])), default=0)
    return list(history[:idx])
