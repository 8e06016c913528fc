"""``python -m bot calibrate``: fit the answer/hedge/refuse decision on labelled data.

1. Collect: every question of the SQuAD 2.0 training articles (each indexed alone) and of
   the project's own question files about the article is answered with the decision off;
   the signals of the best candidate and whether the answer was right are recorded.
2. Fit: a logistic regression (L2, standardised signals), weighted so that answerable and
   unanswerable questions, and SQuAD and the article, count equally. Folds are split by
   document (SQuAD) and by conversation (article files): the reported figures and the
   thresholds come from out-of-fold predictions, never from rows the model was fitted on.
3. Thresholds: *answer* where balanced accuracy peaks; *hedge* (quote the closest passage)
   down to where the closest passage still answers often enough to be worth showing.
4. Write ``bot/data/calibration.json`` (shipped with the package), a reliability plot and
   the figures (``docs/calibration.md``). ``--measure FILE`` adds held-out SQuAD points that
   are only scored, never fitted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.evaluation.evaluate import ask_with_step
from bot.learn.squad import (
    DocumentError,
    article_bots,
    contains_gold,
    load_squad,
    named_documents,
)

REPO = Path(__file__).resolve().parents[2]
EXTERNAL = REPO.parent / "shared" / "eval" / "external"
DEFAULT_TRAIN = EXTERNAL / "squad2-train-10.json"
DEFAULT_MEASURE = REPO / "tests" / "data" / "external" / "squad2-complexity.json"
ARTICLE_SETS = ("qa", "paraphrases", "heldout", "blind", "final", "unseen")
MIN_HEDGE_PRECISION = 0.25  # the closest passage answers at least this often in the band
MIN_BAND = 20
# SQuAD 2.0's unanswerable questions are written from the paragraph with a word swapped, so
# word overlap *rises* for them; fitted on, they pulled the decision against reader-style
# questions (measured: docs/calibration.md). They are collected and scored, not fitted.
FIT_ON = ("article", "documents")
# Reader-style questions about six more SQuAD training articles, written by helpers after the
# decision's signals were designed: scored as held-out "other documents", never fitted (not a
# --fit-on choice). Fitted on, they lowered the held-out figures (tests/data/docs-heldout/).
HELD_DOCUMENTS = "documents_heldout"


# --- collecting -------------------------------------------------------------------------------
def _row(group: str, origin: str, answerable: bool, right: bool, draft: Any) -> dict[str, Any]:
    features = (draft.signals or {}).get("features") if draft is not None else None
    return {"group": group, "origin": origin, "answerable": answerable,
            "label": int(answerable and right), "features": features}


def collect_squad(path: Path, base: Any, origin: str) -> list[dict[str, Any]]:
    """Signals and labels for every question of a SQuAD file (decision off)."""
    from tqdm import tqdm

    articles = load_squad(path)
    rows = []
    total = sum(len(a.questions) for a in articles)
    with tqdm(total=total, unit="q", desc=f"collect {path.name}", file=sys.stderr) as bar:
        for article, bot in article_bots(base, articles, collect=True):
            for q in article.questions:
                answer, draft = ask_with_step(bot, q.question, [], "answer")
                right = answer.found and contains_gold(answer.answer, q.answers)
                rows.append(_row(f"squad:{article.title}", origin, not q.impossible, right,
                                 draft))
                bar.update(1)
    return rows


def collect_article(files: Iterable[Path], base: Any) -> list[dict[str, Any]]:
    """Signals and labels for the article's question files, conversations in order."""
    from bot.evaluation.evaluate import load_qa
    from bot.service import QantarBot

    bot = QantarBot.from_settings(base, collect=True)
    rows = []
    for path in files:
        for conv in load_qa(path):
            rows += collect_conversation(bot, conv, f"{path.stem}:{conv.id}", "article")
    return rows


def collect_conversation(bot: Any, conv: Any, group: str, origin: str) -> list[dict[str, Any]]:
    """Ask a conversation's turns in order (history carried) and label each answer."""
    from bot.evaluation.evaluate import expect_met, span_holds

    sources = {s: r.text for s, r in bot.knowledge.records.items()}
    rows = []
    history: list[dict[str, str]] = []
    for turn in conv.turns:
        answer, draft = ask_with_step(bot, turn.q, history, "answer")
        right = answer.found and not expect_met(answer.answer, turn.expect)
        if right and turn.evidence:
            right = any(span_holds(c.source, c.start, c.end, c.text, turn.evidence, sources)
                        for c in answer.citations)
        rows.append(_row(group, origin, turn.answerable, bool(right), draft))
        history += [{"role": "user", "content": turn.q},
                    {"role": "assistant", "content": answer.remembered()}]
    return rows


def document_conversations(files: Iterable[Path], squad: Path, base: Any, **bot_args: Any
                           ) -> Iterator[tuple[str, Any, Any]]:
    """(group, bot, conversation) for reader-style conversations about other documents
    (SQuAD articles named by each line's ``document``), each document indexed alone and
    grouped by document for folds."""
    pairs = named_documents(list(files), squad)
    bots = article_bots(base, [article for article, _ in pairs], **bot_args)
    for (article, bot), (_, convs) in zip(bots, pairs, strict=True):
        for conv in convs:
            yield f"docs:{article.title}", bot, conv


def collect_documents(files: Iterable[Path], squad: Path, base: Any, origin: str = "documents"
                      ) -> list[dict[str, Any]]:
    """The decision's rows of conversations about other documents."""
    return [row for group, bot, conv in document_conversations(files, squad, base, collect=True)
            for row in collect_conversation(bot, conv, group, origin)]


# --- fitting ----------------------------------------------------------------------------------
def design(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> np.ndarray:
    """The signal matrix, one row per question, columns in ``names`` order."""
    return np.array([[float(r["features"].get(n, 0.0)) for n in names] for r in rows])


def balance_weights(rows: Sequence[dict[str, Any]]) -> np.ndarray:
    """Each origin weighs the same, and within it answerable and unanswerable halves."""
    weights = np.zeros(len(rows))
    origins = sorted({r["origin"] for r in rows})
    for origin in origins:
        for answerable in (True, False):
            idx = [i for i, r in enumerate(rows)
                   if r["origin"] == origin and r["answerable"] is answerable]
            if idx:
                weights[idx] = 1.0 / (len(idx) * 2 * len(origins))
    return weights * len(rows)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Weighted L2 logistic regression on standardised columns: (mean, scale, coef, b)."""
    from scipy.optimize import minimize

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    total = w.sum()

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, b = theta[:-1], theta[-1]
        logits = z @ coef + b
        p = 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))
        eps = 1e-12
        nll = -np.sum(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) / total
        grad_logit = w * (p - y) / total
        grad = np.append(z.T @ grad_logit + l2 * coef / total, grad_logit.sum())
        return float(nll + 0.5 * l2 * coef @ coef / total), grad

    result = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B")
    return mean, scale, result.x[:-1], float(result.x[-1])


def predict(model: tuple[np.ndarray, np.ndarray, np.ndarray, float], x: np.ndarray
            ) -> np.ndarray:
    """Probabilities from a fitted model."""
    mean, scale, coef, b = model
    return 1.0 / (1.0 + np.exp(-np.clip(((x - mean) / scale) @ coef + b, -30, 30)))


def group_folds(groups: Sequence[str], k: int) -> list[np.ndarray]:
    """Row indexes of ``k`` folds; every group (document/conversation) in exactly one."""
    order = sorted(set(groups))
    fold_of = {g: i % k for i, g in enumerate(order)}
    return [np.array([i for i, g in enumerate(groups) if fold_of[g] == f]) for f in range(k)]


def out_of_fold(x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: Sequence[str], k: int
                ) -> np.ndarray:
    """Each row predicted by a model fitted without its document/conversation."""
    oof = np.zeros(len(y))
    for test in group_folds(groups, k):
        train = np.setdiff1d(np.arange(len(y)), test)
        oof[test] = predict(fit_logistic(x[train], y[train], w[train]), x[test])
    return oof


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """ROC AUC (rank statistic; ties count half)."""
    from scipy.stats import rankdata

    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if not pos or not neg:
        return None
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def decision_accuracy(rows: Sequence[dict[str, Any]], p: np.ndarray, w: np.ndarray, t: float
                      ) -> dict[str, float | None]:
    """Answerable right when answered with a right answer; unanswerable when refused (None
    when the rows hold no question of that kind)."""
    ans = np.array([r["answerable"] for r in rows], dtype=bool)
    lab = np.array([r["label"] for r in rows])
    answered = p >= t
    has = (float(np.sum(w[ans] * (answered[ans] & (lab[ans] == 1))) / w[ans].sum())
           if ans.any() else None)
    no = float(np.sum(w[~ans] * ~answered[~ans]) / w[~ans].sum()) if (~ans).any() else None
    parts = [v for v in (has, no) if v is not None]
    return {"has_answer": has, "no_answer": no, "balanced": sum(parts) / len(parts)}


def choose_thresholds(rows: Sequence[dict[str, Any]], p: np.ndarray, w: np.ndarray
                      ) -> tuple[float, float]:
    """Answer threshold: best balanced accuracy; hedge: lowest threshold at which the
    closest passage (in the band below the answer threshold) is right often enough."""
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    balanced = np.array([float(decision_accuracy(rows, p, w, t)["balanced"] or 0.0)
                         for t in grid])
    # The curve is flat near its top and noisy: take the best of a moving average over
    # +-0.05, so one lucky threshold does not decide.
    smooth = np.convolve(balanced, np.ones(11) / 11, mode="same")
    answer_at = float(grid[5:-5][int(np.argmax(smooth[5:-5]))])
    lab = np.array([r["label"] for r in rows])
    hedge_at = answer_at
    for t in (g for g in grid if g < answer_at):  # lowest first: the widest band that holds
        band = (p >= t) & (p < answer_at)
        if band.sum() >= MIN_BAND and np.sum(w[band] * lab[band]) / w[band].sum() \
                >= MIN_HEDGE_PRECISION:
            hedge_at = float(t)
            break
    return answer_at, hedge_at


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Per confidence bin: mean predicted, observed share right, count."""
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        idx = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if idx.any():
            out.append({"lo": float(lo), "hi": float(hi), "predicted": float(p[idx].mean()),
                        "observed": float(y[idx].mean()), "n": int(idx.sum())})
    return out


# --- reporting --------------------------------------------------------------------------------
def plot_reliability(curves: dict[str, list[dict[str, float]]], path: Path) -> None:
    """Predicted confidence against observed accuracy, one line per data set."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1, label="perfectly calibrated")
    for name, points in curves.items():
        ax.plot([b["predicted"] for b in points], [b["observed"] for b in points], marker="o",
                label=name)
    ax.set_xlabel("predicted confidence")
    ax.set_ylabel("observed share of right answers")
    ax.set_title("Reliability of the answer confidence")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``bot calibrate``."""
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN,
                        help="SQuAD 2.0 file to fit on (default: squad2-train-10.json)")
    parser.add_argument("--qa", type=Path, nargs="*", default=None,
                        help="article question files to fit on (default: tests/data/"
                        f"{{{','.join(ARTICLE_SETS)}}}.jsonl)")
    parser.add_argument("--documents", type=Path, nargs="*", default=None,
                        help="reader-style question files about other documents (each line "
                        "names its SQuAD article in 'document'; default: tests/data/docs/)")
    parser.add_argument("--held-documents", type=Path, nargs="*", default=None,
                        help="reader-style question files about six more documents, scored "
                        "and never fitted (default: tests/data/docs-heldout/)")
    parser.add_argument("--measure", type=Path, default=DEFAULT_MEASURE,
                        help="held-out SQuAD file: scored for the report, never fitted")
    parser.add_argument("--rows", type=Path, default=REPO / "artifacts" / "calibration-rows.json",
                        help="cache of collected signals (reused with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="refit on the cached rows")
    parser.add_argument("--folds", type=int, default=5, help="group folds (default 5)")
    parser.add_argument("--fit-on", nargs="+", default=list(FIT_ON),
                        choices=["article", "documents", "squad"],
                        help="origins the decision is fitted on (default: reader-style "
                        "questions: article, documents); the others are only scored")
    parser.add_argument("--reranker", action=argparse.BooleanOptionalAction, default=False,
                        help="use the answer cross-encoder's signals (default: off; measured "
                        "in docs/calibration.md, it did not earn its place)")
    parser.add_argument("--out", type=Path, default=None,
                        help="calibration file to write (default: bot/data/calibration.json)")
    parser.add_argument("--docs", type=Path, default=REPO / "docs",
                        help="where the reliability plot and figures go")
    parser.add_argument("--judge", action="store_true",
                        help="fit how the LLM judge's reading combines with the decision "
                        "instead (bot/data/judge.json; needs the LLM extra; about 20 min)")
    parser.add_argument("--judge-rows", type=Path,
                        default=REPO / "artifacts" / "judge-rows.json",
                        help="cache of the judge's rows (reused with --judge --reuse)")


def collect_all(args: argparse.Namespace, base: Any) -> dict[str, list[dict[str, Any]]]:
    """Collected rows per purpose: ``fit`` and ``measure`` (held out)."""
    qa_files = args.qa or [REPO / "tests" / "data" / f"{n}.jsonl" for n in ARTICLE_SETS]
    doc_files = args.documents
    if doc_files is None:
        doc_files = sorted((REPO / "tests" / "data" / "docs").glob("*.jsonl"))
    fit = collect_squad(args.train, base, "squad") + collect_article(qa_files, base)
    fit += collect_documents(doc_files, args.train, base)
    held_docs = args.held_documents
    if held_docs is None:
        held_docs = sorted((REPO / "tests" / "data" / "docs-heldout").glob("*.jsonl"))
    fit += collect_documents(held_docs, args.train, base, HELD_DOCUMENTS)  # never in --fit-on
    measure = collect_squad(args.measure, base, "squad") if args.measure.exists() else []
    return {"fit": fit, "measure": measure}


def reranker_training_titles(path: Path | None) -> set[str]:
    """Documents the cross-encoder was trained on (from its train_report.json): the decision
    is fitted only on the others, since the model is over-sure on its own training data."""
    from bot.rerank import DEFAULT_PATH

    report = json.loads(((path or DEFAULT_PATH) / "train_report.json").read_text("utf-8"))
    hyper = report["hyperparameters"]
    trained = {a.title for a in load_squad(Path(hyper["train"]))} if Path(
        hyper["train"]).exists() else set()
    return trained - set(hyper["holdout"])


def run(args: argparse.Namespace) -> int:
    """Collect (or reuse), fit, choose thresholds, write the calibration and the report."""
    from bot.confidence import Calibration, default_path
    from bot.settings import Settings

    if args.judge:
        from bot.learn import judge_fit

        return judge_fit.run(args)
    if not args.reuse and not args.train.exists():
        print(f"error: training file {args.train} not found", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.reuse and args.rows.exists():
        data = json.loads(args.rows.read_text(encoding="utf-8"))
    else:
        overrides: dict[str, Any] = {"data_dir": args.data_dir} if args.data_dir else {}
        try:
            data = collect_all(args, Settings(**overrides, reranker=args.reranker))
        except DocumentError as exc:  # question files and documents that do not match
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return 2
        args.rows.parent.mkdir(parents=True, exist_ok=True)
        args.rows.write_text(json.dumps(data), encoding="utf-8")
    from bot.confidence import legacy_gate

    for row in [*data["fit"], *data["measure"]]:  # rows cached before the signal existed
        if row["features"] and "legacy_gate" not in row["features"]:
            row["features"]["legacy_gate"] = legacy_gate(row["features"])
    scored_only = [r for r in data["fit"] if r["features"] and r["origin"] not in args.fit_on]
    fit_rows = [r for r in data["fit"] if r["features"] and r["origin"] in args.fit_on]
    names = sorted(n for n in fit_rows[0]["features"]
                   if args.reranker or not n.startswith("rerank"))
    if any(n.startswith("rerank") for n in names):
        seen = reranker_training_titles(Settings().reranker_path)
        fit_rows = [r for r in fit_rows if r["group"].split(":", 1)[-1] not in seen]
    x, y = design(fit_rows, names), np.array([r["label"] for r in fit_rows], dtype=float)
    w = balance_weights(fit_rows)
    groups = [r["group"] for r in fit_rows]
    oof = out_of_fold(x, y, w, groups, args.folds)
    answer_at, hedge_at = choose_thresholds(fit_rows, oof, w)
    model = fit_logistic(x, y, w)
    report = fit_report(fit_rows, oof, w, answer_at, hedge_at, data["measure"], model, names)
    for origin in sorted({r["origin"] for r in scored_only}):
        rows = [r for r in scored_only if r["origin"] == origin]
        y_o = np.array([r["label"] for r in rows], dtype=float)
        p_o = predict(model, design(rows, names))
        report["scored_only"] = {**report.get("scored_only", {}), origin: {
            "auc": auc(y_o, p_o), "n": len(rows),
            **decision_accuracy(rows, p_o, np.ones(len(rows)), answer_at)}}
    report["seconds"] = round(time.perf_counter() - started, 1)
    mean, scale, coef, b = model
    calibration = Calibration(tuple(names), tuple(map(float, mean)), tuple(map(float, scale)),
                              tuple(map(float, coef)), b, answer_at, hedge_at,
                              {"fitted_on": report["fitted_on"], "oof": report["oof"]})
    out = args.out or default_path()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(calibration.to_json() + "\n", encoding="utf-8")
    plot_reliability(report["curves"], args.docs / "reliability.png")
    (args.docs / "calibration.json").write_text(json.dumps(report, indent=1) + "\n",
                                                encoding="utf-8")
    (args.docs / "calibration.md").write_text(render_markdown(report), encoding="utf-8")
    print(render_report(report, out))
    return 0


def fit_report(rows: Sequence[dict[str, Any]], oof: np.ndarray, w: np.ndarray,
               answer_at: float, hedge_at: float, measure: Sequence[dict[str, Any]],
               model: tuple[np.ndarray, np.ndarray, np.ndarray, float], names: Sequence[str]
               ) -> dict[str, Any]:
    """Out-of-fold figures per origin, and held-out figures on the measure file."""
    y = np.array([r["label"] for r in rows], dtype=float)
    report: dict[str, Any] = {
        "fitted_on": {o: sum(1 for r in rows if r["origin"] == o)
                      for o in sorted({r["origin"] for r in rows})},
        "answer_at": answer_at, "hedge_at": hedge_at, "oof": {}, "curves": {},
        "coef": dict(zip(names, map(float, model[2]), strict=True)),
    }
    for origin in report["fitted_on"]:
        idx = np.array([r["origin"] == origin for r in rows])
        sub = [r for r in rows if r["origin"] == origin]
        report["oof"][origin] = {"auc": auc(y[idx], oof[idx]),
                                 **decision_accuracy(sub, oof[idx], np.ones(len(sub)),
                                                     answer_at)}
        report["curves"][f"{origin} (out of fold)"] = reliability(y[idx], oof[idx])
    held = [r for r in measure if r["features"]]
    if held:
        xh = design(held, names)
        yh = np.array([r["label"] for r in held], dtype=float)
        ph = predict(model, xh)
        report["held_out"] = {"auc": auc(yh, ph), "n": len(held),
                              **decision_accuracy(held, ph, np.ones(len(held)), answer_at)}
        report["curves"]["SQuAD complexity (held out)"] = reliability(yh, ph)
    return report


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_markdown(report: dict[str, Any]) -> str:
    """docs/calibration.md: how the decision was fitted and how it holds out of sample."""
    rows = [f"| {name} | {figs['n'] if 'n' in figs else report['fitted_on'].get(name, '')} | "
            f"{'n/a' if figs['auc'] is None else format(figs['auc'], '.3f')} | "
            f"{_fmt(figs['has_answer'])} | {_fmt(figs['no_answer'])} |"
            for name, figs in {**report["oof"], **{
                f"{k} (scored only, not fitted)": v for k, v in report.get(
                    "scored_only", {}).items()},
                "SQuAD complexity (held out)": report.get("held_out")}.items() if figs]
    coef = sorted(report["coef"].items(), key=lambda kv: -abs(kv[1]))
    return "\n".join([
        "# The answer/hedge/refuse decision (written by `python -m bot calibrate`)", "",
        "A logistic regression over signals of the chosen sentence (see `bot/confidence.py`)"
        " predicts whether the answer is right. It is fitted on the origins "
        f"{', '.join(report['fitted_on'])} with folds split by document (other documents) or "
        "conversation (the article), weighted so that answerable and unanswerable questions, "
        "and each origin, count equally. Origins not fitted on are scored with the final "
        "model. With `--reranker`, rows of documents the cross-encoder was trained on are "
        "left out of the fit.", "",
        f"Thresholds (from out-of-fold predictions): **answer** at confidence >= "
        f"{report['answer_at']:.2f} (best balanced accuracy), **hedge** (closest passage) at "
        f">= {report['hedge_at']:.2f} (the closest passage answers at least "
        f"{MIN_HEDGE_PRECISION:.0%} of the time in the band), else **not found**.", "",
        "| Data (figures out of fold, or held out) | Questions | AUC | Has-answer right | "
        "No-answer refused |",
        "|---|---:|---:|---:|---:|", *rows, "",
        "Has-answer right: answered (confidence over the answer threshold) with a right "
        "answer; no-answer refused: below the answer threshold. AUC: confidence against "
        "'the chosen answer is right'.", "",
        "![Reliability: predicted confidence against observed accuracy](reliability.png)", "",
        "Weights (standardised signals, largest first): " + ", ".join(
            f"`{name}` {value:+.2f}" for name, value in coef), "",
        "Reproduce: `python -m bot calibrate` (collecting the signals takes about 6 minutes "
        "on 2 cores; `--reuse` refits on the cached signals in about a second).", "",
    ])


def render_report(report: dict[str, Any], out: Path) -> str:
    """What ``bot calibrate`` prints."""
    lines = [f"Wrote {out}: answer at confidence >= {report['answer_at']:.2f}, hedge at "
             f">= {report['hedge_at']:.2f} (fitted on {report['fitted_on']})"]
    for name, figs in {**report["oof"], **report.get("scored_only", {}),
                       "held-out": report.get("held_out")}.items():
        if figs:
            auc_text = "n/a" if figs["auc"] is None else f"{figs['auc']:.3f}"
            lines.append(f"  {name:<10} AUC {auc_text}  has-answer {_fmt(figs['has_answer'])}"
                         f"  no-answer {_fmt(figs['no_answer'])}")
    return "\n".join(lines)
