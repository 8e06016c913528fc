""""Tell me more": the documents' next sentences, cited exactly, instead of the same quote."""

from __future__ import annotations

from typing import Any

import pytest

from bot.contract import Answer
from bot.more import continuation, wants_more, wants_source
from bot.service import QantarBot
from bot.settings import Settings


@pytest.fixture
def fake_bot(fake_settings: Settings) -> QantarBot:
    return QantarBot.from_settings(fake_settings)


@pytest.mark.parametrize("message", [
    "Tell me more", "tell me more!", "Ok, tell me more about that.", "more please",
    "Can you tell me a bit more?", "go on", "Continue.", "keep going", "and then?",
    "what else?", "Anything else?", "What else does the article say?", "elaborate",
    "Could you elaborate on that?", "What happened next?", "more details", "Thanks, go on",
])
def test_requests_to_continue_are_recognised(message: str) -> None:
    assert wants_more(message)


@pytest.mark.parametrize("message", [
    "Tell me more about the damage", "What else did he express concern about?",
    "what else did they hit?", "Which fuel got more expensive?", "more weapons?",
    "did tokaev go on tv during the unrest?", "When are the next elections?", "thanks", "",
])
def test_questions_that_say_what_they_ask_are_not_continuations(message: str) -> None:
    assert not wants_more(message)


def _reply_quoting(knowledge: Any, source: str, span: tuple[int, int]) -> list[dict[str, str]]:
    """A conversation whose last answer quoted ``span`` (as the contract remembers it)."""
    text = knowledge.records[source].text[span[0]:span[1]]
    answer = Answer(answer=f"Yes — {text} [1]", found=True, status="answered", confidence=0.9,
                    citations=[])
    return [{"role": "user", "content": "What happened?"},
            {"role": "assistant", "content": answer.remembered()}]


def test_the_continuation_quotes_the_sentences_after_the_last_quote(knowledge: Any) -> None:
    source, record = next(iter(knowledge.records.items()))
    sentences = sorted(set(knowledge.sentences_of(source)))
    history = _reply_quoting(knowledge, source, sentences[3])
    draft = continuation("Tell me more", history, knowledge)
    assert draft is not None and draft.found and draft.status == "answered"
    (quote,) = draft.quotes
    assert quote.source == source and quote.start == sentences[4][0]
    assert quote.end in {b for _, b in sentences}
    assert quote.end == sentences[4][1] or quote.end - quote.start <= 300
    assert draft.template.startswith("Next, the article says:")
    assert continuation("When did it start?", history, knowledge) is None


def test_at_the_end_of_a_document_the_sentences_before_are_quoted(knowledge: Any) -> None:
    source, _ = next(iter(knowledge.records.items()))
    sentences = sorted(set(knowledge.sentences_of(source)))
    draft = continuation("go on", _reply_quoting(knowledge, source, sentences[-1]), knowledge)
    assert draft is not None and draft.found
    assert draft.quotes[0].end == sentences[-2][1]
    assert draft.template.startswith("Just before that, the article says:")


def test_reading_on_to_the_end_says_so_instead_of_going_back(knowledge: Any) -> None:
    """ "go on" after a continuation that reached the end would otherwise quote the
    sentences before it: what the reader has just read."""
    source, _ = next(iter(knowledge.records.items()))
    sentences = sorted(set(knowledge.sentences_of(source)))
    history = _reply_quoting(knowledge, source, sentences[-2])
    draft = continuation("tell me more", history, knowledge)
    assert draft is not None and draft.quotes[0].end == sentences[-1][1]
    text = knowledge.records[source].text[draft.quotes[0].start:draft.quotes[0].end]
    reply = Answer(answer=draft.template.replace("{0}", "[1]"), found=True, status="answered",
                   confidence=1.0, citations=[])
    history += [{"role": "user", "content": "tell me more"},
                {"role": "assistant", "content": f"{text} {reply.answer}"}]
    end = continuation("go on", history, knowledge)
    assert end is not None and not end.found and end.quotes == []
    assert end.template.startswith("That is where the article ends")


def test_with_nothing_quoted_yet_the_reply_says_what_to_ask(knowledge: Any) -> None:
    """After a refusal or as a first message there is no passage to read on from: the
    reply says so and quotes nothing (searching for "go on" would quote any passage)."""
    refused = [{"role": "user", "content": "Who is the mayor of Riverside?"},
               {"role": "assistant", "content": "The article does not say."}]
    for history in (refused, []):
        draft = continuation("go on", history, knowledge)
        assert draft is not None and not draft.found and draft.status == "not_found"
        assert draft.quotes == [] and "ask a question about the" in draft.template


def test_a_quote_running_into_the_answer_is_still_found(knowledge: Any) -> None:
    """A remembered answer puts its citations' text before the answer; a citation that
    ends without quotation marks runs on into it and is found sentence by sentence."""
    source, record = next(iter(knowledge.records.items()))
    (a, b), (c, d) = sorted(set(knowledge.sentences_of(source)))[5:7]
    message = f"{record.text[a:b]} Next, it says: {record.text[c:d]} [1]."
    assert (source, a, b) in knowledge.quoted_spans(message, loose=True)
    assert (source, a, b) not in knowledge.quoted_spans(message)


def test_asking_for_more_reads_on_through_the_bot(fake_bot: QantarBot) -> None:
    """Each "more" cites text after the last one, with exact offsets; streaming gives the
    same final answer as ``ask``."""
    first = fake_bot.ask("How many weapons were seized?")
    history = [{"role": "user", "content": "How many weapons were seized?"},
               {"role": "assistant", "content": first.remembered()}]
    ends = [first.citations[0].end]
    for _ in range(2):
        more = fake_bot.ask("Tell me more", history)
        assert more.found and more.is_consistent() and len(more.citations) == 1
        cited = more.citations[0]
        record = fake_bot.knowledge.records[cited.source]
        assert record.text[cited.start:cited.end] == cited.text
        assert cited.start >= ends[-1], (ends, cited)
        streamed = list(fake_bot.events("Tell me more", history))[-1]
        assert isinstance(streamed, Answer) and streamed.answer == more.answer
        ends.append(cited.end)
        history += [{"role": "user", "content": "Tell me more"},
                    {"role": "assistant", "content": more.remembered()}]


def test_an_answer_shown_without_the_sources_quotation_marks_is_found(knowledge: Any) -> None:
    """An API client's history holds only the answer text, whose quotes lost the source's
    unbalanced quotation marks ("…affected, said Tokayev" for "…affected,” said Tokayev")."""
    source, record = next(iter(knowledge.records.items()))
    a, b = next((a, b) for a, b in sorted(set(knowledge.sentences_of(source)))
                if "”" in record.text[a + 1:b - 2])
    shown = record.text[a:b].replace("“", "").replace("”", "")
    spans = knowledge.quoted_spans(f"Over 3,000 — {shown} [1].", loose=True)
    assert spans and spans[0][0] == source and a <= spans[0][1] and spans[0][2] <= b
    assert spans[0][2] - spans[0][1] >= len(shown) - 5


@pytest.mark.parametrize(("message", "expected"), [
    ("where does it say that?", True), ("Where does the article say so?", True),
    ("source?", True), ("What's your source?", True), ("repeat that", True),
    ("Can you say that again please", True), ("how do you know?", True),
    ("which paragraph says that?", True), ("show me the passage", True),
    ("Where did he say that?", False), ("where did the protests start?", False),
    ("What is the source of the unrest?", False), ("tell me more", False),
])
def test_requests_for_the_source_are_recognised(message: str, expected: bool) -> None:
    assert wants_source(message) is expected


def test_where_does_it_say_that_quotes_the_last_answers_passages_again(
        fake_bot: QantarBot) -> None:
    """The same spans the answer cited, each once (a quote found in pieces is joined),
    with exact offsets; after a refusal there is nothing to show."""
    first = fake_bot.ask("How many weapons were seized?")
    assert first.found and first.citations
    history = [{"role": "user", "content": "How many weapons were seized?"},
               {"role": "assistant", "content": first.remembered()}]
    again = fake_bot.ask("where does it say that?", history)
    assert again.found and again.is_consistent()
    assert again.answer.startswith("The article says it here:") or \
        again.answer.startswith("The document says it here:")
    assert [(c.source, c.start, c.end) for c in again.citations] == \
        [(c.source, c.start, c.end) for c in first.citations]
    # an API client that keeps only the answer text gets the words that text quoted
    # (the clause a value answer shows, inside the sentence its citation holds)
    bare = [history[0], {"role": "assistant", "content": first.answer}]
    shown = fake_bot.ask("source?", bare)
    assert shown.citations and all(
        any(c.start <= s.start and s.end <= c.end for c in first.citations)
        for s in shown.citations)
    refused = [{"role": "user", "content": "Who is the mayor of Riverside?"},
               {"role": "assistant", "content": "The article does not say."}]
    none = fake_bot.ask("source?", refused)
    assert not none.found and none.citations == [] and none.status == "not_found"


def test_every_passage_of_the_last_answer_is_shown_again(knowledge: Any) -> None:
    source, record = next(iter(knowledge.records.items()))
    sentences = sorted(set(knowledge.sentences_of(source)))
    first, second = sentences[1], sentences[5]
    reply = " ".join(record.text[a:b] for a, b in (first, second))
    history = [{"role": "user", "content": "What happened?"},
               {"role": "assistant", "content": reply}]
    draft = continuation("where does the article say that?", history, knowledge)
    assert draft is not None and draft.found
    assert [(q.start, q.end) for q in draft.quotes] == [first, second]
