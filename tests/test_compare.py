"""``bot compare``: pairing two eval runs, the exact McNemar p-value, and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.evaluation.compare import CompareError, compare, mcnemar_p, outcomes


def squad(rights: dict[str, bool], impossible: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {"rows": [{"id": k, "question": f"q {k}", "impossible": k in impossible, "right": v}
                     for k, v in rights.items()]}


def turns(rows: list[tuple[str, int, bool, bool | None, bool]]) -> dict[str, Any]:
    """(conversation, turn, answerable, accurate, found) per turn."""
    return {"turns": [{"conversation": c, "turn": t, "question": f"{c} {t}", "answerable": a,
                       "accurate": acc, "found": f, "error": None} for c, t, a, acc, f in rows]}


@pytest.mark.parametrize(("only_a", "only_b", "p"), [
    (0, 0, 1.0), (0, 6, 0.03125), (6, 0, 0.03125), (4, 6, 0.75390625), (5, 5, 1.0),
    (1, 0, 1.0), (0, 10, 0.001953125)])
def test_mcnemar_exact_values(only_a: int, only_b: int, p: float) -> None:
    assert mcnemar_p(only_a, only_b) == pytest.approx(p)


def test_squad_rows_pair_by_id_and_split_by_kind() -> None:
    a = outcomes(squad({"1": True, "2": True, "3": False, "4": True}, impossible=frozenset({"4"})))
    b = outcomes(squad({"1": False, "2": True, "3": True, "4": False, "5": True},
                       impossible=frozenset({"4"})))
    rows = {r.group: r for r in compare(a, b)}
    assert set(rows) == {"has-answer", "no-answer", "all"}
    has = rows["has-answer"]
    assert (has.n, has.right_a, has.right_b, has.only_a, has.only_b) == (3, 2, 2, 1, 1)
    assert (rows["no-answer"].only_a, rows["no-answer"].only_b) == (1, 0)
    assert rows["all"].n == 4  # "5" is in one run only


def test_turns_count_a_refusal_right_only_when_not_found() -> None:
    a = outcomes(turns([("c1", 1, True, True, True), ("c1", 2, False, None, False),
                        ("c2", 1, False, None, True)]))
    assert a["c1#1"].right and a["c1#2"].right and not a["c2#1"].right
    errored = outcomes({"turns": [{"conversation": "c", "turn": 1, "answerable": False,
                                   "found": False, "error": "boom"}]})
    assert not errored["c#1"].right


def test_one_group_has_no_all_row() -> None:
    a = outcomes(squad({"1": True, "2": False}))
    assert [r.group for r in compare(a, a)] == ["has-answer"]


def test_unknown_layout_and_disjoint_runs_are_errors() -> None:
    with pytest.raises(CompareError, match="neither 'rows' nor 'turns'"):
        outcomes({"summary": {}})
    with pytest.raises(CompareError, match="share no question"):
        compare(outcomes(squad({"1": True})), outcomes(squad({"2": True})))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "compare", *args], capture_output=True,
                          text=True, timeout=120)


def test_compare_command_end_to_end(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    rights_a = {str(i): i < 10 for i in range(20)}
    rights_b = {str(i): i < 4 or i >= 18 for i in range(20)}  # 6 lost, 2 gained
    a.write_text(json.dumps(squad(rights_a)))
    b.write_text(json.dumps(squad(rights_b)))
    done = run(str(a), str(b), "--names", "before", "after", "--list")
    assert done.returncode == 0, done.stderr
    table = done.stdout.splitlines()
    row = next(line for line in table if line.startswith("has-answer"))
    assert row.split()[1:] == ["20", "10", "(50.0%)", "6", "(30.0%)", "6", "2", "0.289"]
    assert sum(line.startswith("only before: ") for line in table) == 6
    assert sum(line.startswith("only after: ") for line in table) == 2


def test_compare_command_errors_say_what_is_wrong(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(squad({"1": True})))
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    for args, message in (((str(tmp_path / "missing.json"), str(good)), "cannot read"),
                          ((str(bad), str(good)), "not a 'bot eval --json' report")):
        done = run(*args)
        assert done.returncode == 2 and message in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_output_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    """``bot compare a b --list | head -1``: the reader closes the pipe early."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(squad({str(i): True for i in range(5000)})))
    b.write_text(json.dumps(squad({str(i): False for i in range(5000)})))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "compare", str(a), str(b), "--list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().startswith("questions")
    proc.stdout.close()  # as head does after its line
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "Traceback" not in err, err
