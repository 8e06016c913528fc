"""``python -m bot bench``: start-up, indexing, answer and API latency, and scale.

Without ``--scale`` it measures the article setup: ``cold_start_s`` (a new ``python -m bot
ask`` process until its first answer line, index prebuilt), ``index_s`` (the article into a
fresh data dir, model already loaded), in-process ``answer_ms`` p50/p95 (full ``ask``, query
embedding cache cleared before each question), ``api_ms`` through the Gradio app and
``gradio_client``, and peak RSS. ``--scale 1000,10000`` also indexes synthetic corpora
(``bot.evaluation.synthetic``) of that many passages through the real pipeline and times
hybrid retrieval; each size runs in a child process (``python -m bot.evaluation.bench
--worker``) so that its RSS is its own. Passage embeddings are cached per size, with the
time they took, so a rerun or the Chroma-server variant does not embed again.

``--load CLIENTS`` launches the app in-process and runs that many concurrent gradio_client
sessions over the QA questions (``/ask`` and ``/chat`` streams), then floods a deliberately
small-queue app to count the requests refused as busy (``bot.evaluation.load``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from bot.evaluation.evaluate import default_qa_path, load_qa, summary

LATENCY_TARGET_MS = 50.0
COLD_QUESTION = "What is Qantar?"
SCALE_K = 5


# --- small helpers ----------------------------------------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident set size of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    """Resident set size of this process now."""
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def process_peak_mb(pid: int) -> float | None:
    """Peak RSS (VmHWM) of another running process, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def disk_mb(path: Path) -> float:
    """Size of the files under ``path``."""
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def launched(settings: Any, bot: Any, port: int | None = None) -> Iterator[str]:
    """``create_app(settings, bot)`` served on 127.0.0.1:``port`` (default: a free one);
    yields its URL and closes the app afterwards."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from app import create_app

    demo = create_app(settings, bot)
    try:
        port = port or free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                    quiet=True)
        yield f"http://127.0.0.1:{port}/"
    finally:
        close_app(demo)


def close_app(demo: Any) -> None:
    """``demo.close()`` without its cross-thread race.

    Gradio's ``close()`` sets the app's ``asyncio.Event`` from the calling thread while
    the server's loop may be adding waiters to it (open streams, heartbeats): CI once
    failed with "deque mutated during iteration" and left the port open. Setting the
    event on its own loop first turns the later ``set()`` inside ``close()`` into a no-op.
    """
    event = getattr(getattr(demo, "app", None), "stop_event", None)
    loop = getattr(event, "_loop", None)  # bound by asyncio on the first wait()
    if event is not None and loop is not None and loop.is_running():
        loop.call_soon_threadsafe(event.set)
        deadline = time.monotonic() + 5
        while not event.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
    demo.close()


def clear_query_cache(embeddings: Any) -> None:
    """Forget cached query vectors so every timed question embeds for real."""
    clear = getattr(getattr(embeddings, "_cache", None), "clear", None)
    if callable(clear):
        clear()


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``fn()`` and its wall time in milliseconds."""
    started = time.perf_counter()
    value = fn()
    return value, (time.perf_counter() - started) * 1000


def bot_command(*args: str) -> list[str]:
    """``python -m bot ...`` with this interpreter."""
    return [sys.executable, "-m", "bot", *args]


# --- cold start -------------------------------------------------------------------------------
def cold_start_once(data_dir: Path) -> dict[str, Any]:
    """Spawn ``python -m bot ask``; time its first output line and exit, read its peak RSS."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            bot_command("ask", COLD_QUESTION, "--data-dir", str(data_dir)),
            stdout=subprocess.PIPE, stderr=err, env=env, text=True,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()
        first_s = time.perf_counter() - started
        proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        exit_s = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read().decode(errors="replace")[-500:]
    ok = proc.returncode == 0 and bool(first.strip())
    return {"first_answer_s": round(first_s, 2), "exit_s": round(exit_s, 2), "ok": ok,
            "rss_mb": round(usage.ru_maxrss / 1024, 1), "error": None if ok else tail}


def cold_start(work: Path, runs: int) -> dict[str, Any]:
    """Prebuild an index with ``python -m bot index`` then time ``runs`` cold answers."""
    data_dir = work / "cold"
    subprocess.run(bot_command("index", "--data-dir", str(data_dir)), check=True,
                   capture_output=True)
    samples = [cold_start_once(data_dir) for _ in range(runs)]
    good = [s["first_answer_s"] for s in samples if s["ok"]]
    return {"cold_start_s": round(statistics.median(good), 2) if good else None,
            "cold_start_rss_mb": max((s["rss_mb"] for s in samples), default=None),
            "cold_start_runs": samples}


# --- the article in-process -----------------------------------------------------------------
def build_article_bot(settings: Any) -> tuple[Any, dict[str, Any]]:
    """Index the article into ``settings.data_dir`` (fresh) and load the bot, timed."""
    from bot.retrieval import Knowledge
    from bot.service import QantarBot
    from index.embedding import index_fingerprint, make_embeddings
    from index.pipeline import ensure_index
    from index.store import IndexStore, open_client

    embeddings, load_ms = timed(lambda: make_embeddings(settings))
    store = IndexStore(open_client(settings), settings.collection, embeddings,
                       index_fingerprint(embeddings, settings))
    _, index_ms = timed(lambda: ensure_index(store, settings))
    bot, open_ms = timed(lambda: QantarBot(settings, Knowledge.load(store)))
    return bot, {"model_load_s": round(load_ms / 1000, 2), "index_s": round(index_ms / 1000, 2),
                 "bot_open_s": round(open_ms / 1000, 2), "passages": len(bot.knowledge.ids)}


def questions(qa_path: Path) -> list[str]:
    """Every question of the QA file, asked on its own."""
    return [t.q for conv in load_qa(qa_path) for t in conv.turns]


def answer_latency(bot: Any, asked: list[str], rounds: int) -> dict[str, Any]:
    """Full ``ask`` and ``retrieve`` timings with the query cache cleared each time."""
    asks, retrievals = [], []
    bot.ask(asked[0])  # warm-up: first-call allocations are not steady state
    for _ in range(rounds):
        for question in asked:
            clear_query_cache(bot.knowledge.embeddings)
            asks.append(timed(partial(bot.ask, question))[1])
            clear_query_cache(bot.knowledge.embeddings)
            retrievals.append(timed(partial(bot.retrieve, question))[1])
    return {"answer_ms": summary(asks), "retrieve_ms": summary(retrievals)}


# --- the API --------------------------------------------------------------------------------
def _predict(client: Any, question: str) -> Any:
    """Call the app's ``/ask`` endpoint, with or without a history argument."""
    try:
        return client.predict(question, api_name="/ask")
    except (TypeError, ValueError):
        return client.predict(question, [], api_name="/ask")


def api_latency(settings: Any, bot: Any, asked: list[str]) -> dict[str, Any]:
    """Round trips through the launched Gradio app; ``api_ms`` null with a reason on failure."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        from gradio_client import Client

        from app import create_app  # noqa: F401 - a missing or broken app is reported here
    except Exception as exc:  # the app may be missing or broken: report it
        return {"api_ms": None, "api_error": f"cannot import app.create_app: {exc}"}
    try:
        with launched(settings, bot) as url:
            client = Client(url, verbose=False)
            _predict(client, asked[0])
            samples = []
            for question in asked:
                clear_query_cache(bot.knowledge.embeddings)
                samples.append(timed(partial(_predict, client, question))[1])
        return {"api_ms": summary(samples), "api_error": None}
    except Exception as exc:  # a failing app is a measurement result, not a crash
        return {"api_ms": None, "api_error": f"{type(exc).__name__}: {exc}"}


def article_bench(args: argparse.Namespace, work: Path,
                  keep: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything measured on the bundled article (``keep`` receives the settings and bot)."""
    from bot.settings import Settings

    result: dict[str, Any] = {}
    if args.cold_runs:
        log("cold start ...")
        result.update(cold_start(work, args.cold_runs))
    log("indexing the article into a fresh data dir ...")
    settings = Settings(data_dir=work / "fresh")
    bot, build = build_article_bot(settings)
    if keep is not None:
        keep.update(settings=settings, bot=bot)
    result.update(build)
    asked = questions(args.qa or default_qa_path())
    log(f"answer latency: {len(asked)} questions x {args.rounds} rounds ...")
    result.update(answer_latency(bot, asked, args.rounds))
    result["peak_rss_mb"] = peak_rss_mb()
    if args.api:
        log("API latency through the Gradio app ...")
        result.update(api_latency(settings, bot, asked))
    if args.llm:
        from bot.evaluation.llm_bench import llm_bench

        result["llm"] = {}
        for name in args.llm:
            log(f"LLM answerer {name}: load, first token, tokens/s, latency ...")
            result["llm"][name] = llm_bench(settings.model_copy(update={"answerer": name}),
                                            bot.knowledge, asked)
    return result


# --- load: concurrent sessions on the launched app ------------------------------------------
def load_bench(args: argparse.Namespace, work: Path,
               kept: dict[str, Any]) -> dict[str, Any]:
    """``--load``: the load test, then the queue-overflow flood (unless ``--overflow 0``)."""
    from bot.evaluation.load import load_test, overflow_test
    from bot.settings import Settings

    if "bot" not in kept:
        log("load: indexing the article into a fresh data dir ...")
        settings = Settings(data_dir=work / "load")
        kept["bot"] = build_article_bot(settings)[0]
        kept["settings"] = settings
    settings, bot = kept["settings"], kept["bot"]
    asked = questions(args.qa or default_qa_path())
    per_client = args.load_questions or len(asked)
    log(f"load: {args.load} concurrent sessions x {per_client} questions x "
        f"{args.load_rounds} rounds through the launched app ...")
    result = {"load": load_test(settings, bot, asked, clients=args.load, per_client=per_client,
                                rounds=args.load_rounds)}
    overflow = args.load if args.overflow is None else args.overflow
    if overflow:
        log(f"overflow: {overflow} simultaneous requests on concurrency 1 + queue "
            f"{args.overflow_queue} ...")
        result["overflow"] = overflow_test(settings, bot, asked[0], clients=overflow,
                                           max_queue=args.overflow_queue, delay=1.0)
    return result


def load_failed(report: dict[str, Any]) -> bool:
    """True when the load test saw errors, or a flooded request failed or hung."""
    load, overflow = report.get("load") or {}, report.get("overflow") or {}
    return bool(load.get("errors") or overflow.get("errors") or overflow.get("hung"))


# --- scale: worker side ---------------------------------------------------------------------
def synthetic_sources(n: int, seed: int) -> tuple[list[Any], list[str]]:
    """Documents whose passages (chunked like the pipeline does) add up to ~``n``."""
    from bot.evaluation.synthetic import CorpusGenerator
    from bot.settings import Settings
    from index.loading import RawSource
    from index.pipeline import prepare

    settings = Settings(include_article=False)

    def chunked(name: str, text: str) -> tuple[Any, list[str]]:
        raw = RawSource(name, Path(name), text)
        _, passages = prepare(raw.source, raw.text, raw.sha256, settings, "")
        return raw, [p.text for p in passages]

    raws: list[Any] = []
    texts: list[str] = []
    for doc in CorpusGenerator(seed).documents(paragraphs=40):
        raw, more = chunked(doc.name, doc.text)
        if len(texts) + len(more) >= n:  # cut the last document at a paragraph boundary
            lines = doc.text.splitlines(keepends=True)
            for keep in range(2, len(lines) + 1):
                raw, more = chunked(doc.name, "".join(lines[:keep]))
                if len(texts) + len(more) >= n:
                    break
            return [*raws, raw], texts + more
        raws.append(raw)
        texts += more
    raise AssertionError("unreachable: the generator is endless")


def scale_queries(texts: list[str], count: int, seed: int) -> list[tuple[str, int]]:
    """``count`` questions, each built from a random passage (its index kept for a hit check)."""
    import random

    from bot.evaluation.synthetic import CorpusGenerator

    rng = random.Random(seed + 1)
    generator = CorpusGenerator(seed + 2, places=10, people=10, orgs=10)
    picks = [rng.randrange(len(texts)) for _ in range(count)]
    return [(generator.question(texts[i]), i) for i in picks]


def query_timings(knowledge: Any, queries: list[tuple[str, int]]) -> dict[str, Any]:
    """Per query: live embedding, then hybrid search and each retriever alone (vector cached)."""
    from bot.retrieval import HybridRetriever
    from bot.settings import Settings

    defaults = Settings()
    retriever = HybridRetriever(knowledge=knowledge, k=SCALE_K, fetch_k=defaults.fetch_k,
                                rrf_k=defaults.rrf_k)
    store = knowledge.vectorstore
    fetch = min(defaults.fetch_k, len(knowledge.ids))
    retriever.search(queries[0][0], SCALE_K)  # warm-up
    embed, search, dense, bm25, hits = [], [], [], [], 0
    for question, source_index in queries:
        vector, ms = timed(partial(knowledge.embeddings.embed_query, question))
        embed.append(ms)
        docs, ms = timed(partial(retriever.search, question, SCALE_K))
        search.append(ms)
        dense.append(timed(partial(
            store.similarity_search_by_vector_with_relevance_scores, vector, k=fetch))[1])
        bm25.append(timed(partial(knowledge.bm25.search, question, fetch))[1])
        hits += knowledge.ids[source_index] in {d.metadata["chunk_id"] for d in docs}
    return {"query_ms": summary([e + s for e, s in zip(embed, search, strict=True)]),
            "search_ms": summary(search), "embed_query_ms": summary(embed),
            "dense_ms": summary(dense), "bm25_ms": summary(bm25),
            "source_hit_at_k": round(hits / len(queries), 3)}


def scale_worker(config: dict[str, Any]) -> dict[str, Any]:
    """Index ``n`` synthetic passages into one backend and time hybrid retrieval."""
    from bot.evaluation.synthetic import Precomputed, passage_vectors
    from bot.lexical import BM25Index
    from bot.retrieval import Knowledge
    from bot.settings import Settings
    from index.embedding import make_embeddings
    from index.pipeline import sync
    from index.store import IndexStore, open_client

    n, seed = int(config["n"]), int(config["seed"])
    settings = Settings(data_dir=Path(config["data_dir"]), include_article=False,
                        collection="synthetic", chroma_host=config.get("host"),
                        chroma_port=config.get("port"))
    raws, texts = synthetic_sources(n, seed)
    live = make_embeddings(settings)
    vectors, embed_s = passage_vectors(texts, live, Path(config["cache"]))
    embeddings = Precomputed(texts, vectors, live)
    store = IndexStore(open_client(settings), settings.collection, embeddings,
                       f"bench|{settings.chunk_max_chars}/{settings.chunk_target_chars}")
    _, write_ms = timed(lambda: sync(store, raws, settings))
    knowledge, open_ms = timed(lambda: Knowledge.load(store))
    _, bm25_ms = timed(lambda: BM25Index(knowledge.texts))
    total_s = embed_s + write_ms / 1000
    result = {
        "n": len(knowledge.ids), "backend": "server" if config.get("host") else "embedded",
        "documents": len(raws),
        "embed_s": round(embed_s, 2),
        "write_s": round(write_ms / 1000, 2), "index_s": round(total_s, 2),
        "passages_per_s": round(len(texts) / total_s, 1),
        "embed_share": round(embed_s / total_s, 3),
        "open_s": round(open_ms / 1000, 2), "bm25_build_s": round(bm25_ms / 1000, 2),
    }
    result.update(query_timings(knowledge, scale_queries(texts, int(config["queries"]), seed)))
    result["rss_mb"] = peak_rss_mb()
    if not config.get("host"):
        result["disk_mb"] = disk_mb(settings.chroma_dir)
    return result


def worker_main(argv: list[str]) -> int:
    """``python -m bot.evaluation.bench --worker CONFIG_JSON``: print one JSON result line."""
    config = json.loads(argv[argv.index("--worker") + 1])
    print(json.dumps(scale_worker(config)))
    return 0


# --- scale: parent side ---------------------------------------------------------------------
@contextmanager
def chroma_server(path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """A ``chroma run`` server on a free port, stopped afterwards."""
    port = free_port()
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_heartbeat(port, proc)
        yield port, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_heartbeat(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Block until the Chroma server answers (or fail if it died or never came up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"Chroma server on port {port} did not answer within {timeout:.0f} s")


def run_worker(config: dict[str, Any]) -> dict[str, Any]:
    """One scale measurement in a child process; its last stdout line is the result."""
    done = subprocess.run([sys.executable, "-m", "bot.evaluation.bench", "--worker",
                           json.dumps(config)], capture_output=True, text=True)
    if done.returncode != 0:
        return {"n": config["n"], "error": done.stderr[-1500:]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def scale_bench(args: argparse.Namespace, work: Path, cache_dir: Path) -> list[dict[str, Any]]:
    """Each size on embedded Chroma and, with ``--chroma-server``, on a Chroma server."""
    from bot.evaluation.synthetic import GENERATOR_VERSION
    from bot.settings import Settings

    stem = f"synthetic-v{GENERATOR_VERSION}-s{args.seed}-{Settings().embeddings}"
    results = []
    for n in args.scale:
        base = {"n": n, "seed": args.seed, "queries": args.queries,
                "cache": str(cache_dir / f"{stem}-{n}.npy")}
        log(f"scale {n}: embedded Chroma ...")
        results.append(run_worker({**base, "data_dir": str(work / f"embedded-{n}")}))
        if args.chroma_server:
            log(f"scale {n}: Chroma server ...")
            results.append(server_run(base, work / f"server-{n}"))
    return results


def server_run(base: dict[str, Any], path: Path) -> dict[str, Any]:
    """A worker against a freshly started Chroma server, plus the server's disk and RSS."""
    try:
        with chroma_server(path) as (port, proc):
            result = run_worker({**base, "data_dir": str(path.with_suffix(".client")),
                                 "host": "127.0.0.1", "port": port})
            result["server_rss_mb"] = process_peak_mb(proc.pid)
    except RuntimeError as exc:
        return {"n": base["n"], "backend": "server", "error": str(exc)}
    result["disk_mb"] = disk_mb(path)
    return result


# --- plots ----------------------------------------------------------------------------------
def plot_scale(results: list[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Query latency and index throughput vs corpus size, one line per backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in results if "error" not in r]
    backends = sorted({r["backend"] for r in ok})
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "bench-latency.png", out_dir / "bench-index.png"]
    colors = dict(zip(backends, ("tab:blue", "tab:orange", "tab:green"), strict=False))
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for backend in backends:
        rows = sorted((r for r in ok if r["backend"] == backend), key=lambda r: r["n"])
        xs = [r["n"] for r in rows]
        for key, style in (("p50", "-o"), ("p95", "--s")):
            ax.plot(xs, [r["query_ms"][key] for r in rows], style, color=colors[backend],
                    label=f"{backend} query {key} (embed + hybrid)")
        ax.plot(xs, [r["search_ms"]["p95"] for r in rows], ":^", color=colors[backend],
                label=f"{backend} hybrid search p95 (no embedding)")
    ax.axhline(LATENCY_TARGET_MS, color="red", linewidth=0.8, label="target p95 50 ms")
    _finish(ax, "Retrieval latency vs corpus size", "latency (ms)")
    fig.savefig(paths[0], dpi=120)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for backend in backends:
        rows = sorted((r for r in ok if r["backend"] == backend), key=lambda r: r["n"])
        shares = ", ".join(f"{100 * r['embed_share']:.0f}%" for r in rows)
        ax.plot([r["n"] for r in rows], [r["passages_per_s"] for r in rows], "-o",
                color=colors[backend], label=f"{backend}: passages/s (embedding share {shares})")
    ax.set_ylim(bottom=0)
    _finish(ax, "Index throughput vs corpus size (MiniLM on CPU)", "passages per second")
    fig.savefig(paths[1], dpi=120)
    plt.close("all")
    return paths


def _finish(ax: Any, title: str, ylabel: str) -> None:
    ax.set_xscale("log")
    ax.set_xlabel("passages in the index")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    ax.figure.tight_layout()


# --- CLI ------------------------------------------------------------------------------------
def log(message: str) -> None:
    """Progress on stderr (stdout carries the results)."""
    print(message, file=sys.stderr, flush=True)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected sizes like 1000,10000: {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``bot bench`` (``--data-dir``/``-v`` come from the CLI's common flags)."""
    parser.add_argument("--json", type=Path, metavar="OUT", help="write results as JSON")
    parser.add_argument("--scale", type=_sizes, default=[], metavar="N,N",
                        help="synthetic corpus sizes in passages, e.g. 1000,10000,100000")
    parser.add_argument("--chroma-server", action="store_true",
                        help="also run the scale sizes against a Chroma server it starts")
    parser.add_argument("--article", action=argparse.BooleanOptionalAction, default=True,
                        help="measure cold start/index/answer/API on the article (default on)")
    parser.add_argument("--api", action=argparse.BooleanOptionalAction, default=True,
                        help="measure the Gradio API round trip (default on)")
    parser.add_argument("--qa", type=Path, help="questions to time (default: the eval file)")
    parser.add_argument("--llm", action="append", choices=["llamacpp", "openai"], default=[],
                        help="also measure this LLM answerer (repeatable; openai uses "
                        "QANTAR_LLM_BASE_URL, e.g. a `bot serve-llm` server)")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the questions")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-start processes (0: skip)")
    parser.add_argument("--queries", type=int, default=200, help="queries per scale size")
    parser.add_argument("--seed", type=int, default=13, help="synthetic corpus seed")
    parser.add_argument("--cache-dir", type=Path,
                        help="where passage embeddings are cached (default: DATA_DIR/bench)")
    parser.add_argument("--plots", type=Path, metavar="DIR",
                        help="write bench-latency.png and bench-index.png here")
    parser.add_argument("--merge", type=Path, nargs="*", default=[], metavar="JSON",
                        help="earlier bench JSON files whose scale results join the plots")
    parser.add_argument("--load", type=int, default=0, metavar="CLIENTS",
                        help="load test: CLIENTS concurrent gradio_client sessions on the app "
                        "launched in-process (/ask, every 5th question a /chat stream); "
                        "reports errors, p50/p95/max latency, throughput and RSS; 0: skip")
    parser.add_argument("--load-questions", type=int, default=0, metavar="N",
                        help="questions each load session asks per round (default: every "
                        "question of the QA file)")
    parser.add_argument("--load-rounds", type=int, default=3, metavar="R",
                        help="load rounds on the same app, RSS read after each (default 3)")
    parser.add_argument("--overflow", type=int, default=None, metavar="CLIENTS",
                        help="with --load: flood an app with concurrency 1 and a small queue "
                        "(/ask slowed to 1 s) with CLIENTS simultaneous requests and count "
                        "those refused as busy (default: the --load clients; 0: skip)")
    parser.add_argument("--overflow-queue", type=int, default=2, metavar="Q",
                        help="queue size (QANTAR_MAX_QUEUE) of the flooded app (default 2)")


def render(report: dict[str, Any]) -> str:
    """A readable summary for the terminal."""
    from bot.evaluation.load import render as render_load

    lines = []
    article = report.get("article") or {}
    for key, value in article.items():
        if key not in ("cold_start_runs", "llm"):
            lines.append(f"{key:>20}: {value}")
    for name, r in article.get("llm", {}).items():
        lines.append(
            f"LLM {name}: load {r['load_s']} s, +{r['rss_added_mb']} MB; first token p50/p95 "
            f"{r['ttft_ms']['p50']}/{r['ttft_ms']['p95']} ms; {r['tokens_per_s']['p50']} tok/s; "
            f"answer p50/p95 {r['answer_ms']['p50']}/{r['answer_ms']['p95']} ms (model-written "
            f"{r['model_answer_ms']['p50']}/{r['model_answer_ms']['p95']}); written "
            f"{r['written_verified']}/{r['reached_model']} reaching it; fallbacks "
            f"{r['fallbacks']}; mean {r['mean_chars']} chars")
    for r in report.get("scale", []):
        if "error" in r:
            lines.append(f"scale {r['n']}: ERROR {r['error'][-300:]}")
            continue
        lines.append(
            f"scale {r['n']:>7} {r['backend']:<8} index {r['index_s']:>8.1f}s "
            f"({r['passages_per_s']:.0f} p/s, embedding {100 * r['embed_share']:.0f}%)  "
            f"query p50/p95 {r['query_ms']['p50']}/{r['query_ms']['p95']} ms  "
            f"search p95 {r['search_ms']['p95']} ms  disk {r.get('disk_mb')} MB  "
            f"rss {r['rss_mb']} MB"
            + (f" (server {r['server_rss_mb']} MB)" if r.get("server_rss_mb") else "")
        )
    if report.get("load") or report.get("overflow"):
        lines.append(render_load(report))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 unless a measurement failed outright."""
    from bot.settings import Settings

    data_dir = getattr(args, "data_dir", None) or Settings().data_dir
    cache_dir = args.cache_dir or Path(data_dir) / "bench"
    report: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="qantar-bench-") as tmp:
        work = Path(tmp)
        kept: dict[str, Any] = {}
        if args.article:
            report["article"] = article_bench(args, work, kept)
        if args.load:
            report.update(load_bench(args, work, kept))
        kept.clear()
        report["scale"] = scale_bench(args, work, cache_dir)
        shutil.rmtree(work, ignore_errors=True)
    print(render(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    merged = report["scale"] + [r for path in args.merge
                                for r in json.loads(path.read_text()).get("scale", [])]
    if args.plots and merged:
        for path in plot_scale(merged, args.plots):
            log(f"wrote {path}")
    failed = any("error" in r for r in report["scale"]) or load_failed(report)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(worker_main(sys.argv[1:]))
