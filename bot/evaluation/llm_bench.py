"""``bot bench --llm llamacpp``: what an LLM answerer costs on this machine.

Load time and resident memory added by the model, then for every question: time to the
first written token, tokens per second while writing, whole-answer latency, and how many
answers the model wrote (verified) versus fell back to the extractive quote.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from bot.evaluation.bench import rss_mb
from bot.evaluation.evaluate import summary


def timed_events(bot: Any, question: str) -> dict[str, Any]:
    """One question through ``bot.events``: first-token time, pieces, total time."""
    started = time.perf_counter()
    first = last = None
    pieces = 0
    answer: Any = None
    for item in bot.events(question, replay=False):
        now = time.perf_counter()
        if isinstance(item, str):
            first = first if first is not None else now
            last = now
            pieces += 1
        else:
            answer = item
    total = time.perf_counter() - started
    row: dict[str, Any] = {"total_ms": 1000 * total, "written_by": answer.written_by,
                           "fallback": answer.fallback, "chars": len(answer.answer)}
    if first is not None:
        row["ttft_ms"] = 1000 * (first - started)
        if last is not None and pieces > 1 and last > first:
            row["tokens_per_s"] = (pieces - 1) / (last - first)
    return row


def llm_bench(settings: Any, knowledge: Any, asked: list[str]) -> dict[str, Any]:
    """Measure ``settings.answerer`` on ``asked`` (each question once, after a warm-up)."""
    from bot.service import QantarBot

    before = rss_mb()
    started = time.perf_counter()
    bot = QantarBot(settings, knowledge)  # loads the model and reads the system prompt once
    load_s = time.perf_counter() - started
    rows = [timed_events(bot, q) for q in asked]
    reached = [r for r in rows if "ttft_ms" in r]
    written = [r for r in rows if r["written_by"] != "extractive"]
    return {
        "answerer": settings.answerer,
        "load_s": round(load_s, 2),
        "rss_added_mb": round(rss_mb() - before, 1),
        "questions": len(rows),
        "reached_model": len(reached),
        "written_verified": len(written),
        "fallbacks": dict(Counter(r["fallback"] for r in rows if r["fallback"])),
        "ttft_ms": summary([r["ttft_ms"] for r in reached], 0),
        "tokens_per_s": summary([r["tokens_per_s"] for r in reached if "tokens_per_s" in r]),
        "answer_ms": summary([r["total_ms"] for r in rows], 0),
        "model_answer_ms": summary([r["total_ms"] for r in reached], 0),
        "mean_chars": round(sum(r["chars"] for r in rows) / max(len(rows), 1), 1),
    }
