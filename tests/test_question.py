"""Question analysis: answer kinds, counted nouns, spelling variants, related words."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import pytest
from langchain_core.embeddings import Embeddings

from bot.lexical import BM25Index
from bot.question import (
    Kind,
    Question,
    focus_question,
    has_value,
    normal_case,
    social_kind,
    split_questions,
)
from bot.related import RelatedWords
from bot.short import short_value
from bot.text import stem

if TYPE_CHECKING:
    from bot.service import QantarBot

SEIZED = ("said Tokayev, noting that over 3,000 weapons were seized, including rifles, "
          "machine guns, and grenade launchers.")


@pytest.mark.parametrize(("question", "counted", "answers"), [
    ("How many weapons got seized?", ("weapon",), True),
    ("How many grenade launchers were seized?", ("grenad", "launcher"), False),
    ("How many police stations were attacked?", ("polic", "station"), False),
])
def test_how_many_needs_a_number_about_what_is_counted(
    question: str, counted: tuple[str, ...], answers: bool
) -> None:
    q = Question.parse(question)
    assert q.kind is Kind.NUMBER and q.counted == counted
    assert has_value(q, SEIZED) is answers


def test_a_who_question_needs_a_name_it_did_not_ask_about() -> None:
    """Title case in the question ("To Kill a Mockingbird") is no person the answer names."""
    q = Question.parse("Who wrote To Kill a Mockingbird?")
    assert q.kind is Kind.PERSON
    assert not has_value(q, "To Kill a Mockingbird was published in 1960.")
    assert has_value(q, "To Kill a Mockingbird is a novel by Harper Lee.")


def test_how_many_counts_words_close_in_meaning_too() -> None:
    """"How many guns…?" is answered by "over 3,000 weapons" when the documents relate
    "weapons" to "guns" (``Question.related``, from MiniLM at run time)."""
    q = Question.parse("How many guns did they grab?")
    assert q.counted == ("gun",) and not has_value(q, SEIZED.replace("machine guns", "more"))
    related = replace(q, related={"gun": frozenset({"weapon", "rifl"})})
    assert related.counted_or_related() == ("gun", "rifl", "weapon")
    assert has_value(related, SEIZED)
    assert short_value(related, SEIZED) == "Over 3,000 weapons"


def test_how_much_without_a_noun_takes_any_number_and_age_needs_years_old() -> None:
    assert Question.parse("How much did the gas price rise?").counted is None
    assert has_value(Question.parse("How much did it rise?"), "a double spike in price")
    old = Question.parse("How old is Tokayev?")
    assert not has_value(old, SEIZED)
    assert has_value(old, "Tokayev, 69 years old, said")


def test_several_is_no_count_when_the_sentence_gives_one() -> None:
    """ "how many?" names nothing counted; "several regional centers" comes first, but the
    count the sentence gives is the answer."""
    sentence = ("This was not limited to Almaty; several regional centers were also affected, "
                "said Tokayev, noting that over 3,000 weapons were seized.")
    assert short_value(Question.parse("how many? (weapons unrest)"), sentence) == "Over 3,000"
    assert short_value(Question.parse("how many?"), "Several centers were hit.") == "Several"


@pytest.mark.parametrize(("question", "subject"), [
    ("What does Qantar mean?", "qantar"),
    ("What does the word Qantar mean?", "qantar"),
    ("What is the Akorda?", "akorda"),
])
def test_definition_subject(question: str, subject: str) -> None:
    q = Question.parse(question)
    assert q.kind is Kind.DEFINITION and q.subject == subject


@pytest.mark.parametrize("question", ["What is the name of the president?",
                                      "What is the president's full name?"])
def test_asking_for_a_name_asks_for_a_name(question: str) -> None:
    q = Question.parse(question)
    assert q.kind is Kind.NAME and q.terms == ("presid",)
    assert has_value(q, "President Kassym-Jomart Tokayev said") and not has_value(q, SEIZED)


def test_british_spelling_stems_like_american() -> None:
    assert stem("destabilise") == stem("destabilizing")
    assert stem("organisation") == stem("organization")
    assert stem("advised") == stem("advise") != stem("adviz")  # short stems untouched


class WordVectors(Embeddings):
    """A fake embedder with hand-set word vectors: near-synonyms point the same way."""

    VECTORS = {"arms": [1.0, 0.1, 0.0], "weapons": [0.9, 0.2, 0.0],
               "stolen": [0.0, 1.0, 0.0], "police": [0.0, 0.0, 1.0]}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.VECTORS.get(t, [0.3, 0.3, 0.3]) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_related_words_come_from_the_documents_by_meaning() -> None:
    related = RelatedWords(["Weapons were stolen from the police."], WordVectors())
    found = related.lookup(["arms", "police", "the"])
    assert found[stem("arms")] == {stem("weapons")}  # close in meaning, in the documents
    assert stem("police") not in found[stem("police")]  # never itself
    assert "the" not in found  # stop words are not looked up


def test_closest_document_word_by_meaning() -> None:
    """What a follow-up carries in place of a word the documents never use."""
    related = RelatedWords(["Weapons were stolen from the police."], WordVectors())
    assert related.closest("arms") == "weapons"
    assert related.closest("police") is None  # nothing close but itself


def test_related_words_do_not_depend_on_what_was_asked_before() -> None:
    """Two spellings of a word the documents lack ("arm", "arms") share a stem but are
    embedded as asked: asking one first must not change what the other finds."""
    class Spellings(WordVectors):
        VECTORS = {**WordVectors.VECTORS, "arm": [0.0, 0.0, 1.0]}

    texts = ["Weapons were stolen from the police."]
    fresh = RelatedWords(texts, Spellings()).lookup(["arms"])
    used = RelatedWords(texts, Spellings())
    used.lookup(["arm"])
    assert used.lookup(["arms"]) == fresh and fresh[stem("arms")] == {stem("weapons")}


def test_vocabulary_prefix_lookup() -> None:
    index = BM25Index(["violent seizure of power", "violet flowers", "a vial"])
    assert index.with_prefix("viol") == ["violent", "violet"]
    assert index.with_prefix("zz") == []


def test_a_cause_is_what_comes_before_a_causing_verb_or_after_because() -> None:
    why = Question.parse("What triggered the protests?")
    assert why.kind is Kind.REASON
    assert has_value(why, "The protests broke out after a double spike in price.")
    assert has_value(why, "A double spike in price triggered the protests.")
    assert not has_value(why, "The protests triggered a chain of reaction.")
    assert has_value(why, "The protests were triggered by a price spike.")


def test_causal_verbs_of_a_why_question_frame_it_and_are_not_evidence() -> None:
    assert Question.parse("What triggered the protests in Mangystau?").terms == (
        "protest", "mangystau")


def test_a_part_of_a_whole_needs_more_than_the_whole() -> None:
    part = Question.parse("How many of the seized weapons have been recovered since?")
    assert part.partitive and not has_value(part, SEIZED)
    assert has_value(part, "Of the 3,000 weapons seized, 2,500 have been returned.")
    assert has_value(part, "Half of the weapons seized were returned.")
    assert not Question.parse("How many weapons were seized?").partitive


def test_set_phrases_carry_no_evidence() -> None:
    q = Question.parse("What set off the protests in the first place?")
    assert q.kind is Kind.REASON and q.terms == ("protest",)


@pytest.mark.parametrize("text", ["What set them off in Mangystau?",
                                  "What touched off the riots in Mangystau?"])
def test_a_cause_verb_split_by_its_object_asks_why(text: str) -> None:
    """"What set them off?" asks for a cause as "What set off the protests?" does (the
    object may sit inside the phrasal verb); the verb is not evidence to find."""
    q = Question.parse(text)
    assert q.kind is Kind.REASON and q.terms[-1] == "mangystau"
    assert not {"set", "touch"} & set(q.terms)
    assert Question.parse("What set the price of gas?").kind is not Kind.REASON


@pytest.mark.parametrize("text", [
    "What were the underlying causes according to the president?",
    "What was the reason that many rescue teams could not join the relief efforts?",
    "For what reason would solar energy be used in a pond?",
    "Besides power disruption, what caused telecommunications to be suspended?",
    "What was his motive?",
])
def test_a_question_naming_a_cause_or_reason_asks_why(text: str) -> None:
    """"What were the causes?" asks what "why?" asks: a sentence stating a cause answers
    it, not one that repeats the word "causes"; the word itself is no evidence."""
    q = Question.parse(text)
    assert q.kind is Kind.REASON
    assert not {"caus", "reason", "motiv"} & set(q.terms)
    assert Question.parse("What did the damaged roadways cause?").kind is not Kind.REASON


def test_state_is_a_noun_to_find_and_stated_frames_the_question() -> None:
    """"State" names things ("the Empire State Building", "state institutions"); only
    "stated" frames a question ("What is stated as…?")."""
    assert "state" in Question.parse("When was the Empire State Building built?").terms
    assert "state" in Question.parse("What lesson about state institutions?").terms
    assert "state" not in Question.parse("What is stated as the cause of the fire?").terms


@pytest.mark.parametrize(("text", "kept"), [
    ("did he say who the conspirators were by name", True),
    ("Did Tokayev name the people he blames?", True),
    ("What is the name of the newspaper?", False),
    ("What did Beyonce name her daughter?", False),
])
def test_name_is_evidence_when_the_question_asks_whether_names_were_given(
        text: str, kept: bool) -> None:
    """"Did he name them?" is answered by "though not disclosing their names": there
    "name" is what to find, while "what is the name of…?" asks for one."""
    assert ("name" in Question.parse(text).terms) is kept


def test_speaker_of_a_quoted_sentence() -> None:
    from bot.answerers.extractive import speaker_of

    text = ("Intro by Tokayev.\n\n“Problems piled up. It was evident,” said Tokayev.\n\n"
            "“We stayed,” he explained.\n\nNobody spoke here.")
    people = frozenset({"Tokayev", "Nazarbayev"})
    first = text.index("Problems")
    assert speaker_of(text, first, first + 17, people) == "Tokayev"
    stayed = text.index("We stayed")
    assert speaker_of(text, stayed, stayed + 10, people) == "Tokayev"  # named last before
    nobody = text.index("Nobody")
    assert speaker_of(text, nobody, len(text), people) == ""
    assert speaker_of(text, 0, 17, people) == ""  # the sentence names him itself


def test_a_parenthetical_gloss_is_not_a_place() -> None:
    where = Question.parse("Where did the protests start?")
    assert not has_value(where, "Qantar (January in Kazakh) refers to the protests of Jan. 2,")
    assert has_value(where, "the protests that broke out in Mangystau Region")


def test_which_noun_questions_name_their_answer_type() -> None:
    assert Question.parse("Which newspaper interviewed Tokayev?").head == "newspap"
    assert Question.parse("What does Qantar mean?").head is None


@pytest.mark.parametrize(("question", "kind"), [
    ("Did Tokayev agree to evacuate abroad when he was advised to?", Kind.OTHER),
    ("And when was that?", Kind.DATE),
    ("Do you know when the protests began?", Kind.DATE),
    ("Is Mangystau where the protests began?", Kind.OTHER),
    ("From where did they spread?", Kind.PLACE),
])
def test_when_and_where_ask_only_where_they_open_a_question(question: str, kind: Kind) -> None:
    assert Question.parse(question).kind is kind


def test_one_edit() -> None:
    from bot.text import one_edit

    assert one_edit("protet", "protest") and one_edit("protset", "protest")
    assert one_edit("weapn", "weapon") and not one_edit("weapon", "weapon")
    assert not one_edit("abcdef", "abcxyz")


@pytest.mark.parametrize(("typed", "read"), [
    ("WHEN DID THE PROTESTS BREAK OUT?", "When did the protests break out?"),
    ("When Did The Protests Break Out?", "When did the protests break out?"),
    ('  "HOW MANY WEAPONS WERE SEIZED?"', '  "How many weapons were seized?"'),
    ("Did Tokayev meet Putin in Moscow?", "Did Tokayev meet Putin in Moscow?"),  # names kept
    ("What did President Kassym-Jomart Tokayev say?",
     "What did President Kassym-Jomart Tokayev say?"),
    ("What does LPG stand for?", "What does LPG stand for?"),  # an acronym is not shouting
    ("Who Is Tokayev?", "Who Is Tokayev?"),  # too short to tell title case from names
    ("OK THEN", "OK THEN"),
])
def test_capitals_throughout_are_lowered_and_ordinary_casing_kept(typed: str, read: str
                                                                  ) -> None:
    assert normal_case(typed) == read


@pytest.mark.parametrize("typed", ["WHEN DID THE PROTESTS BREAK OUT?",
                                   "When Did The Protests Break Out?",
                                   "HOW LONG DID TOKAYEV STAY IN THE AKORDA?"])
def test_a_question_in_capitals_is_answered_like_one_typed_normally(real_bot: QantarBot,
                                                                    typed: str) -> None:
    """Capitals mark names: typed throughout, they made the question a run of names the
    article never mentions, and it was refused as off-topic."""
    plain = real_bot.ask(typed[:1] + typed[1:].lower())
    shouted = real_bot.ask(typed)
    assert plain.status == "answered" and plain.found
    assert (shouted.status, shouted.answer) == (plain.status, plain.answer)
    assert [(c.start, c.end) for c in shouted.citations] == [
        (c.start, c.end) for c in plain.citations]


@pytest.mark.parametrize(("message", "kind"), [
    ("thanks!", "thanks"), ("Thank you so much :)", "thanks"), ("Hi there!", "greeting"),
    ("Good morning", "greeting"), ("bye", "farewell"), ("ok, thanks, bye", "farewell"),
    ("Hello and thanks", "thanks"), ("ok great", "ack"),
    ("hi, when did it start?", None), ("thanks for the answer about the gas price", None),
    ("ok so how many weapons?", None), ("Who said thanks?", None), ("Great Wall?", None),
    ("later?", None), ("and", None), ("👍", None),
])
def test_a_message_that_only_greets_thanks_or_takes_leave(message: str, kind: str | None
                                                          ) -> None:
    assert social_kind(message) == kind


@pytest.mark.parametrize(("message", "parts"), [
    ("When did the protests break out? How many weapons were seized?",
     ["When did the protests break out?", "How many weapons were seized?"]),
    ("When did the protests break out and how many weapons were seized?",
     ["When did the protests break out?", "How many weapons were seized?"]),
    ("Did he stay and did he fight?", ["Did he stay?", "Did he fight?"]),
    # one question, or parts that lean on each other, stay whole
    ("When did the protests break out and where?", None),
    ("What did he say and do?", None),
    ("Who attacked and why?", None),
    ("When did it start? Why?", None),
    ("Hi! How long did he stay?", None),
    ("A? B? C? D?", None),
    ("Who did Mr. White meet? Where did Dr. Swann work?",
     ["Who did Mr. White meet?", "Where did Dr. Swann work?"]),
])
def test_a_message_asking_several_questions_is_split(message: str, parts: list[str] | None
                                                     ) -> None:
    assert split_questions(message) == (parts or [message])


@pytest.mark.parametrize("question", [
    "Who travels to Australia to find Mr. White?",
    "What happened on Jan. 2?",
    "When did the U.S. join the coalition?",
    "What did Dr. Smith say about St. Louis?",
    "Who is J. K. Rowling?",
    "How has L.A. Reid described her?",
    "When was Op. 74 published?",
])
def test_an_abbreviation_does_not_end_the_question(question: str) -> None:
    """A full stop after "Mr", "Jan" or an initial ends no sentence: the question is asked
    whole, not as its last words ("White?", "2?")."""
    assert focus_question(question) == question
    assert focus_question(f"Hello. {question}") == question
    assert split_questions(question) == [question]
