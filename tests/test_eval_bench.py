"""``bot eval`` and ``bot bench``: metric helpers, in-process runs (fake embeddings) and
end-to-end runs of ``python -m bot eval|bench`` (real MiniLM)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.contract import Answer, Citation
from bot.evaluation import baseline, bench, evaluate, synthetic

REPO = Path(__file__).resolve().parents[1]
SOURCE = "Intro line.\nThe conspirators \u201cexploited\u201d peaceful protests in January.\n"


def parse(module: ModuleType, argv: list[str]) -> argparse.Namespace:
    """Arguments as ``bot.cli`` builds them: common flags plus the module's own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true")
    module.add_arguments(parser)
    return parser.parse_args(argv)


def citation(text: str, start: int, n: int = 1, source: str = "a.txt") -> Citation:
    return Citation(n=n, chunk_id="c", source=source, title="t", text=text, start=start,
                    end=start + len(text), score=1.0)


# --- helpers ---------------------------------------------------------------------------------
def test_default_qa_file_is_found_and_parsed() -> None:
    path = evaluate.default_qa_path()
    conversations = evaluate.load_qa(path)
    assert path.exists() and len(conversations) >= 10
    assert any(len(c.turns) > 1 for c in conversations)  # follow-ups are carried
    assert any(not t.answerable for c in conversations for t in c.turns)
    assert (REPO / "tests" / "data" / "qa.jsonl").exists()  # CI machines lack ../shared


def test_evidence_matching_tolerates_case_quotes_and_whitespace() -> None:
    assert evaluate.holds(SOURCE, ['EXPLOITED" peaceful   protests'])
    assert not evaluate.holds(SOURCE, ["peaceful riots"])
    spans = evaluate.evidence_spans(SOURCE, ["peaceful protests"])
    assert [SOURCE[s:e] for s, e in spans] == ["peaceful protests"]
    assert evaluate.overlaps(spans[0][0] - 3, spans[0][0] + 1, spans)
    assert not evaluate.overlaps(0, 5, spans)


def test_expect_groups_and_percentile() -> None:
    assert evaluate.expect_met("It doubled [1].", [["doubl", "spike"]]) == []
    assert evaluate.expect_met("It rose.", [["doubl"], ["rose"]]) == [["doubl"]]
    assert evaluate.percentile([], 50) is None
    assert evaluate.percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert evaluate.percentile([5.0], 95) == 5.0


def test_score_answer_checks_evidence_offsets_and_forbidden_output() -> None:
    turn = evaluate.Turn(q="q", answerable=True, expect=[["exploited"]],
                         evidence=["peaceful protests"], forbid=["<img"])
    start = SOURCE.index("The conspirators")
    good = citation("The conspirators \u201cexploited\u201d peaceful", start)  # overlaps evidence
    bad = citation("wrong text", 0, n=2)
    answer = Answer(answer="They exploited them [1] [2] <img", found=True, citations=[good, bad])
    result = evaluate.TurnResult("c1", 1, "q", True, True)
    evaluate.score_answer(result, turn, answer, {"a.txt": SOURCE})
    assert result.accurate is True and result.evidence_cited is True
    assert result.top_cited is True and result.bad_offsets == 1
    assert result.forbidden == ["<img"]
    assert "1 citation(s) with wrong offsets" in "; ".join(result.failures())


def test_gates_turn_thresholds_into_violations() -> None:
    report = {"ours": {"answer_accuracy": {"value": 0.8, "hits": 8, "n": 10},
                       "forbidden_outputs": 1, "mrr": None}}
    args = parse(evaluate, ["--min-accuracy", "0.9", "--max-forbidden", "0", "--min-mrr", "0.5"])
    violations = evaluate.check_gates(report, args)
    assert len(violations) == 2 and "answer_accuracy" in violations[0]
    assert evaluate.check_gates(report, parse(evaluate, ["--min-accuracy", "0.8"])) == []


def test_synthetic_corpus_is_deterministic_and_sized() -> None:
    first = synthetic.CorpusGenerator(seed=3).document(0, 5).text
    assert first == synthetic.CorpusGenerator(seed=3).document(0, 5).text
    assert first != synthetic.CorpusGenerator(seed=4).document(0, 5).text
    raws, texts = bench.synthetic_sources(150, seed=3)
    assert 150 <= len(texts) <= 155 and len(set(texts)) == len(texts)
    question = synthetic.CorpusGenerator(seed=1).question(texts[0])
    assert question.endswith("?")


def test_tutorial_baseline_offsets_point_into_the_source() -> None:
    from index.embedding import FakeEmbeddings

    text = " ".join(f"Sentence number {i} about the budget." for i in range(120))
    tutorial = baseline.TutorialBaseline({"doc.txt": text}, FakeEmbeddings(size=16))
    chunks = tutorial.retrieve("budget")
    assert len(chunks) == baseline.TOP_K
    assert all(text[c.start:c.end] == c.text and len(c.text) <= 1000 for c in chunks)


def test_cli_registers_eval_and_bench() -> None:
    from bot.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["eval", "--min-accuracy", "0.9", "--no-baseline"])
    assert args.min_accuracy == 0.9 and args.baseline is False
    args = parser.parse_args(["bench", "--scale", "1000,10000", "--chroma-server"])
    assert args.scale == [1000, 10000] and args.chroma_server


# --- in-process runs with the fake embedder ---------------------------------------------------
def test_eval_run_writes_reports_and_gates(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QANTAR_EMBEDDINGS", "fake")
    out, md = tmp_path / "eval.json", tmp_path / "eval.md"
    argv = ["--data-dir", str(tmp_path / "d"), "--json", str(out), "--markdown", str(md),
            "--max-errors", "0", "--min-exact-offsets", "1"]
    assert evaluate.run(parse(evaluate, argv)) == 0
    report = json.loads(out.read_text())
    assert report["ours"]["errors"] == 0 and report["baseline"]["k"] == baseline.TOP_K
    assert len(report["turns"]) == sum(len(c.turns) for c in evaluate.load_qa(
        evaluate.default_qa_path()))
    for turn in report["turns"]:  # each row says how the bot decided, for threshold studies
        assert turn["status"] in ("answered", "closest", "not_found"), turn
        assert 0.0 <= turn["confidence"] <= 1.0 and turn["found"] == (turn["status"] == "answered")
    assert "| answer accuracy |" in md.read_text()
    assert evaluate.run(parse(evaluate, [*argv, "--min-accuracy", "1.01"])) == 1


def test_bench_run_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QANTAR_EMBEDDINGS", "fake")
    out = tmp_path / "bench.json"
    argv = ["--data-dir", str(tmp_path / "d"), "--cache-dir", str(tmp_path / "cache"),
            "--json", str(out), "--plots", str(tmp_path / "plots"), "--scale", "60",
            "--cold-runs", "1", "--rounds", "1", "--queries", "5", "--no-api"]
    assert bench.run(parse(bench, argv)) == 0
    report = json.loads(out.read_text())
    article = report["article"]
    assert article["cold_start_s"] > 0 and article["answer_ms"]["n"] > 0
    assert article["passages"] > 0 and article["peak_rss_mb"] > 0
    (scale,) = report["scale"]
    assert scale["backend"] == "embedded" and scale["n"] >= 60
    assert 0 < scale["embed_share"] <= 1 and scale["query_ms"]["p95"] > 0
    assert (tmp_path / "plots" / "bench-latency.png").stat().st_size > 0


def test_api_latency_reports_a_reason_instead_of_crashing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "app", None)  # import app -> ImportError
    result = bench.api_latency(None, None, ["q"])
    assert result["api_ms"] is None and "app" in result["api_error"]


# --- end to end through the CLI, real model ----------------------------------------------------
def run_cli(*argv: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_eval_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "eval.json"
    # Gates set just under what the extractive default measures on the evaluation file
    # (README): recall 1.0, MRR 0.79, accuracy 1.0, evidence 1.0, top citation 0.94.
    done = run_cli("eval", "--data-dir", str(tmp_path / "d"), "--json", str(out),
                   "--max-errors", "0", "--min-exact-offsets", "1", "--max-forbidden", "0",
                   "--min-recall", "0.9", "--min-mrr", "0.7", "--min-accuracy", "0.85",
                   "--min-evidence", "0.9", "--min-top-precision", "0.85",
                   "--min-refusal", "1")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tutorial baseline" in done.stdout and "answer accuracy" in done.stdout
    report: dict[str, Any] = json.loads(out.read_text())
    ours, base = report["ours"], report["baseline"]
    assert ours["recall_at_k"]["n"] > 0 and ours["latency_ms"]["p50"] > 0
    # The point of the design: far less text to check than the tutorial's 4 big chunks.
    assert ours["mean_cited_chars"] < base["mean_cited_chars"] / 4
    assert 0 < ours["mean_answer_chars"] < base["mean_answer_chars"] / 2


@pytest.mark.slow
def test_bench_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = run_cli("bench", "--data-dir", str(tmp_path / "d"), "--json", str(out),
                   "--scale", "200", "--chroma-server", "--cold-runs", "1", "--rounds", "1",
                   "--queries", "20", "--plots", str(tmp_path / "plots"))
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    article = report["article"]
    assert article["cold_start_s"] > 0 and article["answer_ms"]["p95"] > 0
    assert article["api_ms"] is not None or article["api_error"]
    assert {r["backend"] for r in report["scale"]} == {"embedded", "server"}
    assert all("error" not in r and r["disk_mb"] > 0 for r in report["scale"])
    assert (tmp_path / "plots" / "bench-index.png").exists()
