"""The "Yes"/"No" a yes/no question's answer leads with, read off the quoted words."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.service import QantarBot
from bot.settings import Settings
from bot.yesno import verdict


@pytest.mark.parametrize(("question", "quote", "said"), [
    # a negation followed, in its clause, by a word of the question
    ("Was the violence limited to Almaty?",
     "This was not limited to Almaty; several regional centers were also affected.", "No"),
    ("Were any of the Olympic venues damaged?", "None of the Olympic venues were damaged.",
     "No"),
    ("Can I play WMA songs on an iPod?",
     "IPods cannot play music files that use Microsoft's protected WMA.", "No"),
    ("did he name them? (violent)",
     "This group of individuals, though not disclosing their names, wielded influence.", "No"),
    ("Is the battery meant to be replaced by the owner?",
     "Batteries are not designed to be removed or replaced by the user.", "No"),
    # every word of the question, in its order, nothing negated or hedged
    ("Was he advised to leave it? (akorda)",
     "I was repeatedly advised to leave the residence, even to evacuate abroad.", "Yes"),
    ("Did HP sell iPods under its own brand?",
     "In 2004 HP began to sell iPods under its own brand.", "Yes"),
    # after a short lead-in
    ("Quick question: were any of the Olympic venues damaged?",
     "None of the Olympic venues were damaged.", "No"),
    ("Tell me, were any of the Olympic venues damaged?",
     "None of the Olympic venues were damaged.", "No"),
])
def test_a_quote_that_plainly_decides_gets_a_verdict(question: str, quote: str,
                                                      said: str) -> None:
    assert verdict(question, quote) == said


@pytest.mark.parametrize(("question", "quote"), [
    # an open question, not a denial
    ("Did anybody predict this quake?",
     "Experts asked whether or not the earthquake could have been predicted."),
    # the negation is about another clause
    ("Was he removed from office?", "He did not resign, but he was removed from office."),
    # "not only … but also" affirms
    ("Did the storm damage the port?", "The storm not only damaged the port but also roads."),
    # a choice, a negative question, a shifted focus: not plain yes/no questions
    ("Were the attacks coordinated or random?", "The attacks were not random."),
    ("Didn't he leave the capital?", "He did not leave the capital."),
    ("Were cities other than Almaty affected?", "This was not limited to Almaty."),
    # a wh-question is no yes/no question, nor one after a condition or a wh-word
    ("Why was the violence limited to Almaty?", "This was not limited to Almaty."),
    ("If the army came, was the violence limited to Almaty?", "This was not limited to Almaty."),
    ("Where, was it limited to Almaty?", "This was not limited to Almaty."),
    # the question's words in another order: who did what to whom may differ
    ("Did Apple sell HP-branded iPods?",
     "HP announced that it sells HP-branded iPods under a license from Apple."),
    # hedged: said as a plan or a rumour, not as a fact
    ("Did HP sell iPods?", "HP said it would sell iPods."),
    # a word of the question missing
    ("Were police stations hit as well?",
     "The damage ranged from looted stores to attacks on police stations."),
])
def test_no_verdict_unless_the_quote_plainly_decides(question: str, quote: str) -> None:
    assert verdict(question, quote) is None


@pytest.mark.parametrize(("question", "quote", "speaker", "said"), [
    # the "I" of a first-person quote is its speaker
    ("Was Tokayev advised to leave the residence?",
     "I was repeatedly advised to leave the residence.", "Tokayev", "Yes"),
    ("Did Tokayev stay in the Akorda?", "For two weeks, I stayed in the Akorda.",
     "Kassym-Jomart Tokayev", "Yes"),
    # someone else's "I", or a quote in the third person, does not stand for him
    ("Was Tokayev advised to leave the residence?",
     "I was repeatedly advised to leave the residence.", "Smith", None),
    ("Was Tokayev advised to leave the residence?",
     "The minister was advised to leave the residence.", "Tokayev", None),
])
def test_a_first_person_quote_speaks_for_its_speaker(question: str, quote: str, speaker: str,
                                                      said: str | None) -> None:
    assert verdict(question, quote, lambda: speaker) == said


def test_a_yes_no_answer_leads_with_the_verdict_its_quote_shows(fake_settings: Settings,
                                                                 tmp_path: Path) -> None:
    """End to end: the verdict goes before the cited quote that shows it; a wh-question
    about the same sentence gets none."""
    doc = tmp_path / "port.txt"
    doc.write_text(
        "The Harbour Report\n\nThe storm reached the coast on a Monday night. The old "
        "lighthouse was not damaged by the storm, although its keeper's cottage lost its roof. "
        "Fishing boats stayed in the harbour for three days.\n", encoding="utf-8")
    fake_settings.include_article = False
    fake_settings.sources = [doc]
    bot = QantarBot.from_settings(fake_settings)
    answer = bot.ask("Was the lighthouse damaged by the storm?")
    assert answer.found and answer.answer.startswith("No — ")
    assert "not damaged" in answer.citations[0].text
    answer = bot.ask("What happened to the lighthouse keeper's cottage?")
    assert not answer.answer.startswith(("No — ", "Yes — "))
