"""``python -m bot compare A.json B.json``: two runs over the same questions, paired.

Totals from small sets say little about a change: 117 against 119 right out of 197 may be
noise. This pairs the questions of two ``bot eval --json`` files (the same ``--qa``,
``--docs`` or ``--squad`` data under two answerers or two commits), counts the questions
only one run got right and gives the exact McNemar p-value (a two-sided binomial test on
those questions), so a change is judged by what it changed rather than by its totals.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_USAGE = 2


class CompareError(ValueError):
    """A file that is not a ``bot eval --json`` report, or two that share no question."""


@dataclass(frozen=True)
class Outcome:
    """One question of a run: its group (answerable or not), right or not, and its text."""

    group: str
    right: bool
    question: str


def outcomes(report: dict[str, Any]) -> dict[str, Outcome]:
    """Per-question outcomes of a ``bot eval --json`` report, keyed so two runs pair up.

    SQuAD rows are keyed by question id; article and document turns by conversation and
    turn. Right means what the report's own figures count: an answerable question answered
    right; an unanswerable one not answered (``found`` false, no error).
    """
    if isinstance(report.get("rows"), list):  # --squad
        return {str(r["id"]): Outcome("no-answer" if r.get("impossible") else "has-answer",
                                      bool(r.get("right")), str(r.get("question", "")))
                for r in report["rows"]}
    if isinstance(report.get("turns"), list):  # --qa and --docs
        return {f"{t['conversation']}#{t['turn']}": _turn_outcome(t) for t in report["turns"]}
    raise CompareError("not a 'bot eval --json' report (it has neither 'rows' nor 'turns')")


def _turn_outcome(turn: dict[str, Any]) -> Outcome:
    if turn.get("answerable"):
        return Outcome("answerable", bool(turn.get("accurate")), str(turn.get("question", "")))
    refused = turn.get("found") is False and not turn.get("error")
    return Outcome("unanswerable", refused, str(turn.get("question", "")))


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p-value: how likely a split at least this uneven of the
    questions only one run got right would be if both runs were equally good."""
    n = only_a + only_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(only_a, only_b) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class Row:
    """Paired counts for one group of questions (or all of them)."""

    group: str
    n: int
    right_a: int
    right_b: int
    only_a: int
    only_b: int

    @property
    def p(self) -> float:
        return mcnemar_p(self.only_a, self.only_b)


def compare(a: dict[str, Outcome], b: dict[str, Outcome]) -> list[Row]:
    """Counts per group, then over all paired questions."""
    keys = [k for k in a if k in b]
    if not keys:
        raise CompareError("the two reports share no question: were they run on the same file?")
    groups = sorted({a[k].group for k in keys})
    rows = [_row(g, [k for k in keys if a[k].group == g], a, b) for g in groups]
    return [*rows, _row("all", keys, a, b)] if len(groups) > 1 else rows


def _row(group: str, keys: list[str], a: dict[str, Outcome], b: dict[str, Outcome]) -> Row:
    return Row(group, len(keys), sum(a[k].right for k in keys), sum(b[k].right for k in keys),
               sum(a[k].right and not b[k].right for k in keys),
               sum(b[k].right and not a[k].right for k in keys))


def render(rows: list[Row], names: tuple[str, str], unpaired: int) -> str:
    """The table a terminal shows."""
    na, nb = names
    head = f"{'questions':<14}{'n':>5}  {na + ' right':>16}  {nb + ' right':>16}  " \
           f"{'only ' + na:>14}  {'only ' + nb:>14}  {'p (McNemar)':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.group:<14}{r.n:>5}  {_share(r.right_a, r.n):>16}  "
                     f"{_share(r.right_b, r.n):>16}  {r.only_a:>14}  {r.only_b:>14}  "
                     f"{r.p:>11.3f}")
    if unpaired:
        lines.append(f"({unpaired} question(s) in only one of the files were left out)")
    lines.append("p: the chance of a split at least this uneven between the 'only' columns "
                 "if the two runs were equally good; above 0.05 the difference may be noise.")
    return "\n".join(lines)


def _share(right: int, n: int) -> str:
    return f"{right} ({right / n:.1%})" if n else "0"


def discordant(a: dict[str, Outcome], b: dict[str, Outcome], names: tuple[str, str]
               ) -> list[str]:
    """One line per question only one run got right (for development sets: held-out sets
    are for totals only)."""
    return [f"only {names[0] if a[k].right else names[1]}: {k} [{a[k].group}] {a[k].question}"
            for k in a if k in b and a[k].right != b[k].right]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``bot compare``."""
    parser.add_argument("a", type=Path, help="the first 'bot eval --json' report")
    parser.add_argument("b", type=Path, help="the second report, over the same questions")
    parser.add_argument("--names", nargs=2, metavar=("A", "B"),
                        help="labels for the two runs (default: the file names)")
    parser.add_argument("--list", action="store_true",
                        help="also list the questions only one run got right (not for "
                        "held-out sets, whose questions are for totals only)")


def _load(path: Path) -> dict[str, Outcome]:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompareError(f"cannot read {path}: {exc}") from exc
    if not isinstance(report, dict):
        raise CompareError(f"{path}: not a 'bot eval --json' report")
    try:
        return outcomes(report)
    except CompareError as exc:
        raise CompareError(f"{path}: {exc}") from exc
    except (KeyError, TypeError) as exc:
        raise CompareError(f"{path}: a row lacks a field ({exc})") from exc


def run(args: argparse.Namespace) -> int:
    """Print the paired table (and, with ``--list``, the questions that differ)."""
    names = tuple(args.names) if args.names else (args.a.stem, args.b.stem)
    try:
        a, b = _load(args.a), _load(args.b)
        rows = compare(a, b)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    unpaired = len(a.keys() ^ b.keys())
    print(render(rows, (names[0], names[1]), unpaired))
    if args.list:
        print("\n".join(discordant(a, b, (names[0], names[1]))))
    return 0
