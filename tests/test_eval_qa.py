"""Every conversation of the evaluation file through the real chain (MiniLM + Chroma)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, load_conversations


def run_conversations(bot: Any, path: Path) -> list[dict[str, Any]]:
    """Ask every turn with the history carried over; record what the checks need."""
    rows = []
    for conv in load_conversations(path):
        history: list[dict[str, str]] = []
        for turn in conv["turns"]:
            answer = bot.ask(turn["q"], history)
            text = answer.answer.lower()
            records = bot.knowledge.records
            rows.append({
                "id": conv["id"], "q": turn["q"], "answer": answer,
                "answerable": turn["answerable"],
                "accurate": answer.found == turn["answerable"] and all(
                    any(s.lower() in text for s in group) for group in turn.get("expect", [])
                ),
                "cited": any(e in c.text for c in answer.citations
                             for e in turn.get("evidence", [])),
                "top_cited": bool(answer.citations) and any(
                    e in answer.citations[0].text for e in turn.get("evidence", [])),
                "forbidden": [f for f in turn.get("forbid", []) if f.lower() in text],
                "exact": all(records[c.source].text[c.start:c.end] == c.text
                             for c in answer.citations),
                "consistent": answer.is_consistent(),
            })
            history += [{"role": "user", "content": turn["q"]},
                        {"role": "assistant", "content": answer.answer}]
    return rows


def failures(rows: list[dict[str, Any]], key: str) -> list[str]:
    return [f"{r['id']}: {r['q']} -> {r['answer'].answer}" for r in rows if not r[key]]


@pytest.fixture(scope="module")
def eval_rows(real_bot: Any, qa_file: Path) -> list[dict[str, Any]]:
    return run_conversations(real_bot, qa_file)


def test_answer_accuracy(eval_rows: list[dict[str, Any]]) -> None:
    accuracy = sum(r["accurate"] for r in eval_rows) / len(eval_rows)
    assert accuracy >= 0.9, failures(eval_rows, "accurate")  # measured 0.95 (19/20)
    answerable = [r for r in eval_rows if r["answerable"]]
    # the target: answer accuracy >= 0.9 on answerable turns (measured 15/16)
    assert sum(r["accurate"] for r in answerable) / len(answerable) >= 0.9, \
        failures(answerable, "accurate")


def test_evidence_is_cited(eval_rows: list[dict[str, Any]]) -> None:
    answerable = [r for r in eval_rows if r["answerable"]]
    cited = sum(r["cited"] for r in answerable) / len(answerable)
    assert cited >= 0.9, failures(answerable, "cited")


def test_first_citation_is_the_evidence(eval_rows: list[dict[str, Any]]) -> None:
    """Gate set from the measured 15/16 on the article: [1] itself holds the evidence."""
    answerable = [r for r in eval_rows if r["answerable"]]
    precision = sum(r["top_cited"] for r in answerable) / len(answerable)
    assert precision >= 0.85, failures(answerable, "top_cited")


def test_every_unanswerable_turn_is_refused(eval_rows: list[dict[str, Any]]) -> None:
    wrong = [r["q"] for r in eval_rows if not r["answerable"] and r["answer"].found]
    assert not wrong


def test_no_forbidden_output_and_exact_consistent_citations(
    eval_rows: list[dict[str, Any]]
) -> None:
    assert not [r["forbidden"] for r in eval_rows if r["forbidden"]]
    assert all(r["exact"] for r in eval_rows)
    assert all(r["consistent"] for r in eval_rows), failures(eval_rows, "consistent")
    assert all("<img" not in r["answer"].answer for r in eval_rows)


def test_questions_phrased_differently_also_work(real_bot: Any) -> None:
    """Paraphrases, follow-ups and metadata questions written apart from the eval file."""
    rows = run_conversations(real_bot, DATA / "paraphrases.jsonl")
    accuracy = sum(r["accurate"] for r in rows) / len(rows)
    refused = [r for r in rows if not r["answerable"]]
    assert accuracy >= 0.8, failures(rows, "accurate")  # measured 0.84 (46/55)
    assert all(not r["answer"].found for r in refused), failures(refused, "accurate")
    assert all(r["exact"] and r["consistent"] for r in rows)


@pytest.mark.parametrize(("name", "min_accuracy", "min_refusal", "max_chars"), [
    ("heldout.jsonl", 0.73, 0.64, 205),
    ("blind.jsonl", 0.67, 0.75, 225),
    ("final.jsonl", 0.75, 0.85, 165),
    ("unseen.jsonl", 0.73, 0.80, 192),
])
def test_questions_written_apart_from_the_code(
    real_bot: Any, name: str, min_accuracy: float, min_refusal: float, max_chars: int
) -> None:
    """Question sets written by helpers who read only the article (paraphrases, yes/no,
    follow-ups, near-miss unanswerables). Gates set just under the measured figures in the
    README (with the learned decision: heldout 78.6% / 69.0%, blind 72.3% / 81.2%, final
    80.5% / 90.9%, unseen 68.3% / 90.9%)."""
    rows = run_conversations(real_bot, DATA / name)
    answerable = [r for r in rows if r["answerable"]]
    refused = [r for r in rows if not r["answerable"]]
    accuracy = sum(r["accurate"] for r in answerable) / len(answerable)
    refusal = sum(r["accurate"] for r in refused) / len(refused)
    assert accuracy >= min_accuracy, failures(answerable, "accurate")
    assert refusal >= min_refusal, failures(refused, "accurate")
    assert all(r["exact"] and r["consistent"] for r in rows)
    assert not [r["forbidden"] for r in rows if r["forbidden"]]
    # mean length of found answers, measured 198.8 / 217.4 / 157.3 / 183.8 (2026-12-06 night)
    said = [len(r["answer"].answer) for r in rows if r["answer"].found]
    assert sum(said) / len(said) <= max_chars


GATE_SEALED_A_ACC, GATE_SEALED_A_REF = 0.73, 0.85  # measured 75.6% / 92.9% (2026-12-08 late)
GATE_SEALED_B_ACC, GATE_SEALED_B_REF = 0.52, 0.69  # measured 57.1% / 76.9% (2026-12-05)
GATE_SEALED_C_ACC, GATE_SEALED_C_REF = 0.35, 0.77  # measured 36.0% / 88.9% (2026-12-08)
GATE_CX_ACC, GATE_CX_REF = 0.35, 0.75  # measured 39.6% / 87.5% (tests/data/docs-sealed)
GATE_SQUAD_OVERALL, GATE_SQUAD_HAS, GATE_SQUAD_NO = 0.44, 0.60, 0.27  # 0.450 / 0.629 / 0.290
GATE_DOCS_ACC, GATE_DOCS_REF = 0.51, 0.57  # measured 53.6% / 63.2% (tests/data/docs-heldout)

SEALED = {  # measured figures in the README; gates just under them
    "sealed_a.jsonl": (GATE_SEALED_A_ACC, GATE_SEALED_A_REF),
    "sealed_b.jsonl": (GATE_SEALED_B_ACC, GATE_SEALED_B_REF),
    "sealed_c.jsonl": (GATE_SEALED_C_ACC, GATE_SEALED_C_REF),
}


@pytest.mark.parametrize("name", sorted(SEALED))
def test_sealed_sets_never_read_question_by_question(real_bot: Any, name: str) -> None:
    """Three sets helpers wrote from the article alone; only their figures were ever looked
    at (the held-out check on the learned decision). Gates just under the README's figures."""
    min_accuracy, min_refusal = SEALED[name]
    rows = run_conversations(real_bot, DATA / name)
    answerable = [r for r in rows if r["answerable"]]
    refused = [r for r in rows if not r["answerable"]]
    assert sum(r["accurate"] for r in answerable) / len(answerable) >= min_accuracy
    assert sum(r["accurate"] for r in refused) / len(refused) >= min_refusal
    assert all(r["exact"] and r["consistent"] for r in rows)


@pytest.mark.slow
def test_squad_held_out_article(tmp_path: Path) -> None:
    """`bot eval --squad` on the SQuAD 2.0 article the decision was never fitted on; gates
    just under the README's figures."""
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "squad.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--squad",
         str(DATA / "external" / "squad2-complexity.json"), "--json", str(out),
         "--min-squad-overall", str(GATE_SQUAD_OVERALL),
         "--min-squad-has-answer", str(GATE_SQUAD_HAS),
         "--min-squad-no-answer", str(GATE_SQUAD_NO)],
        capture_output=True, text=True, timeout=1800,
        env={**os.environ, "QANTAR_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads(out.read_text(encoding="utf-8"))["summary"]
    assert summary["errors"] == 0 and summary["questions"] == 418


def eval_docs(tmp_path: Path, folder: str, gates: tuple[float, float], forbidden: int,
              *extra: str) -> dict[str, Any]:
    """Run `bot eval --docs` on a folder's question files in a fresh data dir, with gates;
    the summary of its --json report."""
    import json
    import os
    import subprocess
    import sys

    out = tmp_path / "docs.json"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--docs",
         *map(str, sorted((DATA / folder).glob("*.jsonl"))), *extra, "--json", str(out),
         "--min-accuracy", str(gates[0]), "--min-refusal", str(gates[1]),
         "--min-exact-offsets", "1", "--max-errors", "0", "--max-forbidden", str(forbidden)],
        capture_output=True, text=True, timeout=1800,
        env={**os.environ, "QANTAR_DATA_DIR": str(tmp_path / "data")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    ours: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))["ours"]
    return ours


@pytest.mark.slow
def test_held_out_documents(tmp_path: Path) -> None:
    """`bot eval --docs` on reader questions about six documents the decision was never
    fitted on (each indexed alone); gates just under the README's figures. One hedge
    (found false, so the refusal is right) quotes the passage with a sum of money the turn
    forbids: since 2026-12-03 money questions want a currency, and the closest passage
    with one is about another tour."""
    ours = eval_docs(tmp_path, "docs-heldout", (GATE_DOCS_ACC, GATE_DOCS_REF), 1)
    assert ours["turns"] == 247 and ours["refusal_accuracy"]["n"] == 68


@pytest.mark.slow
def test_sealed_reader_questions_about_another_document(tmp_path: Path) -> None:
    """`bot eval --docs` on reader questions a helper wrote about the SQuAD complexity
    article (never fitted on, never read question by question); gates just under the
    README's figures."""
    ours = eval_docs(tmp_path, "docs-sealed", (GATE_CX_ACC, GATE_CX_REF), 0,
                     "--docs-source", str(DATA / "external" / "squad2-complexity.json"))
    assert ours["turns"] == 64 and ours["refusal_accuracy"]["n"] == 16
