"""``bot calibrate --judge``: how much the LLM judge's reading should move the decision.

Every question whose decision is not "not found" is asked with the judge reading the
chosen quote (off-topic questions never reach it). Each row keeps the decision's own
confidence, the judge's P(yes) and whether the quote answers (the answer or hedge holds
what a right answer must). A two-signal logistic regression over their log-odds, fitted on
the same reader-style questions as the decision with folds split by conversation or
document, gives ``bot/data/judge.json``; its thresholds come from out-of-fold predictions.
Other documents' held-out questions and the SQuAD complexity file are only scored.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.confidence import Calibration, judge_path, judged_signals, load_calibration
from bot.evaluation.evaluate import ask_with_step, expect_met, span_holds
from bot.learn import calibrate as fit
from bot.learn.squad import article_bots, contains_gold, load_squad

NAMES = ("confidence", "judge")


def passthrough(base: Calibration) -> Calibration:
    """A judge calibration that leaves the decision as it is (confidence in, confidence
    out): collecting must see the decision the judge will be added to."""
    return Calibration(("confidence",), (0.0,), (1.0,), (1.0,), 0.0, base.answer_at,
                       base.hedge_at, {"purpose": "collecting judge rows"})


def judged_row(group: str, origin: str, answerable: bool, right: bool, draft: Any
               ) -> dict[str, Any] | None:
    """A row when the judge read this question's quote (None when it did not)."""
    signals = (draft.signals or {}) if draft is not None else {}
    if "judge" not in signals:
        return None
    return {"group": group, "origin": origin, "answerable": answerable,
            "label": int(answerable and right),
            "features": judged_signals(signals["confidence_before_judge"], signals["judge"])}


def collect_conversation(bot: Any, conv: Any, group: str, origin: str
                         ) -> list[dict[str, Any]]:
    """A conversation's turns in order; a turn is right when its answer or hedge holds the
    expected strings (and cites the evidence): would it be right if answered."""
    sources = {s: r.text for s, r in bot.knowledge.records.items()}
    rows: list[dict[str, Any]] = []
    history: list[dict[str, str]] = []
    for turn in conv.turns:
        answer, draft = ask_with_step(bot, turn.q, history, "answer")
        right = bool(answer.citations) and not expect_met(answer.answer, turn.expect)
        if right and turn.evidence:
            right = any(span_holds(c.source, c.start, c.end, c.text, turn.evidence, sources)
                        for c in answer.citations)
        row = judged_row(group, origin, turn.answerable, right, draft)
        rows += [row] if row else []
        history += [{"role": "user", "content": turn.q},
                    {"role": "assistant", "content": answer.remembered()}]
    return rows


def collect_article(files: Iterable[Path], base: Any, model: Any) -> list[dict[str, Any]]:
    """Rows of the article's question files."""
    from bot.evaluation.evaluate import load_qa
    from bot.service import QantarBot

    bot = QantarBot.from_settings(base, chat_model=model)
    return [row for path in files for conv in load_qa(path)
            for row in collect_conversation(bot, conv, f"{path.stem}:{conv.id}", "article")]


def collect_documents(files: Sequence[Path], squad: Path, base: Any, model: Any,
                      origin: str) -> list[dict[str, Any]]:
    """Rows of reader-style conversations about other documents, each indexed alone."""
    convs = fit.document_conversations(files, squad, base, chat_model=model)
    return [row for group, bot, conv in convs
            for row in collect_conversation(bot, conv, group, origin)]


def collect_squad(path: Path, base: Any, model: Any) -> list[dict[str, Any]]:
    """Rows of a SQuAD file (scored only): right when the answer or hedge holds a gold
    answer."""
    rows = []
    for article, bot in article_bots(base, load_squad(path), chat_model=model):
        for q in article.questions:
            answer, draft = ask_with_step(bot, q.question, [], "answer")
            row = judged_row(f"squad:{article.title}", "squad", not q.impossible,
                             contains_gold(answer.answer, q.answers), draft)
            rows += [row] if row else []
    return rows


def collect_all(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """Fit rows (article, documents), scored rows (held-out documents) and the measure
    file's rows. The judge is the model it will serve with: the packaged one (or
    ``QANTAR_LLM_PATH``), or the server of ``QANTAR_ANSWERER=openai`` (a stronger model
    reads differently, so it needs its own fit)."""
    from bot.answerers import make_chat_model
    from bot.settings import Settings

    settings = Settings()
    judge_with = settings.answerer if settings.answerer != "extractive" else "llamacpp"
    model = make_chat_model(settings.model_copy(update={"answerer": judge_with}))
    base = load_calibration(settings.calibration_path)
    with tempfile.TemporaryDirectory(prefix="qantar-judge-") as tmp:
        neutral = Path(tmp) / "passthrough.json"
        neutral.write_text(passthrough(base).to_json(), encoding="utf-8")
        settings = settings.model_copy(update={"answerer": "extractive", "judge": "on",
                                               "judge_calibration_path": neutral})
        qa_files = args.qa or [fit.REPO / "tests" / "data" / f"{n}.jsonl"
                               for n in fit.ARTICLE_SETS]
        docs = args.documents or sorted((fit.REPO / "tests" / "data" / "docs").glob("*.jsonl"))
        held = args.held_documents or sorted(
            (fit.REPO / "tests" / "data" / "docs-heldout").glob("*.jsonl"))
        rows = collect_article(qa_files, settings, model)
        rows += collect_documents(docs, args.train, settings, model, "documents")
        scored = collect_documents(held, args.train, settings, model, fit.HELD_DOCUMENTS)
        measure = collect_squad(args.measure, settings, model) if args.measure.exists() else []
    return {"fit": rows, "scored": scored, "measure": measure}


def figures(rows: Sequence[dict[str, Any]], p: np.ndarray, at: float) -> dict[str, Any]:
    """AUC and the decision's accuracy at threshold ``at``."""
    y = np.array([r["label"] for r in rows], dtype=float)
    return {"n": len(rows), "auc": fit.auc(y, p),
            **fit.decision_accuracy(rows, p, np.ones(len(rows)), at)}


def confidence_of(rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """The decision's own confidence (what it decides on without the judge)."""
    z = np.array([r["features"]["confidence"] for r in rows])
    return 1.0 / (1.0 + np.exp(-z))


def fit_judge(data: dict[str, list[dict[str, Any]]], folds: int, base_answer_at: float
              ) -> tuple[Calibration, dict[str, Any]]:
    """The fitted judge calibration and a report: per origin, the decision without the
    judge (its own threshold) and with it (out of fold where fitted, else held out)."""
    rows = data["fit"]
    x = fit.design(rows, NAMES)
    y = np.array([r["label"] for r in rows], dtype=float)
    w = fit.balance_weights(rows)
    oof = fit.out_of_fold(x, y, w, [r["group"] for r in rows], folds)
    answer_at, hedge_at = fit.choose_thresholds(rows, oof, w)
    model = fit.fit_logistic(x, y, w)
    report: dict[str, Any] = {"answer_at": answer_at, "hedge_at": hedge_at, "sets": {}}
    groups = {f"{o} (out of fold)": [i for i, r in enumerate(rows) if r["origin"] == o]
              for o in sorted({r["origin"] for r in rows})}
    for name, idx in groups.items():
        sub = [rows[i] for i in idx]
        report["sets"][name] = {"without": figures(sub, confidence_of(sub), base_answer_at),
                                "with": figures(sub, oof[idx], answer_at)}
    for name, sub in (("other documents (held out)", data["scored"]),
                      ("SQuAD complexity (held out)", data["measure"])):
        if sub:
            report["sets"][name] = {
                "without": figures(sub, confidence_of(sub), base_answer_at),
                "with": figures(sub, fit.predict(model, fit.design(sub, NAMES)), answer_at)}
    mean, scale, coef, b = model
    calibration = Calibration(NAMES, tuple(map(float, mean)), tuple(map(float, scale)),
                              tuple(map(float, coef)), b, answer_at, hedge_at,
                              {"fitted_on": len(rows), "sets": report["sets"]})
    return calibration, report


def render(report: dict[str, Any], out: Path) -> str:
    """What ``bot calibrate --judge`` prints (and docs/judge.md holds)."""
    def cell(f: dict[str, Any]) -> str:
        auc = "n/a" if f["auc"] is None else f"{f['auc']:.3f}"
        return f"{auc} | {fit._fmt(f['has_answer'])} | {fit._fmt(f['no_answer'])}"

    shown = out.relative_to(fit.REPO) if out.is_relative_to(fit.REPO) else out
    lines = [f"Wrote {shown}: answer at >= {report['answer_at']:.2f}, hedge at >= "
             f"{report['hedge_at']:.2f}", "",
             "| Questions the judge read | n | AUC without | has | no | AUC with | has | no |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, f in report["sets"].items():
        lines.append(f"| {name} | {f['with']['n']} | {cell(f['without'])} | {cell(f['with'])} |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Collect (or reuse the cached rows), fit, write ``bot/data/judge.json``."""
    from bot.settings import Settings

    started = time.perf_counter()
    rows_path = args.judge_rows
    reused = args.reuse and rows_path.exists()
    if reused:
        data = json.loads(rows_path.read_text(encoding="utf-8"))
    else:
        if not args.train.exists():
            print(f"error: training file {args.train} not found", file=sys.stderr)
            return 2
        data = collect_all(args)
        rows_path.parent.mkdir(parents=True, exist_ok=True)
        rows_path.write_text(json.dumps(data), encoding="utf-8")
    if not data["fit"]:
        print("error: the judge read no question (is the decision refusing everything?)",
              file=sys.stderr)
        return 2
    base = load_calibration(Settings().calibration_path)
    calibration, report = fit_judge(data, args.folds, base.answer_at)
    out = args.out or judge_path()
    out.write_text(calibration.to_json() + "\n", encoding="utf-8")
    text = render(report, out)
    args.docs.mkdir(parents=True, exist_ok=True)
    (args.docs / "judge.md").write_text(
        "# The LLM judge as a signal of the decision (written by "
        "`python -m bot calibrate --judge`)\n\n"
        "AUC: the confidence against 'the quote answers'; has: answerable questions answered "
        "right; no: unanswerable questions not answered. Without: the "
        "decision alone at its own threshold; with: the decision plus the judge's P(yes).\n\n"
        + text + f"\n\n{'Refitted from cached rows' if reused else 'Collected and fitted'} "
        f"in {time.perf_counter() - started:.0f} s (collecting: the packaged model reads "
        "about 1,000 quotes, about a second each on 2 cores).\n",
        encoding="utf-8")
    print(text)
    return 0
