"""Chunker invariants: exact offsets on arbitrary text, sentence awareness, exclusions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.chunking import chunk_text, split_sentences
from index.cleaning import Span, analyse
from index.loading import bundled_article

ALPHABET = st.sampled_from(
    list("abcXYZ .,;:!?\n\"'") + ["“", "”", "’", "\u00a0", "–", "—", "Jan.", " Mr. ", "3,000", "…"]
)
TEXTS = st.lists(ALPHABET, max_size=400).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=TEXTS, max_chars=st.integers(80, 400))
def test_offsets_are_exact_on_arbitrary_text(text: str, max_chars: int) -> None:
    passages = chunk_text(text, "src", max_chars=max_chars, target_chars=max_chars // 2)
    last_end = 0
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert p.text == p.text.strip() and p.text
        assert p.start >= last_end
        assert len(p.text) <= max_chars
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
        last_end = p.end


@settings(max_examples=200, deadline=None)
@given(text=TEXTS)
def test_every_non_blank_character_lands_in_a_passage(text: str) -> None:
    passages = chunk_text(text, "src", max_chars=120, target_chars=60)
    covered = {i for p in passages for i in range(p.start, p.end)}
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not missing


def test_ids_are_stable_and_change_with_content() -> None:
    a = chunk_text("One sentence here. Another one there.", "s")
    b = chunk_text("One sentence here. Another one there.", "s")
    c = chunk_text("One sentence here. Another one changed.", "s")
    assert [p.chunk_id for p in a] == [p.chunk_id for p in b]
    assert a[-1].chunk_id != c[-1].chunk_id


def test_abbreviations_and_dates_do_not_end_sentences() -> None:
    text = "The protests broke out on Jan. 2, 2022, in the west. Mr. Smith agreed."
    spans = split_sentences(text, Span(0, len(text)))
    assert [text[s.start:s.end] for s in spans] == [
        "The protests broke out on Jan. 2, 2022, in the west.", "Mr. Smith agreed.",
    ]


def test_article_passages_skip_furniture_and_keep_quotes_whole() -> None:
    text = bundled_article().read_text(encoding="utf-8")
    meta = analyse(text)
    passages = chunk_text(text, "a", excluded=meta.excluded)
    joined = " ".join(p.text for p in passages)
    assert "Photo credit" not in joined and "Sign up" not in joined
    assert all(1 <= len(p.sentences) <= 3 for p in passages)
    quote = next(p for p in passages if p.text.startswith("“I have thought long"))
    assert quote.text.endswith("said Tokayev.")  # the three-sentence quotation stays whole
    for p in passages:
        assert text[p.start:p.end] == p.text


def test_article_metadata() -> None:
    text = bundled_article().read_text(encoding="utf-8")
    meta = analyse(text)
    assert meta.title.startswith("President Tokayev on January Events")
    assert meta.dateline == "ASTANA"
    assert meta.publisher == "The Astana Times"
    assert meta.publisher_span is not None
    assert text[meta.publisher_span.start:meta.publisher_span.end] == "The Astana Times"


ARTICLE_SHA256 = "fb87de42c26ca89ad57ad91fc4022761c4edc2999e1e3fbd25321ce2cfc89b0b"


def test_shipped_article_is_byte_identical_to_seed() -> None:
    import hashlib

    assert bundled_article().name == "000_c9bc238431e5e5e8.txt"
    assert hashlib.sha256(bundled_article().read_bytes()).hexdigest() == ARTICLE_SHA256


def test_a_markdown_heading_titles_the_document_without_its_marker() -> None:
    text = "# Budget notes\n\nThe council approved a **$2.1 million** budget.\n"
    meta = analyse(text)
    assert meta.title == "Budget notes" and meta.title_span is not None
    assert text[meta.title_span.start:meta.title_span.end] == "Budget notes"
    assert meta.excluded == [Span(0, len("# Budget notes"))]  # not a passage either
