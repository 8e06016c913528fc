"""SQuAD 2.0 harness: index each article alone, ask every question once, score leniently.

Used by ``bot eval --squad FILE`` (measuring) and by ``bot calibrate`` (collecting the
signals the answer/hedge/refuse decision is fitted on). Scoring follows
``shared/eval/external/README.md``: an answerable question is right when ``found`` is true
and the answer contains a gold answer after normalisation; an unanswerable one when
``found`` is false.
"""

from __future__ import annotations

import json
import re
import string
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation + "“”‘’–—")


class DocumentError(KeyError):
    """A question file names no document, or one its SQuAD file lacks (a KeyError, as
    ``bot eval`` reports bad input files)."""


@dataclass
class SquadQuestion:
    """One question with its gold answers (empty when unanswerable)."""

    id: str
    question: str
    answers: list[str]
    impossible: bool


@dataclass
class SquadArticle:
    """An article: its paragraphs, indexed as one document, and its questions."""

    title: str
    paragraphs: list[str]
    questions: list[SquadQuestion] = field(default_factory=list)

    def text(self) -> str:
        """The document as indexed: the title line, then the paragraphs."""
        return "\n\n".join([self.title.replace("_", " "), *self.paragraphs]) + "\n"


def load_squad(path: Path) -> list[SquadArticle]:
    """Parse a SQuAD 2.0 JSON file (``data[].paragraphs[].qas[]``)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    articles = []
    for item in data["data"]:
        article = SquadArticle(item["title"], [p["context"] for p in item["paragraphs"]])
        for para in item["paragraphs"]:
            for qa in para["qas"]:
                article.questions.append(SquadQuestion(
                    id=qa["id"], question=qa["question"],
                    answers=[a["text"] for a in qa.get("answers", [])],
                    impossible=bool(qa.get("is_impossible", False)),
                ))
        articles.append(article)
    return articles


def normalise_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no a/an/the, single spaces."""
    text = _ARTICLES.sub(" ", text.lower().translate(_PUNCT))
    return " ".join(text.split())


def contains_gold(text: str, answers: list[str]) -> bool:
    """Whether ``text`` holds one of the gold answers (normalised containment)."""
    norm = f" {normalise_answer(text)} "
    return any(f" {normalise_answer(a)} " in norm for a in answers if normalise_answer(a))


def article_settings(base: Any, article: SquadArticle, workdir: Path) -> Any:
    """Settings that index ``article`` alone (bundled article off) into ``workdir``."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", article.title)[:60] or "article"
    source = workdir / f"{slug}.txt"
    source.write_text(article.text(), encoding="utf-8")
    return base.model_copy(update={
        "data_dir": workdir / "data", "include_article": False, "sources": [source],
        "feedback_path": workdir / "feedback.jsonl",
    })


def article_bots(base: Any, articles: list[SquadArticle], collect: bool = False,
                 chat_model: Any = None) -> Iterator[tuple[SquadArticle, Any]]:
    """A fresh bot per article, each over its own temporary index (``collect``: the
    decision off, as ``bot calibrate`` needs; ``chat_model``: one LLM shared by all)."""
    from bot.service import QantarBot

    for article in articles:
        with tempfile.TemporaryDirectory(prefix="qantar-squad-") as tmp:
            settings = article_settings(base, article, Path(tmp))
            yield article, QantarBot.from_settings(settings, collect, chat_model)


def lead_of(answer: Any) -> str | None:
    """The short value an answer leads with ("Over 3,000 weapons — “…” [1]"), if any."""
    head, dash, _ = answer.answer.partition(" — ")
    if not dash or not answer.found or not answer.citations or "[" in head:
        return None
    first = answer.citations[0].text.strip()[:20]
    return None if first and answer.answer.lstrip("…“\" ").startswith(first) else head


def lead_holds_gold(lead: str, answers: list[str]) -> bool:
    """A lead is right when it holds a gold answer or is part of one ("Maycomb" of
    "Maycomb, Alabama")."""
    norm = normalise_answer(lead)
    return contains_gold(lead, answers) or bool(norm) and any(
        f" {norm} " in f" {normalise_answer(a)} " for a in answers)


def score_row(q: SquadQuestion, answer: Any, ms: float) -> dict[str, Any]:
    """One question's outcome, as ``--json`` writes it."""
    found = bool(answer.found)
    cited = any(contains_gold(c.text, q.answers) for c in answer.citations)
    right = not found if q.impossible else found and contains_gold(answer.answer, q.answers)
    lead = lead_of(answer)
    return {
        "id": q.id, "question": q.question, "impossible": q.impossible,
        "gold": q.answers[:3], "answer": answer.answer, "found": found,
        "status": answer.status, "confidence": answer.confidence,
        "right": right, "cited": cited if not q.impossible else None,
        "answer_chars": len(answer.answer), "ms": round(ms, 2),
        "written_by": answer.written_by, "fallback": answer.fallback, "lead": lead,
        "lead_right": (lead_holds_gold(lead, q.answers)
                       if lead and not q.impossible and right else None),
    }


def ask_all(bot: Any, article: SquadArticle, progress: Any = None) -> list[dict[str, Any]]:
    """Ask every question of ``article`` once (no history) and score it."""
    rows = []
    for q in article.questions:
        started = time.perf_counter()
        try:
            answer = bot.ask(q.question, [])
        except Exception as exc:  # an evaluation records errors, it does not stop
            rows.append({"id": q.id, "question": q.question, "impossible": q.impossible,
                         "right": False, "error": f"{type(exc).__name__}: {exc}"})
            continue
        rows.append({"article": article.title,
                     **score_row(q, answer, (time.perf_counter() - started) * 1000)})
        if progress is not None:
            progress.update(1)
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Has-answer, no-answer and overall accuracy, cited rate, answer size, latency."""
    import numpy as np

    def rate(items: list[dict[str, Any]], key: str) -> float | None:
        values = [bool(r[key]) for r in items if r.get(key) is not None]
        return round(sum(values) / len(values), 4) if values else None

    has = [r for r in rows if not r["impossible"]]
    no = [r for r in rows if r["impossible"]]
    ms = [r["ms"] for r in rows if "ms" in r]
    chars = [r["answer_chars"] for r in rows if r.get("found")]
    return {
        "questions": len(rows), "has_answer_n": len(has), "no_answer_n": len(no),
        "has_answer": rate(has, "right"), "no_answer": rate(no, "right"),
        "overall": rate(rows, "right"), "cited": rate(has, "cited"),
        "lead_right": rate(has, "lead_right"),
        "always_refuse": round(len(no) / len(rows), 4) if rows else None,
        "answered_share": rate(rows, "found"),
        "mean_answer_chars": round(float(np.mean(chars)), 1) if chars else None,
        "p50_ms": round(float(np.percentile(ms, 50)), 1) if ms else None,
        "errors": sum(1 for r in rows if "error" in r),
    }


def evaluate_squad(path: Path, base: Any, show_progress: bool = True) -> dict[str, Any]:
    """Index each article of ``path`` alone, ask all its questions, summarise."""
    from tqdm import tqdm

    articles = load_squad(path)
    total = sum(len(a.questions) for a in articles)
    rows: list[dict[str, Any]] = []
    with tqdm(total=total, disable=not show_progress, unit="q", desc="SQuAD") as bar:
        for article, bot in article_bots(base, articles):
            rows += ask_all(bot, article, bar)
    return {"file": str(path), "summary": summarise(rows), "rows": rows}


def render(report: dict[str, Any]) -> str:
    """The summary as an aligned text table."""
    s = report["summary"]
    lines = [f"SQuAD 2.0: {report['file']} ({s['questions']} questions: "
             f"{s['has_answer_n']} answerable, {s['no_answer_n']} unanswerable)"]
    for label, key in (("has-answer accuracy", "has_answer"), ("no-answer accuracy", "no_answer"),
                       ("overall accuracy", "overall"), ("always refusing", "always_refuse"),
                       ("answerable: a citation holds a gold answer", "cited"),
                       ("right answers with a short lead: lead holds it", "lead_right"),
                       ("share answered (found)", "answered_share"),
                       ("mean answer characters", "mean_answer_chars"),
                       ("answer p50 ms", "p50_ms"), ("errors", "errors")):
        value = s[key]
        shown = "n/a" if value is None else (f"{value:.3f}" if isinstance(value, float)
                                             and value <= 1 else str(value))
        lines.append(f"  {label:<44} {shown}")
    return "\n".join(lines)


# --- reader questions about other documents ---------------------------------------------------
def document_conversations(files: list[Path]) -> dict[str, list[Any]]:
    """Conversations of question files whose lines name their document (``document``: a
    SQuAD article title), grouped by document in first-seen order."""
    from bot.evaluation.evaluate import load_qa

    wanted: dict[str, list[Any]] = {}
    for path in files:
        lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x]
        for number, (data, conv) in enumerate(zip(lines, load_qa(path), strict=True), 1):
            if "document" not in data:
                raise DocumentError(f"line {number} of {path} names no 'document' (the "
                                    "title of the SQuAD article it asks about)")
            wanted.setdefault(str(data["document"]), []).append(conv)
    return wanted


def default_documents(files: list[Path]) -> Path | None:
    """Where the documents of ``files`` are: ``documents.json`` beside them, if present."""
    beside = files[0].parent / "documents.json" if files else None
    return beside if beside is not None and beside.exists() else None


def named_documents(files: list[Path], source: Path) -> list[tuple[SquadArticle, list[Any]]]:
    """The SQuAD articles of ``source`` that the lines of ``files`` ask about, each with its
    conversations; a title ``source`` lacks is an error (a question file and its documents
    that do not match would silently shrink the measurement)."""
    wanted = document_conversations(files)
    by_title = {a.title: a for a in load_squad(source)}
    missing = [t for t in wanted if t not in by_title]
    if missing:
        raise DocumentError(f"{source} has no document titled {', '.join(map(repr, missing))}")
    return [(by_title[t], convs) for t, convs in wanted.items()]


def evaluate_documents(files: list[Path], source: Path, base: Any) -> list[Any]:
    """Each named document indexed alone, its conversations asked in order (history
    carried) and scored as ``bot eval --qa`` scores the article's (``TurnResult`` rows)."""
    from bot.evaluation.evaluate import evaluate

    pairs = named_documents(files, source)
    results = []
    bots = article_bots(base, [article for article, _ in pairs])
    for (_, bot), (_, convs) in zip(bots, pairs, strict=True):
        results += evaluate(bot, convs, bot.settings.k)
    return results
