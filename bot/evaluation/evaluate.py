"""``python -m bot eval``: score retrieval, answers and citations on a QA file.

Each line of the QA file is one conversation: ``{"id", "turns": [{"q", "answerable",
"expect", "evidence", "forbid"}]}``. ``expect`` is a list of groups (at least one string of
every group must appear in the answer, case-insensitively); ``evidence`` holds strings a
correct citation contains; ``forbid`` strings must never be output. History is carried from
turn to turn like a chat UI does. The LangChain tutorial pipeline
(``bot.evaluation.baseline``) is scored on the same questions and printed side by side.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SHARED_QA = REPO.parent / "shared" / "eval" / "qa.jsonl"
BUNDLED_QA = REPO / "tests" / "data" / "qa.jsonl"
_QUOTES = {'"': "[\"“”]", "“": "[\"“”]", "”": "[\"“”]", "'": "['‘’]", "‘": "['‘’]",
           "’": "['‘’]"}


# --- the QA file ------------------------------------------------------------------------------
@dataclass
class Turn:
    """One question of a conversation and what a correct answer looks like."""

    q: str
    answerable: bool
    expect: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    forbid: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    """A QA-file line: turns asked in order, each seeing the previous ones as history."""

    id: str
    turns: list[Turn]


def default_qa_path() -> Path:
    """The shared QA file next to the repository if present, else the bundled copy."""
    return SHARED_QA if SHARED_QA.exists() else BUNDLED_QA


def load_qa(path: Path) -> list[Conversation]:
    """Parse a QA JSONL file (blank lines ignored)."""
    conversations = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = json.loads(line)
        turns = [Turn(q=t["q"], answerable=bool(t.get("answerable", True)),
                      expect=[list(g) for g in t.get("expect", [])],
                      evidence=list(t.get("evidence", [])), forbid=list(t.get("forbid", [])))
                 for t in data["turns"]]
        conversations.append(Conversation(id=str(data.get("id", f"line{number}")), turns=turns))
    return conversations


# --- matching ---------------------------------------------------------------------------------
def evidence_pattern(evidence: str) -> re.Pattern[str]:
    """Case-insensitive pattern tolerant to whitespace runs and straight/curly quotes."""
    parts: list[str] = []
    for ch in evidence:
        if ch.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        else:
            parts.append(_QUOTES.get(ch, re.escape(ch)))
    return re.compile("".join(parts), re.IGNORECASE)


def holds(text: str, evidence: Iterable[str]) -> bool:
    """Whether ``text`` contains any of the evidence strings."""
    return any(evidence_pattern(e).search(text) for e in evidence)


def evidence_spans(source_text: str, evidence: Iterable[str]) -> list[tuple[int, int]]:
    """Every location of every evidence string in a source text."""
    return [(m.start(), m.end()) for e in evidence
            for m in evidence_pattern(e).finditer(source_text)]


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Whether ``[start, end)`` intersects any span."""
    return any(start < e and s < end for s, e in spans)


def span_holds(source: str, start: int, end: int, text: str, evidence: list[str],
               sources: dict[str, str]) -> bool:
    """A cited/retrieved span holds evidence: by its text or by overlapping its location."""
    if holds(text, evidence):
        return True
    return overlaps(start, end, evidence_spans(sources.get(source, ""), evidence))


def expect_met(answer: str, groups: Sequence[Sequence[str]]) -> list[list[str]]:
    """The expect groups none of whose strings occurs in the answer (empty = all met)."""
    low = answer.lower()
    return [list(g) for g in groups if not any(s.lower() in low for s in g)]


def first_hit(texts: Iterable[str], evidence: list[str]) -> int | None:
    """1-based rank of the first retrieved passage whose text holds evidence."""
    for rank, text in enumerate(texts, 1):
        if holds(text, evidence):
            return rank
    return None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (``q`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


# --- running --------------------------------------------------------------------------------
@dataclass
class TurnResult:
    """Everything measured for one turn, ours and (if run) the baseline's."""

    conversation: str
    turn: int
    question: str
    answerable: bool
    has_evidence: bool
    standalone: str = ""
    answer: str = ""
    remembered: str = ""
    """The answer as the next turn's history holds it (``Answer.remembered``)."""
    found: bool | None = None
    status: str | None = None
    """answered, closest (a hedge quoting the closest passage) or not_found."""
    confidence: float | None = None
    error: str | None = None
    ask_ms: float | None = None
    rank: int | None = None
    accurate: bool | None = None
    missing: list[list[str]] = field(default_factory=list)
    evidence_cited: bool | None = None
    top_cited: bool | None = None
    cited_chars: int = 0
    n_citations: int = 0
    bad_offsets: int = 0
    forbidden: list[str] = field(default_factory=list)
    baseline_rank: int | None = None
    baseline_chars: int | None = None
    baseline_ms: float | None = None

    @property
    def label(self) -> str:
        """``conversation#turn`` as shown in failure lists."""
        return f"{self.conversation}#{self.turn}"

    def failures(self) -> list[str]:
        """Why this turn counts against a metric (empty when everything passed)."""
        reasons = []
        if self.error:
            reasons.append(f"error: {self.error}")
        if self.answerable and self.accurate is False:
            reasons.append("not found" if not self.found else f"missing {self.missing}")
        if not self.answerable and self.found:
            reasons.append("answered an unanswerable question")
        if self.has_evidence and self.rank is None and not self.error:
            reasons.append("evidence not retrieved")
        if self.evidence_cited is False:
            reasons.append("evidence not cited")
        elif self.top_cited is False:
            reasons.append("citation [1] lacks evidence")
        if self.bad_offsets:
            reasons.append(f"{self.bad_offsets} citation(s) with wrong offsets")
        if self.forbidden:
            reasons.append(f"forbidden output {self.forbidden}")
        return reasons


def ask_with_step(bot: Any, question: str, history: list[dict[str, str]], step: str
                  ) -> tuple[Any, Any]:
    """Ask, and recover what the chain's step ``step`` produced (None if it did not run)."""
    from langchain_core.tracers.context import collect_runs

    with collect_runs() as collector:
        answer = bot.ask(question, history)
    return answer, _find_output(collector.traced_runs, step)


def ask_traced(bot: Any, question: str, history: list[dict[str, str]]) -> tuple[Any, str]:
    """Ask, and recover the standalone question the chain's ``condense`` step produced."""
    answer, standalone = ask_with_step(bot, question, history, "condense")
    return answer, standalone if isinstance(standalone, str) and standalone else question


def _find_output(runs: Iterable[Any], name: str) -> Any:
    """The ``output`` of the first traced run called ``name`` (depth first)."""
    for run in runs:
        if run.name == name and run.outputs:
            return run.outputs.get("output")
        found = _find_output(run.child_runs, name)
        if found is not None:
            return found
    return None


def score_answer(result: TurnResult, turn: Turn, answer: Any, sources: dict[str, str]) -> None:
    """Fill the answer and citation metrics of ``result`` from a bot ``Answer``."""
    result.answer, result.found = answer.answer, bool(answer.found)
    result.status, result.confidence = answer.status, answer.confidence
    result.remembered = answer.remembered()
    cites = sorted(answer.citations, key=lambda c: c.n)
    result.n_citations = len(cites)
    result.cited_chars = sum(len(c.text) for c in cites)
    result.bad_offsets = sum(
        1 for c in cites if sources.get(c.source, "")[c.start:c.end] != c.text
    )
    shown = " ".join([answer.answer, *(c.text for c in cites)]).lower()
    result.forbidden = [f for f in turn.forbid if f.lower() in shown]
    if not turn.answerable:
        return
    result.missing = expect_met(answer.answer, turn.expect)
    result.accurate = bool(answer.found) and not result.missing
    if turn.evidence:
        hits = [span_holds(c.source, c.start, c.end, c.text, turn.evidence, sources)
                for c in cites]
        result.evidence_cited = any(hits)
        result.top_cited = hits[0] if hits else None


def score_retrieval(result: TurnResult, turn: Turn, bot: Any, k: int) -> None:
    """Rank of the first retrieved passage (for the standalone question) holding evidence."""
    passages = bot.retrieve(result.standalone, k)
    result.rank = first_hit((p["text"] for p in passages), turn.evidence)


def score_baseline(result: TurnResult, turn: Turn, baseline: Any) -> None:
    """The tutorial pipeline on the raw question (it has no follow-up handling)."""
    chunks, result.baseline_ms = baseline.timed_retrieve(turn.q)
    result.baseline_chars = sum(len(c.text) for c in chunks)
    if turn.answerable and turn.evidence:
        result.baseline_rank = first_hit((c.text for c in chunks), turn.evidence)


def run_turn(bot: Any, turn: Turn, label: tuple[str, int], history: list[dict[str, str]],
             k: int, sources: dict[str, str], baseline: Any = None) -> TurnResult:
    """Ask one turn and score it; exceptions are recorded, never raised."""
    result = TurnResult(conversation=label[0], turn=label[1], question=turn.q,
                        answerable=turn.answerable,
                        has_evidence=turn.answerable and bool(turn.evidence))
    try:
        started = time.perf_counter()
        answer, result.standalone = ask_traced(bot, turn.q, history)
        result.ask_ms = (time.perf_counter() - started) * 1000
        score_answer(result, turn, answer, sources)
        if result.has_evidence:
            score_retrieval(result, turn, bot, k)
    except Exception as exc:  # an evaluation reports errors, it does not stop
        result.error = f"{type(exc).__name__}: {exc}"
    if baseline is not None:
        score_baseline(result, turn, baseline)
    return result


def evaluate(bot: Any, conversations: Sequence[Conversation], k: int,
             baseline: Any = None) -> list[TurnResult]:
    """Run every conversation, carrying history turn to turn."""
    sources = {s: r.text for s, r in bot.knowledge.records.items()}
    results = []
    for conv in conversations:
        history: list[dict[str, str]] = []
        for number, turn in enumerate(conv.turns, 1):
            result = run_turn(bot, turn, (conv.id, number), history, k, sources, baseline)
            results.append(result)
            history += [{"role": "user", "content": turn.q},
                        {"role": "assistant", "content": result.remembered}]
    return results


# --- metrics ------------------------------------------------------------------------------
def _rate(flags: Iterable[bool | None]) -> dict[str, Any]:
    """Share of True among the non-None flags, with counts."""
    values = [bool(f) for f in flags if f is not None]
    hits = sum(values)
    return {"value": hits / len(values) if values else None, "hits": hits, "n": len(values)}


def _mrr(ranks: list[int | None]) -> float | None:
    return sum(1 / r for r in ranks if r) / len(ranks) if ranks else None


def summary(values: Iterable[float | None], digits: int = 2) -> dict[str, float | int | None]:
    """p50/p95/mean and count of millisecond samples (None samples skipped)."""
    clean = [v for v in values if v is not None]

    def r(x: float | None) -> float | None:
        return None if x is None else round(x, digits)

    return {"p50": r(percentile(clean, 50)), "p95": r(percentile(clean, 95)),
            "mean": r(sum(clean) / len(clean)) if clean else None, "n": len(clean)}


def our_metrics(results: Sequence[TurnResult]) -> dict[str, Any]:
    """Aggregate metrics of our bot."""
    answerable = [r for r in results if r.answerable]
    with_evidence = [r for r in results if r.has_evidence]
    cited = [r.cited_chars for r in results if r.n_citations]
    said = [len(r.answer) for r in results if r.found]
    n_cites = sum(r.n_citations for r in results)
    bad = sum(r.bad_offsets for r in results)
    return {
        "recall_at_k": _rate(r.rank is not None for r in with_evidence),
        "mrr": _mrr([r.rank for r in with_evidence]),
        "top1_retrieved": _rate(r.rank == 1 for r in with_evidence),
        "answer_accuracy": _rate(r.accurate is True for r in answerable),
        "evidence_cited": _rate(r.evidence_cited is True for r in with_evidence),
        "top_citation_precision": _rate(r.top_cited for r in with_evidence),
        "mean_cited_chars": round(sum(cited) / len(cited), 1) if cited else None,
        "mean_answer_chars": round(sum(said) / len(said), 1) if said else None,
        "refusal_accuracy": _rate(r.found is False for r in results if not r.answerable),
        "forbidden_outputs": sum(1 for r in results if r.forbidden),
        "exact_offsets": {"value": (n_cites - bad) / n_cites if n_cites else None,
                          "hits": n_cites - bad, "n": n_cites},
        "errors": sum(1 for r in results if r.error),
        "latency_ms": summary(r.ask_ms for r in results),
        "turns": len(results),
    }


def baseline_metrics(results: Sequence[TurnResult], baseline: Any) -> dict[str, Any]:
    """Aggregate metrics of the tutorial pipeline (it cites its top-k chunks)."""
    with_evidence = [r for r in results if r.has_evidence]
    chars = [r.baseline_chars for r in results if r.answerable and r.baseline_chars is not None]
    return {
        "recall_at_k": _rate(r.baseline_rank is not None for r in with_evidence),
        "mrr": _mrr([r.baseline_rank for r in with_evidence]),
        "top1_retrieved": _rate(r.baseline_rank == 1 for r in with_evidence),
        "evidence_cited": _rate(r.baseline_rank is not None for r in with_evidence),
        "top_citation_precision": _rate(r.baseline_rank == 1 for r in with_evidence),
        "mean_cited_chars": round(sum(chars) / len(chars), 1) if chars else None,
        "mean_answer_chars": round(sum(chars) / len(chars), 1) if chars else None,  # pasted
        "refusal_accuracy": _rate(False for r in results if not r.answerable),
        "latency_ms": summary(r.baseline_ms for r in results),
        "k": baseline.k, "chunks": baseline.n_chunks,
        "mean_chunk_chars": round(baseline.mean_chunk_chars, 1),
    }


# --- reporting ------------------------------------------------------------------------------
ROWS: list[tuple[str, str]] = [
    ("recall_at_k", "retrieval recall@k"),
    ("mrr", "retrieval MRR"),
    ("top1_retrieved", "top-1 passage holds evidence"),
    ("answer_accuracy", "answer accuracy"),
    ("evidence_cited", "evidence cited"),
    ("top_citation_precision", "top-citation precision"),
    ("mean_cited_chars", "mean cited characters"),
    ("mean_answer_chars", "mean answer characters (found)"),
    ("refusal_accuracy", "refusal accuracy"),
    ("forbidden_outputs", "forbidden outputs"),
    ("exact_offsets", "exact citation offsets"),
    ("errors", "errors"),
    ("latency_ms", "latency p50 / p95 ms"),
]


def fmt(value: Any) -> str:
    """One table cell: rates as ``94.4% (17/18)``, latencies as ``p50 / p95``."""
    if value is None:
        return "n/a"
    if isinstance(value, dict) and "p50" in value:
        return f"{fmt(value['p50'])} / {fmt(value['p95'])}"
    if isinstance(value, dict):
        if value["value"] is None:
            return "n/a"
        return f"{100 * value['value']:.1f}% ({value['hits']}/{value['n']})"
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    return str(value)


def table_rows(report: dict[str, Any]) -> list[list[str]]:
    """Header plus one row per metric: name, ours, baseline."""
    ours, base = report["ours"], report.get("baseline") or {}
    header = ["metric", f"ours (k={report['k']})"]
    if base:
        header.append(f"tutorial baseline (k={base['k']})")
    rows = [header]
    for key, name in ROWS:
        row = [name, fmt(ours.get(key))]
        if base:
            row.append(fmt(base.get(key)))
        rows.append(row)
    return rows


def render_text(rows: list[list[str]]) -> str:
    """A plain aligned table for the terminal."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(report: dict[str, Any]) -> str:
    """The eval table plus failures, as markdown for docs/eval-table.md."""
    rows = table_rows(report)
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    notes = [
        "",
        f"QA file: `{report['qa_file']}` ({report['ours']['turns']} turns); "
        f"answerer `{report['answerer']}`. Latency: ours = full `ask` (condense, hybrid "
        "retrieval, answer, cite); baseline = dense top-k retrieval only (it has no answer "
        "step and \"cites\" its retrieved chunks).",
    ]
    if report.get("failures"):
        notes += ["", "Failures:", ""] + [f"- {f}" for f in report["failures"]]
    return "\n".join(lines + notes) + "\n"


# --- CLI ---------------------------------------------------------------------------------------
GATES: list[tuple[str, str, str]] = [
    ("min_recall", "recall_at_k", "min"),
    ("min_mrr", "mrr", "min"),
    ("min_accuracy", "answer_accuracy", "min"),
    ("min_evidence", "evidence_cited", "min"),
    ("min_top_precision", "top_citation_precision", "min"),
    ("min_refusal", "refusal_accuracy", "min"),
    ("min_exact_offsets", "exact_offsets", "min"),
    ("max_forbidden", "forbidden_outputs", "max"),
    ("max_errors", "errors", "max"),
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``bot eval`` (``--data-dir``/``-v`` come from the CLI's common flags)."""
    parser.add_argument("--qa", type=Path, default=None,
                        help=f"QA JSONL file (default: {SHARED_QA} if present, else the "
                        "bundled tests/data/qa.jsonl)")
    parser.add_argument("--squad", type=Path, metavar="FILE", default=None,
                        help="score a SQuAD 2.0 JSON file instead: each article indexed alone "
                        "(bundled article off), every question asked once")
    parser.add_argument("--docs", type=Path, nargs="+", metavar="FILE", default=None,
                        help="score reader questions about other documents instead: each "
                        "line names its document (a SQuAD article of --docs-source), each "
                        "document indexed alone (e.g. tests/data/docs-heldout/*.jsonl)")
    parser.add_argument("--docs-source", type=Path, metavar="JSON", default=None,
                        help="SQuAD 2.0 JSON holding the documents of --docs (default: "
                        "documents.json beside the question files)")
    for flag in ("has_answer", "no_answer", "overall"):
        parser.add_argument(f"--min-squad-{flag.replace('_', '-')}", type=float, default=None,
                            metavar="X", help=f"with --squad: exit 1 if {flag} is below X")
    parser.add_argument("--answerer", help="answer generator (default: the setting)")
    parser.add_argument("--k", type=int, help="passages retrieved and handed to the answerer")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the full report here")
    parser.add_argument("--markdown", type=Path, metavar="OUT",
                        help="write the table as markdown (e.g. docs/eval-table.md)")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=True,
                        help="also score the LangChain tutorial pipeline (default: on)")
    parser.add_argument("--failures", action=argparse.BooleanOptionalAction, default=True,
                        help="list failing turns (default: on)")
    for flag, metric, kind in GATES:
        parser.add_argument(f"--{flag.replace('_', '-')}", type=float, default=None,
                            metavar="X", help=f"exit 1 if {metric} is "
                            f"{'below' if kind == 'min' else 'above'} X")


def check_gates(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    """Human-readable violations of the thresholds given on the command line."""
    violations = []
    for flag, metric, kind in GATES:
        limit = getattr(args, flag, None)
        if limit is None:
            continue
        value = report["ours"][metric]
        value = value["value"] if isinstance(value, dict) else value
        if value is None:
            continue
        bad = value < limit if kind == "min" else value > limit
        if bad:
            violations.append(f"{metric} = {value:.3f} is {'below' if kind == 'min' else 'above'}"
                              f" the --{flag.replace('_', '-')} {limit}")
    return violations


def _settings(args: argparse.Namespace) -> Any:
    from bot.settings import Settings

    overrides: dict[str, Any] = {}
    for name in ("data_dir", "k", "answerer"):
        if getattr(args, name, None):
            overrides[name] = getattr(args, name)
    return Settings(**overrides)


def build_report(bot: Any, qa_path: Path, with_baseline: bool,
                 log: Callable[[str], None]) -> dict[str, Any]:
    """Evaluate ``bot`` (and the tutorial baseline) on ``qa_path``."""
    from bot.evaluation.baseline import TutorialBaseline, source_texts

    conversations = load_qa(qa_path)
    baseline = None
    if with_baseline:
        log("Indexing the tutorial baseline ...")
        baseline = TutorialBaseline(source_texts(bot.knowledge.records), bot.knowledge.embeddings)
    log(f"Asking {sum(len(c.turns) for c in conversations)} turns from {qa_path} ...")
    k = bot.settings.k
    results = evaluate(bot, conversations, k, baseline)
    return {
        "qa_file": str(qa_path), "k": k, "answerer": bot.settings.answerer,
        "embeddings": bot.settings.embeddings,
        "ours": our_metrics(results),
        "baseline": baseline_metrics(results, baseline) if baseline else None,
        "failures": [f"{r.label} {r.question!r}: {'; '.join(r.failures())}"
                     for r in results if r.failures()],
        "turns": [asdict(r) for r in results],
    }


def run(args: argparse.Namespace) -> int:
    """Run the evaluation; exit 1 when a threshold is not met, 2 on bad input."""
    from bot.service import QantarBot

    if args.squad is not None:
        return run_squad(args)
    if args.docs:
        return run_docs(args)
    qa_path = args.qa or default_qa_path()
    if not qa_path.exists():
        print(f"error: QA file {qa_path} not found", file=sys.stderr)
        return 2
    settings = _settings_or_none(args)
    if settings is None:
        return 2
    bot = QantarBot.from_settings(settings)
    report = build_report(bot, qa_path, args.baseline, lambda m: print(m, file=sys.stderr))
    return finish(report, args)


def run_docs(args: argparse.Namespace) -> int:
    """``bot eval --docs FILE...``: the ``--qa`` table over documents indexed one by one."""

    from bot.learn.squad import default_documents, evaluate_documents

    missing = [str(p) for p in args.docs if not p.exists()]
    if missing:
        print(f"error: question file {', '.join(missing)} not found", file=sys.stderr)
        return 2
    source = args.docs_source or default_documents(args.docs)
    if source is None or not source.exists():
        print(f"error: documents {source or 'file documents.json beside the question files'}"
              " not found: give the SQuAD JSON holding them with --docs-source",
              file=sys.stderr)
        return 2
    settings = _settings_or_none(args)
    results = None if settings is None else _attempt(
        lambda: evaluate_documents(args.docs, source, settings),
        lambda exc: str(exc.args[0] if exc.args else exc))
    if settings is None or results is None:
        return 2
    report = {"qa_file": ", ".join(map(str, args.docs)), "documents": str(source),
              "k": settings.k, "answerer": settings.answerer,
              "ours": our_metrics(results), "baseline": None,
              "failures": [f"{r.label} {r.question!r}: {'; '.join(r.failures())}"
                           for r in results if r.failures()],
              "turns": [asdict(r) for r in results]}
    return finish(report, args)


def _settings_or_none(args: argparse.Namespace) -> Any:
    """The settings the flags ask for, or None after saying which one is invalid."""
    from pydantic import ValidationError

    try:
        return _settings(args)
    except ValidationError as exc:
        print(f"error: invalid setting: {exc.errors()[0]['msg']}", file=sys.stderr)
        return None


def _attempt(work: Callable[[], Any], bad_input: Callable[[Exception], str]) -> Any:
    """``work()``, or None after saying what is wrong with the input file it read."""
    try:
        return work()
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        print(f"error: {bad_input(exc)}", file=sys.stderr)
        return None


def finish(report: dict[str, Any], args: argparse.Namespace) -> int:
    """Print the table (and failures), check the gates, write the reports; exit status."""
    print(render_text(table_rows(report)))
    if args.failures and report["failures"]:
        print("\nFailures:\n" + "\n".join(f"  {f}" for f in report["failures"]))
    report["gates"] = check_gates(report, args)
    _write(args.json, json.dumps(report, ensure_ascii=False, indent=2))
    _write(args.markdown, render_markdown(report))
    for violation in report["gates"]:
        print(f"FAIL: {violation}", file=sys.stderr)
    return 1 if report["gates"] else 0


def run_squad(args: argparse.Namespace) -> int:
    """``bot eval --squad FILE``: print has-answer / no-answer / overall and gate them."""
    from bot.learn.squad import evaluate_squad, render

    if not args.squad.exists():
        print(f"error: SQuAD file {args.squad} not found", file=sys.stderr)
        return 2
    settings = _settings_or_none(args)
    report = None if settings is None else _attempt(
        lambda: evaluate_squad(args.squad, settings),
        lambda exc: f"{args.squad} is not SQuAD 2.0 JSON ({exc})")
    if report is None:
        return 2
    print(render(report))
    failed = []
    for flag in ("has_answer", "no_answer", "overall"):
        limit = getattr(args, f"min_squad_{flag}", None)
        value = report["summary"][flag]
        if limit is not None and value is not None and value < limit:
            failed.append(f"{flag} = {value:.3f} is below --min-squad-{flag.replace('_', '-')}"
                          f" {limit}")
    report["gates"] = failed
    _write(args.json, json.dumps(report, ensure_ascii=False, indent=2))
    for violation in failed:
        print(f"FAIL: {violation}", file=sys.stderr)
    return 1 if failed else 0


def _write(path: Path | None, text: str) -> None:
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
