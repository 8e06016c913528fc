"""Learned confidence: how likely the chosen sentence answers the question.

The hand-set relevance gate looked at corpus-wide signals only (best score, share of
question words the corpus lacks) and did not transfer to documents nobody tuned it on.
Here the decision looks at the candidate sentence itself: which question terms, names and
numbers it holds, how far ahead of the runner-up it is, whether retrievers agree, and (when
the packaged reranker is present) a cross-encoder trained on SQuAD 2.0. A logistic
regression fitted by ``python -m bot calibrate`` (folds split by document/conversation)
turns those signals into a probability, and thresholds from the same fit pick one of three
outcomes: answer, hedge with the closest passage, or not found.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.contract import Status
from bot.question import AUXILIARIES, Kind, Question, named_phrases
from bot.text import stem_set, words

if TYPE_CHECKING:
    from bot.answerers.extractive import Candidate, Scorer

_VALUE_KINDS = (Kind.NUMBER, Kind.DATE, Kind.DURATION, Kind.PLACE, Kind.NAME)
_YES_NO = re.compile(rf"^\s*({AUXILIARIES})\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d[\d,.]*")


class CalibrationError(RuntimeError):
    """The calibration file is missing or does not fit the signals this code computes."""


@dataclass(frozen=True)
class Calibration:
    """A fitted logistic regression over named signals, plus the outcome thresholds."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    answer_at: float
    hedge_at: float
    info: dict[str, Any] = field(default_factory=dict)

    def predict(self, signals: Mapping[str, float]) -> float:
        """Probability that the chosen sentence answers (0..1)."""
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef,
                                   strict=True):
            z += w * (float(signals.get(name, 0.0)) - mu) / sd
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def outcome(self, confidence: float) -> Status:
        """Answer, hedge with the closest passage, or say nothing relevant was found."""
        if confidence >= self.answer_at:
            return "answered"
        return "closest" if confidence >= self.hedge_at else "not_found"

    def to_json(self) -> str:
        """The data file ``bot calibrate`` writes (small, human-readable)."""
        data = {"features": list(self.features), "mean": list(self.mean),
                "scale": list(self.scale), "coef": list(self.coef),
                "intercept": self.intercept, "answer_at": self.answer_at,
                "hedge_at": self.hedge_at, "info": self.info}
        return json.dumps(data, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Calibration:
        """Parse what :meth:`to_json` wrote."""
        d = json.loads(text)
        return cls(tuple(d["features"]), tuple(d["mean"]), tuple(d["scale"]),
                   tuple(d["coef"]), float(d["intercept"]), float(d["answer_at"]),
                   float(d["hedge_at"]), dict(d.get("info", {})))


def default_path(name: str = "calibration.json") -> Path:
    """A calibration shipped with the package (``bot/data/<name>``)."""
    return Path(str(resources.files("bot").joinpath("data", name)))


def judge_path() -> Path:
    """The decision with the LLM judge's signal (``bot/data/judge.json``)."""
    return default_path("judge.json")


def logit(p: float) -> float:
    """log(p / (1 - p)), clipped so 0 and 1 stay finite."""
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def judged_signals(confidence: float, verdict: float) -> dict[str, float]:
    """What the judge's calibration reads: the decision's confidence and the judge's
    P(yes), both on the log-odds scale (so the fit weighs them like evidence)."""
    return {"confidence": logit(confidence), "judge": logit(verdict)}


@cache
def load_calibration(path: Path | None = None) -> Calibration:
    """The shipped (or given) calibration; a clear error when it is missing or broken."""
    path = path or default_path()
    try:
        return Calibration.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CalibrationError(
            f"No calibration at {path}: run `python -m bot calibrate` to fit one."
        ) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise CalibrationError(
            f"Calibration file {path} is unreadable ({exc}); rerun `python -m bot calibrate`."
        ) from exc


def legacy_gate(signals: Mapping[str, float]) -> float:
    """The verdict of the hand-set gate this decision replaced (1 pass, 0 refuse), kept as
    one signal among others: the fit decides how much it is worth."""
    if signals["unknown_names"] > 0 or signals["typed_required"] < 0:
        return 0.0
    if signals["dense"] >= 0.6:
        return 1.0
    if signals["absent"] > 0.6:
        return 0.0
    return float(signals["score"] >= 0.40)


def _share(held: Sequence[bool]) -> float:
    return sum(held) / len(held) if held else 0.0


def candidate_signals(q: Question, query: str, cands: Sequence[Candidate], scorer: Scorer,
                      weights: dict[str, float], absent: float, unknown_names: int
                      ) -> dict[str, float]:
    """What the decision sees about the best candidate ``cands[0]`` (see module doc);
    ``weights`` are the question terms' (:meth:`Scorer.weights`)."""
    from bot.answerers.extractive import match

    best = cands[0]
    kb = scorer.knowledge
    record = kb.records[str(best.doc.metadata["source"])]
    sentence = record.text[best.sentence[0]:best.sentence[1]]
    stems = stem_set(sentence)
    para = stem_set(best.doc.page_content)
    terms = list(q.terms) or list(weights)
    top_idf = math.log1p((kb.bm25.n_docs + 0.5) / 0.5) or 1.0
    missing = [weights.get(t, 0.0) for t in terms if not match(t, stems, q.related_to(t))]
    others = [c for c in cands if c.sentence != best.sentence]
    numbers = _NUMBER.findall(query)
    names = named_phrases(query)
    low = sentence.lower()
    signals = {
        # the scores without a quote's speaker in the meaning score: the fit's scale
        "score": best.plain_score, "dense": best.plain_dense, "lexical": best.lexical,
        "dense_top": max(c.plain_dense for c in cands),
        "margin": best.plain_score - (others[0].plain_score if others else 0.0),
        "dense_margin": best.plain_dense - max((c.plain_dense for c in others), default=0.0),
        "rank": float(best.rank),
        "typed_required": (1.0 if best.typed else -1.0) if q.kind in _VALUE_KINDS else 0.0,
        "typed_reason": (1.0 if best.typed else -1.0) if q.kind is Kind.REASON else 0.0,
        "absent": absent, "unknown_names": float(unknown_names > 0),
        "sent_terms": _share([bool(match(t, stems, q.related_to(t))) for t in terms]),
        "sent_coverage": scorer.coverage(q, sentence, weights),
        "para_terms": _share([bool(match(t, para, q.related_to(t))) for t in terms]),
        "missing_idf": max(missing, default=0.0) / top_idf,
        "numbers_missing": _share([n not in sentence for n in numbers]) if numbers else 0.0,
        "names_missing": _share([n.lower() not in low for n in names]) if names else 0.0,
        "n_terms": math.log1p(len(terms)),
        "kind_value": float(q.kind in _VALUE_KINDS),
        "kind_person": float(q.kind is Kind.PERSON),
        "kind_reason": float(q.kind is Kind.REASON),
        "kind_yes_no": float(bool(_YES_NO.search(q.text))),
        "short_question": float(len(words(q.text)) <= 4),
    }
    signals["legacy_gate"] = legacy_gate(signals)
    return signals
