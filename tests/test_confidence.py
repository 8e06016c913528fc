"""The learned decision: calibration file, fitting helpers, SQuAD scoring, short answers,
and ``bot eval --squad`` / ``bot calibrate`` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.confidence import Calibration, CalibrationError, load_calibration
from bot.contract import Answer, Citation
from bot.learn import calibrate
from bot.learn.squad import contains_gold, lead_holds_gold, lead_of, load_squad, normalise_answer
from bot.question import Question, has_value
from bot.short import lead, short_value

DATA = Path(__file__).parent / "data"
MINI = DATA / "squad-mini.json"


def calibration(**kw: float) -> Calibration:
    return Calibration(("a", "b"), (0.0, 0.0), (1.0, 1.0), (2.0, -1.0), 0.0,
                       kw.get("answer_at", 0.6), kw.get("hedge_at", 0.3))


# --- the calibration file ---------------------------------------------------------------------
def test_prediction_follows_the_signs_of_the_weights() -> None:
    cal = calibration()
    assert cal.predict({"a": 1.0}) > cal.predict({"a": 0.0}) > cal.predict({"a": -1.0})
    assert cal.predict({"b": 1.0}) < cal.predict({"b": 0.0})
    assert 0.0 < cal.predict({"a": 1e6}) <= 1.0


def test_three_outcomes_from_the_thresholds() -> None:
    cal = calibration(answer_at=0.6, hedge_at=0.3)
    assert cal.outcome(0.6) == "answered"
    assert cal.outcome(0.45) == "closest"
    assert cal.outcome(0.1) == "not_found"


def test_calibration_round_trips_through_json() -> None:
    cal = calibration()
    again = Calibration.from_json(cal.to_json())
    assert again == cal


def test_missing_or_broken_calibration_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(CalibrationError, match="bot calibrate"):
        load_calibration(tmp_path / "nope.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CalibrationError, match="bot calibrate"):
        load_calibration(broken)


def test_shipped_calibration_is_sane() -> None:
    cal = load_calibration()
    assert 0 < cal.hedge_at <= cal.answer_at < 1
    assert len(cal.features) == len(cal.coef) == len(cal.mean) == len(cal.scale)
    assert all(s > 0 for s in cal.scale)
    assert cal.info["fitted_on"]["article"] > 300 and cal.info["fitted_on"]["documents"] > 100


def test_every_signal_the_calibration_uses_is_computed(real_bot: object) -> None:
    from langchain_core.tracers.context import collect_runs

    from bot.evaluation.evaluate import _find_output

    with collect_runs() as runs:
        real_bot.ask("How long did Tokayev stay in the Akorda?")  # type: ignore[attr-defined]
    draft = _find_output(runs.traced_runs, "answer")
    computed = set(draft.signals["features"])
    assert set(load_calibration().features) <= computed


# --- fitting ----------------------------------------------------------------------------------
def synthetic_rows(n: int = 400, seed: int = 0) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for i in range(n):
        answerable = bool(i % 3)
        label = int(answerable and rng.random() < 0.8)
        rows.append({"group": f"g{i % 12}", "origin": "squad" if i % 2 else "article",
                     "answerable": answerable, "label": label,
                     "features": {"signal": label * 2.0 + rng.normal(), "noise": rng.normal()}})
    return rows


def test_fitted_model_separates_and_folds_keep_groups_apart() -> None:
    rows = synthetic_rows()
    names = ["noise", "signal"]
    x = calibrate.design(rows, names)
    y = np.array([r["label"] for r in rows], dtype=float)
    w = calibrate.balance_weights(rows)
    groups = [str(r["group"]) for r in rows]
    folds = calibrate.group_folds(groups, 4)
    seen = [{groups[i] for i in fold} for fold in folds]
    assert all(not (a & b) for i, a in enumerate(seen) for b in seen[i + 1:])
    assert sum(len(f) for f in folds) == len(rows)
    oof = calibrate.out_of_fold(x, y, w, groups, 4)
    assert (calibrate.auc(y, oof) or 0.0) > 0.85
    model = calibrate.fit_logistic(x, y, w)
    assert model[2][names.index("signal")] > abs(model[2][names.index("noise")])


def test_weights_balance_origins_and_answerability() -> None:
    rows = synthetic_rows()
    w = calibrate.balance_weights(rows)
    for origin in ("squad", "article"):
        for answerable in (True, False):
            part = sum(w[i] for i, r in enumerate(rows)
                       if r["origin"] == origin and r["answerable"] is answerable)
            assert part == pytest.approx(len(rows) / 4)


def test_thresholds_hedge_below_answer() -> None:
    rows = synthetic_rows()
    p = np.array([0.9 if r["label"] else (0.4 if r["answerable"] else 0.1) for r in rows])
    answer_at, hedge_at = calibrate.choose_thresholds(rows, p, calibrate.balance_weights(rows))
    assert 0.1 < answer_at <= 0.9 and hedge_at <= answer_at


def test_reliability_bins_cover_every_prediction() -> None:
    y = np.array([0, 1, 1, 0, 1.0])
    p = np.array([0.05, 0.95, 0.5, 0.5, 1.0])
    bins = calibrate.reliability(y, p)
    assert sum(b["n"] for b in bins) == len(y)


# --- SQuAD scoring ----------------------------------------------------------------------------
def test_squad_normalisation_and_containment() -> None:
    assert normalise_answer("The  “Quick”, brown fox!") == "quick brown fox"
    assert contains_gold("It was built in 1871 on a headland.", ["1871"])
    assert not contains_gold("It was built in 18712.", ["1871"])
    assert not contains_gold("anything", [])


def test_the_lead_of_an_answer_is_scored_against_the_gold() -> None:
    quote = "The lighthouse was built in 1871 on the headland"
    cite = Citation(n=1, chunk_id="c", source="s.txt", title="S", text=quote, start=0,
                    end=len(quote), score=1.0)
    led = Answer(answer=f"1871 — {quote} [1].", found=True, status="answered",
                 citations=[cite])
    plain = Answer(answer=f"{quote} — or so they say [1].", found=True, status="answered",
                   citations=[cite])
    assert lead_of(led) == "1871" and lead_of(plain) is None
    assert lead_holds_gold("1871", ["in 1871"]) and lead_holds_gold("Maycomb", ["Maycomb, AL"])
    assert not lead_holds_gold("1870", ["1871"])


def test_squad_file_is_parsed() -> None:
    articles = load_squad(MINI)
    assert [len(a.questions) for a in articles] == [9, 6]
    assert sum(q.impossible for a in articles for q in a.questions) == 5
    assert articles[0].text().startswith("Lighthouse of Brenmoor\n\n")


# --- short answers ----------------------------------------------------------------------------
@pytest.mark.parametrize(("question", "text", "value"), [
    ("How many weapons were stolen?",
     "Over 3,000 weapons were stolen from police stations across the country.",
     "Over 3,000 weapons"),
    ("When did the protests begin?",
     "The protests broke out on Jan. 2, 2022 in the western town of Zhanaozen.", "Jan. 2, 2022"),
    ("Where did the protests begin?",
     "The protests broke out on Jan. 2, 2022 in the western town of Zhanaozen.", "Zhanaozen"),
    ("How long did he stay there?",
     "He said that he stayed for two weeks in the official residence.", "Two weeks"),
    ("Who designed the tower?",
     "The tower is 34 metres tall and was designed by the engineer Ada Lindqvist.",
     "Ada Lindqvist"),
    ("What is the tower made of?", "The tower is built of local granite blocks.", None),
    # the place after the sentence names what is asked for, not the one it opens with;
    # a list of examples, or places asked in the plural, whole
    ("Which towns did the strike spread to?", "The strike in Vardo soon spread to other "
     "towns, including Alta, Honningsvag and Kirkenes, within a week.",
     "Alta, Honningsvag and Kirkenes"),
    ("Where did the strike spread after Vardo?", "The strike in Vardo soon spread to other "
     "towns, including Alta, Honningsvag and Kirkenes.", "Alta, Honningsvag and Kirkenes"),
    # a measure keeps its unit; a number word inside a name is not an amount
    ("How tall is the tower?", "The tower was designed by Ada Lindqvist and stands 34 metres "
     "tall on the headland.", "34 metres"),
    ("How tall is One Harbour Tower?", "One Harbour Tower is 1,776 feet (541 m) tall, the "
     "tallest on the coast.", "1,776 feet"),
    # a question naming its unit gets the amount in that unit
    ("How tall is One Harbour Tower in meters?", "One Harbour Tower is 1,776 feet (541 m) "
     "tall, the tallest on the coast.", "541 m"),
    ("How large is the park in hectares?", "The park covers 2,772 acres (1,122 hectares) "
     "of woods.", "1,122 hectares"),
    ("Which town was the strike called in?", "The strike was called in Vardo, a town near "
     "the border, and reached Alta later.", "Vardo"),
    # a sum of money keeps its sign or currency word; a year is no price
    ("How much money did the city receive?", "In 2009 the city received $457 million in "
     "donated money, including $83 million from abroad.", "$457 million"),
    ("How much did the bridge cost?", "Work began in 1998 and the bridge cost 245 million "
     "euros in the end.", "245 million euros"),
    # "what year" is answered by a year, not by the month a sentence opens with
    ("What year did the strike end?", "The strike began in January and ended on March 3, "
     "1998, after talks.", "1998"),
    ("When did the strike end?", "The strike began in January and ended on March 3, 1998.",
     "March 3, 1998"),
    # a month, percentage or century question: that value, not the first number or date
    ("In what month did the strike end?", "In 1998 the strike ended on 3 March after talks.",
     "3 March"),
    ("What percentage of workers joined?", "In 1998, 45 percent of the 3,000 workers joined.",
     "45 percent"),
    ("In what century was the castle built?", "Monks built the castle in the 12th century.",
     "12th century"),
    # "concern over $3 billion" is about that sum, "seized over 3,000" more than it
    ("How much damage was done?", "He expressed concern over $3 billion worth of damage "
     "inflicted during the unrest.", "$3 billion worth of damage"),
    ("How many weapons were seized?", "He noted that over 3,000 weapons were seized in "
     "the unrest.", "Over 3,000 weapons"),
    ("How much did the college pay for the laptops?", "The college gave laptops to all "
     "incoming students in the fall of 2004.", None),
    # of several values of the asked kind, the one beside the question's words
    ("How much did the second phase cost?", "The first phase cost $40 million in 2001 and "
     "the second phase cost $95 million.", "$95 million"),
    ("What is the name of the ship the explorer sailed?", "Captain Rolf Hansen, a navigator "
     "from Bergen, sailed the ship Nordlys Star across the sea.", "Nordlys Star"),
    # a one-word name given after "known as" or in quotes
    ("What is the name of the festival?", "Every summer the town of Bergen Falls holds its "
     "festival, known as Midsommar, by the river.", "Midsommar"),
    ("What was the name of the ship?", "Captain Rolf Hansen sailed from Oslo aboard the "
     "schooner “Stella” in 1890.", "Stella"),
    # a name whose hyphen splits it stays whole; a speed keeps "km/h"; a year is no amount
    ("What is the full name of the new mayor?", "Mayor Anna-Lise Berg took office in the "
     "spring.", "Mayor Anna-Lise Berg"),
    ("How fast did the winner go on average?", "In 1987 the speed was 67 km/h, and by 2007 "
     "the winner's average had improved.", "67 km/h"),
    ("How far is it from Chengdu?", "The epicentre lay 80 km to the west of the old provincial "
     "capital of Chengdu, with the first tremor at 14:28.", "80 km"),
    ("What share of the market did the firm hold?", "From January 2004 to January 2005, its "
     "market share rose to 65%.", "65%"),
    # a question term across a clause boundary belongs to the other clause's value
    ("How large was the number of injured?", "Officials said 10,000 people were injured and "
     "80% of the buildings were destroyed.", "10,000"),
    # a count does not reach past a comma to the thing counted
    ("How many people were hurt in the floods?", "In March 2015, people were hurt in the "
     "floods.", None),
    ("How many residents did the city have in 2012?", "In 2012, residents numbered about "
     "2.7 million.", None),
    # a place: the one beside the question's words, not a word describing a noun
    ("Where was the treaty signed?", "Drafted in Vienna by the envoys, the treaty was signed "
     "in Paris a year later.", "Paris"),
    ("Where did the ferry dock?", "The ferry docked at the French port of Calais.", "Calais"),
    ("Where did the strike begin?", "The strike in Lyon triggered walkouts in other cities, "
     "including Paris and Nantes.", "Lyon"),
    ("Where is the museum?", "The museum stands in Oslo's old harbour district.", "Oslo"),
    ("Where was the book published?", "It appeared in an English translation in 1950.", None),
    # a place the sentence negates is not the answer
    ("Where was the treaty signed?", "The treaty was not signed in Vienna but in Paris.",
     "Paris"),
    ("Where did the gunmen get their weapons?", "This was not limited to Almaty, said the "
     "minister, noting that weapons were seized.", None),
    ("What country did Chopin never return to?", "Chopin arrived in Paris in 1831; he would "
     "never return to Poland.", "Poland"),
    # a title is no place
    ("Where is the story set?", "The draft is set 20 years after the time depicted in To Kill "
     "a Mockingbird.", None),
])
def test_short_value_is_cut_from_the_sentence(question: str, text: str, value: str | None
                                              ) -> None:
    got = short_value(Question.parse(question), text)
    assert got == value
    if got:
        assert got.lower() in text.lower()


@pytest.mark.parametrize(("question", "money"), [
    ("How much did the bridge cost?", True),
    ("how much money did they raise", True),
    ("What was the new price of the ticket?", True),
    ("How expensive was it?", True),
    ("How much did the Solar Total Energy Project in Shenandoah cost to build?", True),
    ("How much land did they lose?", False),
    ("How much land did the farmers who were paid by the state lose?", False),
    ("How many weapons were stolen?", False),
    ("How much did the price rise?", False),
])
def test_questions_asking_for_money(question: str, money: bool) -> None:
    """Only a sum of money answers "how much did it cost?": a year or a count is no
    value of that kind, so such a sentence does not count as typed."""
    q = Question.parse(question)
    assert q.money is money
    if money:
        assert not has_value(q, "The bridge opened in 2004 after 12 years of work.")
        assert has_value(q, "The bridge cost $40 million, paid by the state.")


@pytest.mark.parametrize("question", ["What year did the bridge open?",
                                      "In which year was the bridge opened?"])
def test_a_year_question_needs_a_year(question: str) -> None:
    """A month is a date but no year: "the bridge opened in January" does not say which."""
    q = Question.parse(question)
    assert q.wants == "year"
    assert not has_value(q, "The bridge opened in January after 12 years of work.")
    assert has_value(q, "The bridge opened in January 2004.")
    assert Question.parse("When did the bridge open?").wants is None


def test_who_lead_is_a_person_the_documents_know() -> None:
    """A "who" question's short answer is a person, not the newspaper the quote names."""
    q = Question.parse("Who gave the interview?")
    quote = ("We emerged even stronger, he said in his interview with Egemen Qazaqstan "
             "newspaper on Jan. 3.")
    assert short_value(q, quote) == "Egemen Qazaqstan"  # no people known: any name
    assert short_value(q, quote, frozenset({"Tokayev"})) is None
    named = "In the interview, President Kassym-Jomart Tokayev spoke about the events."
    assert short_value(q, named, frozenset({"Tokayev"})) == "President Kassym-Jomart Tokayev"


def test_no_lead_when_the_quote_opens_with_the_value() -> None:
    q = Question.parse("How long did he stay?")
    assert lead(q, "Two weeks later he stayed in the official residence of the Akorda.") is None
    assert lead(q, "He stayed two weeks.") is None  # short quote: the value is in plain sight


# --- end to end -------------------------------------------------------------------------------
def run_cli(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QANTAR_DATA_DIR": str(tmp / "data"), "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True,
                          text=True, env=env, timeout=900)


@pytest.mark.slow
def test_eval_squad_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "squad.json"
    done = run_cli("eval", "--squad", str(MINI), "--json", str(out), tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "has-answer accuracy" in done.stdout and "no-answer accuracy" in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["summary"]["questions"] == 15 and report["summary"]["errors"] == 0
    for row in report["rows"]:
        assert row["status"] in ("answered", "closest", "not_found")
        assert row["found"] == (row["status"] == "answered")
        assert 0 <= row["confidence"] <= 1
        assert row["written_by"] == "extractive" and row["fallback"] is None
        assert row["lead_right"] is None or row["lead"] and row["right"]
    assert report["summary"]["has_answer"] >= 0.5  # plain questions on a tiny document
    bad = run_cli("eval", "--squad", str(tmp_path / "missing.json"), tmp=tmp_path)
    assert bad.returncode == 2 and "not found" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.slow
def test_calibrate_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "calibration.json"
    held = tmp_path / "held.jsonl"  # other documents, scored and never fitted
    held.write_text(json.dumps({"id": "h1", "document": "Lighthouse_of_Brenmoor", "turns": [
        {"q": "what was the tower's architect called?", "answerable": True,
         "expect": [["Lindqvist"]], "evidence": ["designed by the engineer Ada Lindqvist"],
         "forbid": []},
        {"q": "How much does the ferry cost?", "answerable": False, "expect": [],
         "evidence": [], "forbid": []}]}) + "\n", encoding="utf-8")
    done = run_cli("calibrate", "--train", str(MINI), "--qa", str(DATA / "qa.jsonl"),
                   "--measure", str(MINI), "--documents", "--held-documents", str(held),
                   "--folds", "3",
                   "--fit-on", "article", "squad", "--out", str(out),
                   "--rows", str(tmp_path / "rows.json"), "--docs", str(tmp_path / "docs"),
                   tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    cal = load_calibration(out)
    assert 0 < cal.hedge_at <= cal.answer_at < 1
    assert (tmp_path / "docs" / "reliability.png").stat().st_size > 1000
    report = json.loads((tmp_path / "docs" / "calibration.json").read_text(encoding="utf-8"))
    # qa.jsonl's 20 turns less the one answered from the document itself ("Who is the
    # president quoted in the article?" is about the document: no decision, no row)
    assert report["fitted_on"] == {"article": 19, "squad": 15}
    assert report["scored_only"]["documents_heldout"]["n"] == 2
    assert "documents_heldout" in (tmp_path / "docs" / "calibration.md").read_text("utf-8")

    # a question file naming a document the SQuAD file lacks is an error, not a smaller fit
    stray = tmp_path / "stray.jsonl"
    stray.write_text(held.read_text("utf-8").replace("Lighthouse_of_Brenmoor", "Atlantis"),
                     encoding="utf-8")
    bad = run_cli("calibrate", "--train", str(MINI), "--qa", str(DATA / "qa.jsonl"),
                  "--measure", str(MINI), "--documents", str(stray), "--held-documents",
                  "--rows", str(tmp_path / "rows2.json"), "--out", str(tmp_path / "c2.json"),
                  "--docs", str(tmp_path / "docs2"), tmp=tmp_path)
    assert bad.returncode == 2 and "no document titled 'Atlantis'" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "c2.json").exists()


# --- the optional cross-encoder signal ----------------------------------------------------------
def test_reranker_signals_with_a_scripted_scorer() -> None:
    from types import SimpleNamespace

    from bot.rerank import Reranker, RerankerUnavailable, load_reranker

    def scripted(question: str, sentences: list[str]) -> np.ndarray:
        return np.array([0.9 if "right" in s else 0.1 for s in sentences])

    cands = [SimpleNamespace(text=t) for t in ("wrong one", "right one", "wrong one")]
    signals = Reranker(scripted).signals("q", cands, lambda c: c.text)  # type: ignore[arg-type]
    assert signals == {"rerank_best": pytest.approx(0.1), "rerank_top": pytest.approx(0.9),
                       "rerank_agree": 0.0}
    assert Reranker(scripted).signals("q", cands[1:], lambda c: c.text)[  # type: ignore[arg-type]
        "rerank_agree"] == 1.0
    with pytest.raises(RerankerUnavailable, match="QANTAR_RERANKER_PATH"):
        load_reranker(Path("/nonexistent/answer-ce"))


@pytest.mark.slow
def test_eval_docs_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bot eval --docs`: each named document indexed alone, conversations scored as the
    article's are (follow-ups carry history), gates and errors a user can act on."""
    questions = tmp_path / "docs.jsonl"
    lines = [
        {"id": "l1", "document": "Lighthouse_of_Brenmoor", "turns": [
            {"q": "who was the tower's designer?", "answerable": True,
             "expect": [["Lindqvist"]], "evidence": ["designed by the engineer Ada Lindqvist"],
             "forbid": []},
            {"q": "How many people visit it each summer?", "answerable": True,
             "expect": [["12,000"]], "evidence": ["About 12,000 visitors come every summer"],
             "forbid": []}]},
        {"id": "r1", "document": "River_Ostrava_bridge", "turns": [
            {"q": "How long is the bridge?", "answerable": True, "expect": [["640"]],
             "evidence": ["The bridge is 640 metres long."], "forbid": []},
            {"q": "Who painted the bridge?", "answerable": False, "expect": [],
             "evidence": [], "forbid": []}]},
    ]
    questions.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    out = tmp_path / "docs.json"
    done = run_cli("eval", "--docs", str(questions), "--docs-source", str(MINI), "--json",
                   str(out), "--min-exact-offsets", "1", "--max-errors", "0", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "answer accuracy" in done.stdout and "mean answer characters" in done.stdout
    report = json.loads(out.read_text(encoding="utf-8"))
    turns = report["turns"]
    assert [t["conversation"] for t in turns] == ["l1", "l1", "r1", "r1"]
    assert report["ours"]["answer_accuracy"]["n"] == 3
    assert report["ours"]["refusal_accuracy"]["n"] == 1
    # Each document alone: the bridge's answer never quotes the lighthouse, and vice versa.
    assert "bridge" in turns[2]["answer"] and "Lindqvist" not in turns[2]["answer"]
    assert "Lindqvist" in turns[0]["answer"] and "bridge" not in turns[0]["answer"]
    impossible = run_cli("eval", "--docs", str(questions), "--docs-source", str(MINI),
                         "--min-accuracy", "1.01", tmp=tmp_path)
    assert impossible.returncode == 1 and "FAIL: answer_accuracy" in impossible.stderr
    for argv, says in (
        (["--docs", str(tmp_path / "missing.jsonl")], "question file"),
        (["--docs", str(questions)], "--docs-source"),
        (["--docs", str(DATA / "qa.jsonl"), "--docs-source", str(MINI)], "names no 'document'"),
    ):
        bad = run_cli("eval", *argv, tmp=tmp_path)
        assert bad.returncode == 2 and says in bad.stderr and "Traceback" not in bad.stderr
    monkeypatch.setenv("QANTAR_K", "many")
    bad = run_cli("eval", "--docs", str(questions), "--docs-source", str(MINI), tmp=tmp_path)
    assert bad.returncode == 2 and "invalid setting" in bad.stderr
