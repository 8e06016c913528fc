"""Command line: ``python -m bot index|ask|chat|eval|compare|bench|calibrate|serve-llm``.

Heavy modules (sentence-transformers, chromadb) are imported inside the handlers so that
``--help`` answers instantly.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _settings(args: argparse.Namespace) -> Any:
    from bot.settings import Settings

    overrides: dict[str, Any] = {}
    if getattr(args, "k", None):
        overrides["k"] = args.k
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    return Settings(**overrides)


def _load_bot(args: argparse.Namespace) -> Any:
    from bot.service import QantarBot

    return QantarBot.from_settings(_settings(args))


def cmd_index(args: argparse.Namespace) -> int:
    """Index the article plus the given files/folders (idempotent)."""
    from index.embedding import index_fingerprint, make_embeddings
    from index.loading import load_sources
    from index.pipeline import requested_paths, sync
    from index.store import IndexStore, open_client

    settings = _settings(args)
    if args.no_article:
        settings.include_article = False
    paths = requested_paths(settings, [Path(p) for p in args.paths])
    sources = list(load_sources(paths))
    if not sources:
        print("Nothing to index: no readable .txt/.md/.html source.", file=sys.stderr)
        return EXIT_FAILURE
    embeddings = make_embeddings(settings)
    store = IndexStore(open_client(settings), settings.collection, embeddings,
                       index_fingerprint(embeddings, settings))
    report = sync(store, sources, settings)
    where = (f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host
             else str(settings.chroma_dir))
    print(f"Indexed into {where}: {report.summary()}")
    return 0


def _print_answer(answer: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.model_dump(), ensure_ascii=False, indent=2))
        return
    print(answer.answer)
    for c in answer.citations:
        print(f"  [{c.n}] {c.title} @{c.start}-{c.end}: “{c.text}”")
    label = {"answered": "answered", "closest": "closest passage, may not answer",
             "not_found": "not found"}[answer.status]
    if answer.written_by != "extractive":
        label += f"; written by {answer.written_by}, each sentence checked against its passage"
    if answer.fallback:
        label += f"; the LLM's answer was not used ({answer.fallback}): quoted instead"
    print(f"  ({label}; confidence {answer.confidence:.0%})")


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question."""
    from bot.service import validate_question

    validate_question(args.question, _settings(args))  # fail fast, before loading models
    bot = _load_bot(args)
    _print_answer(bot.ask(args.question), args.json)
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Interactive conversation keeping history; empty line or Ctrl-D ends it."""
    from bot.service import QuestionError

    bot = _load_bot(args)
    if isinstance(sys.stdin, io.TextIOWrapper):  # bytes that are not UTF-8 become U+FFFD
        sys.stdin.reconfigure(errors="replace")
    history: list[dict[str, str]] = []
    print("Ask about the article (empty line to quit).")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            answer = bot.ask(question, history)
        except QuestionError as exc:
            print(exc)
            continue
        _print_answer(answer, args.json)
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer.remembered()}]
    return 0


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", type=Path, help="index folder (default: per-user cache)")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress")


def build_parser() -> argparse.ArgumentParser:
    """The CLI definition (no heavy imports)."""
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Qantar Q&A: cited answers about the article."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="index the article and your .txt/.md/.html files")
    p.add_argument("paths", nargs="*", help="extra files or folders to index")
    p.add_argument("--no-article", action="store_true", help="leave the bundled article out")
    _add_common(p)
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("ask", help="answer one question")
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the JSON answer contract")
    p.add_argument("--k", type=int, help="passages handed to the answerer")
    _add_common(p)
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="interactive conversation with follow-ups")
    p.add_argument("--json", action="store_true", help="print JSON answers")
    p.add_argument("--k", type=int, help="passages handed to the answerer")
    _add_common(p)
    p.set_defaults(func=cmd_chat)
    for name, module, text in (("eval", "bot.evaluation.evaluate",
                                "score answers on a QA or SQuAD file"),
                               ("compare", "bot.evaluation.compare",
                                "pair two 'eval --json' runs: wins, losses, McNemar p"),
                               ("bench", "bot.evaluation.bench", "measure latency and scale"),
                               ("calibrate", "bot.learn.calibrate",
                                "refit the answer/hedge/refuse decision"),
                               ("serve-llm", "bot.answerers.serve",
                                "serve the packaged LLM as an OpenAI-compatible server")):
        p = sub.add_parser(name, help=text)
        _add_common(p)
        p.set_defaults(func=_delegate(module))
        _optional_arguments(module, p)
    return parser


def _optional_arguments(module: str, p: argparse.ArgumentParser) -> None:
    """Let eval/bench declare their own flags (their modules import lazily inside run)."""
    importlib.import_module(module).add_arguments(p)


def _delegate(module: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        return int(importlib.import_module(module).run(args))

    return run


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become a message and exit code 2, never a traceback."""
    args = build_parser().parse_args(argv)
    from bot.answerers.errors import AnswererUnavailable
    from bot.confidence import CalibrationError
    from bot.rerank import RerankerUnavailable
    from bot.service import QuestionError
    from index.embedding import MissingDependency
    from index.loading import SourceError
    from index.store import IndexUnavailable

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s: %(message)s")
    try:
        return int(args.func(args))
    except (QuestionError, SourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (MissingDependency, IndexUnavailable, CalibrationError, RerankerUnavailable,
            AnswererUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `... | head` stopped reading: not an error worth a traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
