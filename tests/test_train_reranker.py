"""Pairs the answer cross-encoder is trained on: the swapped negatives (no torch needed)."""

from __future__ import annotations

import random

from bot.learn.train_reranker import Pair, add_swaps, swap_pool, swapped_question

ARTICLE = ("Chopin left Warsaw in 1830 and settled in Paris. George Sand met him in 1836. "
           "He gave 30 concerts in London and Vienna and wrote 21 nocturnes.")


def test_a_name_the_sentence_holds_is_swapped_for_another_of_the_article() -> None:
    pool = swap_pool(ARTICLE)
    sentence = "Chopin left Warsaw in 1830 and settled in Paris."
    swapped = swapped_question("When did Chopin leave Warsaw?", sentence, pool,
                               random.Random(1))
    assert swapped is not None and swapped != "When did Chopin leave Warsaw?"
    kept = {"Chopin", "Warsaw"} & set(swapped.rstrip("?").split())
    assert len(kept) == 1  # one name swapped, for one the sentence does not hold
    new = swapped.rstrip("?").replace("When did ", "").replace(" leave", "").split()
    assert any(word not in sentence for word in new)


def test_a_year_is_swapped_for_a_year_and_a_count_for_a_count() -> None:
    pool = swap_pool(ARTICLE)
    year = swapped_question("What happened in 1830?", "Chopin left Warsaw in 1830.", pool,
                            random.Random(0))
    count = swapped_question("Where did he give 30 concerts?",
                             "He gave 30 concerts in London and Vienna.", pool,
                             random.Random(0))
    assert year == "What happened in 1836?"
    assert count == "Where did he give 21 concerts?"


def test_nothing_to_swap_gives_no_question() -> None:
    pool = swap_pool(ARTICLE)
    assert swapped_question("what did he do next?", "He gave 30 concerts.", pool,
                            random.Random(0)) is None


def test_swaps_are_negatives_of_the_gold_sentence() -> None:
    data = {"data": [{"title": "Chopin", "paragraphs": [{"context": ARTICLE, "qas": []}]}]}
    gold = Pair("When did Chopin settle in Paris?",
                "Chopin left Warsaw in 1830 and settled in Paris.", 1, "Chopin", "q1",
                "positive")
    out = add_swaps([gold], data, seed=3)
    assert out[0] == gold and len(out) == 2
    assert out[1].label == 0 and out[1].kind == "swapped" and out[1].sentence == gold.sentence
    assert out[1].question != gold.question
