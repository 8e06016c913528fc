"""Bounded load test of the launched app (``python -m bot bench --load CLIENTS``).

Two phases, both on ``create_app(settings, bot)`` launched in this process on a free
localhost port, driven by ``gradio_client`` sessions (one thread and one ``Client`` each):

* :func:`load_test`: ``CLIENTS`` sessions start together and each asks its share of the
  questions (``/ask``, every ``chat_every``-th one streamed through ``/chat``). Reported:
  requests, clients, the most requests in flight at once, errors (count and first messages),
  answers breaking the contract, p50/p95/max latency, throughput, and this process's RSS
  before, after and at its peak (sampled while the sessions run: server and clients share the
  process, so the figure bounds both).
* :func:`overflow_test`: an app with a deliberately small queue (``max_concurrency`` 1,
  ``max_queue`` 1 by default) whose ``/ask`` is slowed by ``delay`` seconds, flooded by more
  simultaneous sessions than it can hold. The ones beyond the limit are refused at once
  (Gradio answers HTTP 503 when its queue is full), never left hanging.

What a refused user sees when the queue is full (Gradio 6.31, gradio_client 2.7; none of it
can be reworded through a public Gradio setting):

* ``gradio_client``: ``gradio_client.utils.QueueError("Queue is full! Please try again.")``,
  raised by the client itself on the 503 (:data:`CLIENT_BUSY_MESSAGE`);
* the page: Gradio's own JavaScript client shows "This application is currently busy.
  Please try again." (:data:`PAGE_BUSY_MESSAGE`) as an error on the event;
* plain HTTP (curl): ``POST /gradio_api/call/ask`` → 503 with
  ``{"detail": "Queue is full. Max size is N and size is N."}``.

``max_queue`` counts events *waiting* across every endpoint (the page's chat included);
running ones (``max_concurrency`` per endpoint) are not in it.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, cast

from bot.evaluation.bench import launched, rss_mb
from bot.evaluation.evaluate import summary

#: What gradio_client raises (QueueError) when the app's queue is full.
CLIENT_BUSY_MESSAGE = "Queue is full! Please try again."
#: What the page (Gradio's JavaScript client) shows when the app's queue is full.
PAGE_BUSY_MESSAGE = "This application is currently busy. Please try again."
#: Errors kept in the report (the first ones, verbatim up to 300 characters).
KEEP_ERRORS = 5


# --- measuring --------------------------------------------------------------------------------
class RssSampler:
    """The peak of :func:`rss_mb` over a block, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_mb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


@dataclass
class Call:
    """One request as its client saw it (``start``/``end``: perf_counter seconds)."""

    endpoint: str
    start: float
    end: float
    error: str | None = None
    busy: bool = False
    hung: bool = False
    invalid: str | None = None

    @property
    def ms(self) -> float:
        return (self.end - self.start) * 1000


def max_in_flight(calls: list[Call]) -> int:
    """The most requests open at the same moment (client side)."""
    edges = sorted([(c.start, 1) for c in calls] + [(c.end, -1) for c in calls],
                   key=lambda e: (e[0], e[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def contract_problem(answer: Any, records: dict[str, Any] | None) -> str | None:
    """Why an ``/ask`` result breaks the contract (None when it holds).

    Valid :class:`bot.contract.Answer`, status consistent with ``found``, every ``[n]`` cited
    and every citation referred to, and each quote exactly ``source_text[start:end]``.
    """
    from bot.contract import Answer

    try:
        parsed = Answer.model_validate(answer)
    except Exception as exc:  # a malformed answer is a finding, not a crash
        return f"not an Answer: {exc}"[:300]
    if (parsed.status == "answered") is not parsed.found:
        return f"status {parsed.status} with found={parsed.found}"
    if not parsed.is_consistent():
        return f"markers {parsed.markers()} vs citations {[c.n for c in parsed.citations]}"
    if parsed.status == "not_found" and parsed.citations:
        return "not_found with citations"
    for c in parsed.citations if records is not None else []:
        record = records.get(c.source) if records else None
        if record is None or record.text[c.start:c.end] != c.text:
            return f"citation [{c.n}] is not the source's text at {c.start}-{c.end}"
    return None


def classify(call: Call, exc: BaseException) -> Call:
    """Record a failed call: refused as busy (the client's QueueError), hung, or an error."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from gradio_client.utils import QueueError

    call.end = time.perf_counter()
    call.busy = isinstance(exc, QueueError)
    call.hung = isinstance(exc, (FutureTimeout, TimeoutError))
    call.error = f"{type(exc).__name__}: {exc}"[:300]
    return call


# --- the app ----------------------------------------------------------------------------------
class SlowBot:
    """A bot whose ``ask`` first sleeps ``delay`` seconds (everything else delegated).

    The sleep happens inside the app's worker, so each request holds its concurrency slot
    long enough for a flood to fill the queue.
    """

    def __init__(self, bot: Any, delay: float) -> None:
        self._bot = bot
        self._delay = delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    def ask(self, *args: Any, **kwargs: Any) -> Any:
        time.sleep(self._delay)
        return self._bot.ask(*args, **kwargs)


def new_client(url: str) -> Any:
    """A gradio_client session on ``url`` (quiet, no file downloads)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gradio_client import Client

    return Client(url, verbose=False, download_files=False)


def one_call(client: Any, endpoint: str, question: str, timeout: float,
             records: dict[str, Any] | None) -> Call:
    """Ask ``question`` on ``/ask`` or ``/chat`` (whole stream); a timeout counts as hung."""
    call = Call(endpoint, time.perf_counter(), 0.0)
    try:
        job = client.submit(question=question, history=[], api_name=f"/{endpoint}")
        result = job.result(timeout=timeout)
    except Exception as exc:  # busy, hung or broken: each is counted, none stops the run
        return classify(call, exc)
    call.end = time.perf_counter()
    if endpoint == "ask":
        call.invalid = contract_problem(result, records)
    elif not isinstance(result, str) or not result.strip():
        call.invalid = f"empty /chat stream: {result!r}"[:300]
    return call


def run_clients(url: str, plans: list[list[tuple[str, str]]], timeout: float,
                records: dict[str, Any] | None,
                on_start: Callable[[], None] | None = None) -> tuple[list[Call], list[str]]:
    """One thread and one Client per plan (a list of (endpoint, question)), started together.

    The sessions connect first and then wait on a barrier (``on_start`` runs when it opens),
    so the requests really overlap. Returns the calls and the errors of sessions that could
    not even connect.
    """
    barrier = threading.Barrier(len(plans), action=on_start)
    calls: list[Call] = []
    failures: list[str] = []
    lock = threading.Lock()

    def session(plan: list[tuple[str, str]]) -> None:
        client = None
        try:
            client = new_client(url)
        except Exception as exc:  # reported, and the others still run
            with lock:
                failures.append(f"connect: {type(exc).__name__}: {exc}"[:300])
        with suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=120)
        if client is None:
            return
        try:
            mine = [one_call(client, endpoint, q, timeout, records) for endpoint, q in plan]
        finally:
            client.close()
        with lock:
            calls.extend(mine)

    threads = [threading.Thread(target=session, args=(plan,), name=f"load-{i}", daemon=True)
               for i, plan in enumerate(plans)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120 + timeout * max(len(p) for p in plans)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        failures.append(f"{stuck} sessions still running at the deadline")
    return calls, failures


def latency(calls: list[Call]) -> dict[str, float | int | None]:
    """p50/p95/mean/count milliseconds of the calls that succeeded, and the slowest."""
    ms = [c.ms for c in calls if c.error is None]
    return {**summary(ms, 1), "max": round(max(ms), 1) if ms else None}


# --- the two phases -------------------------------------------------------------------------
def plans_for(questions: list[str], clients: int, per_client: int,
              chat_every: int) -> list[list[tuple[str, str]]]:
    """Each client's (endpoint, question) list: the questions in turn, offset per client."""
    plans = []
    for i in range(clients):
        plan = []
        for j in range(per_client):
            question = questions[(i * 7 + j) % len(questions)]
            chat = chat_every > 0 and (j + i) % chat_every == chat_every - 1
            plan.append(("chat" if chat else "ask", question))
        plans.append(plan)
    return plans


def load_test(settings: Any, bot: Any, questions: list[str], clients: int = 16,
              per_client: int = 20, chat_every: int = 5, rounds: int = 1,
              timeout: float = 120.0, check: bool = True) -> dict[str, Any]:
    """``rounds`` × (``clients`` concurrent sessions × ``per_client`` questions) on one app.

    RSS is read after each round (``rss_mb.rounds``): memory that stays bounded levels off
    after the first burst instead of growing by the same amount every round.
    """
    import gc

    records = bot.knowledge.records if check else None
    plans = plans_for(questions, clients, per_client, chat_every)
    calls: list[Call] = []
    failures: list[str] = []
    per_round: list[float] = []
    with launched(settings, bot) as url:
        warm = new_client(url)  # first-call allocations (routes, schemas) are not growth
        for endpoint in ("ask", "chat"):
            one_call(warm, endpoint, questions[0], timeout, None)
        warm.close()
        gc.collect()
        before = rss_mb()
        started = time.perf_counter()
        with RssSampler() as sampler:
            for _ in range(rounds):
                more, failed = run_clients(url, plans, timeout, records)
                calls += more
                failures += failed
                gc.collect()
                per_round.append(rss_mb())
        wall = time.perf_counter() - started
    after = per_round[-1] if per_round else rss_mb()
    errors = [c for c in calls if c.error or c.invalid]
    messages = list(dict.fromkeys(c.error or f"invalid /{c.endpoint}: {c.invalid}"
                                  for c in errors))
    return {
        "clients": clients, "per_client": per_client, "rounds": rounds,
        "requests": len(calls), "planned": rounds * sum(len(p) for p in plans),
        "ask": sum(c.endpoint == "ask" for c in calls),
        "chat": sum(c.endpoint == "chat" for c in calls),
        "max_concurrency": settings.max_concurrency, "max_queue": settings.max_queue,
        "max_in_flight": max_in_flight(calls),
        "errors": len(errors) + len(failures),
        "busy": sum(c.busy for c in calls), "hung": sum(c.hung for c in calls),
        "invalid": sum(c.invalid is not None for c in calls),
        "error_messages": (failures + messages)[:KEEP_ERRORS],
        "latency_ms": latency(calls),
        "ask_ms": latency([c for c in calls if c.endpoint == "ask"]),
        "chat_ms": latency([c for c in calls if c.endpoint == "chat"]),
        "wall_s": round(wall, 2),
        "throughput_rps": round(len(calls) / wall, 1) if wall else None,
        "rss_mb": {"before": before, "peak": sampler.peak, "after": after,
                   "rounds": per_round, "growth": round(after - before, 1),
                   "peak_growth": round(sampler.peak - before, 1)},
    }


def overflow_test(settings: Any, bot: Any, question: str, clients: int = 8,
                  max_concurrency: int = 1, max_queue: int = 1, delay: float = 1.5,
                  timeout: float = 60.0, probe: bool = True) -> dict[str, Any]:
    """Flood a small-queue app (``/ask`` slowed by ``delay`` s) with ``clients`` at once.

    Every request either succeeds or is refused as busy; a request still open after
    ``timeout`` counts as hung. With ``probe`` a plain HTTP ``POST /gradio_api/call/ask``
    is sent while the queue is full, to record what curl users get.
    """
    small = settings.model_copy(update={"max_concurrency": max_concurrency,
                                        "max_queue": max_queue})
    slow = cast(Any, SlowBot(bot, delay))
    answers: dict[str, Any] = {}
    flooding = threading.Event()
    with launched(small, slow) as url:
        if probe:
            threading.Thread(target=_probe, args=(url, question, flooding, delay / 4, answers),
                             daemon=True).start()
        started = time.perf_counter()
        calls, failures = run_clients(url, [[("ask", question)]] * clients, timeout,
                                      bot.knowledge.records, on_start=flooding.set)
        wall = time.perf_counter() - started
    busy = [c for c in calls if c.busy]
    other = [c for c in calls if (c.error and not c.busy and not c.hung) or c.invalid]
    return {
        "clients": clients, "max_concurrency": max_concurrency, "max_queue": max_queue,
        "delay_s": delay, "ok": sum(c.error is None and c.invalid is None for c in calls),
        "busy": len(busy), "hung": sum(c.hung for c in calls),
        "errors": len(other) + len(failures),
        "error_messages": (failures + [c.error or str(c.invalid) for c in other])[:KEEP_ERRORS],
        "busy_message": busy[0].error if busy else None,
        "busy_ms": latency([Call(c.endpoint, c.start, c.end) for c in busy]),
        "wall_s": round(wall, 2),
        "http_probe": answers.get("probe"),
        "page_message": PAGE_BUSY_MESSAGE,
    }


def _probe(url: str, question: str, flooding: threading.Event, wait: float,
           out: dict[str, Any]) -> None:
    """What a plain HTTP caller gets from ``POST /gradio_api/call/ask`` ``wait`` s into the
    flood (``out["probe"]``: status and JSON body)."""
    import httpx

    if not flooding.wait(timeout=180):
        return
    time.sleep(wait)
    try:
        response = httpx.post(f"{url}gradio_api/call/ask", json={"data": [question, []]},
                              timeout=30)
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text[:300]
        out["probe"] = {"status": response.status_code, "body": body}
    except httpx.HTTPError as exc:
        out["probe"] = {"status": None, "body": f"{type(exc).__name__}: {exc}"[:300]}


def render(report: dict[str, Any]) -> str:
    """Terminal summary of :func:`load_test` (``load``) and :func:`overflow_test`."""
    lines = []
    r = report.get("load")
    if r:
        lat, rss = r["latency_ms"], r["rss_mb"]
        lines += [
            f"load: {r['requests']}/{r['planned']} requests ({r['ask']} /ask, {r['chat']} /chat "
            f"streams) from {r['clients']} concurrent gradio_client sessions; server "
            f"concurrency {r['max_concurrency']}, queue {r['max_queue']}; up to "
            f"{r['max_in_flight']} in flight",
            f"      errors {r['errors']} (busy {r['busy']}, hung {r['hung']}, invalid "
            f"{r['invalid']}); latency p50 {lat['p50']} / p95 {lat['p95']} / max {lat['max']} "
            f"ms (/ask p50 {r['ask_ms']['p50']}"
            + (f", /chat stream p50 {r['chat_ms']['p50']}" if r["chat"] else "") + "); "
            f"{r['throughput_rps']} req/s over {r['wall_s']} s",
            f"      RSS before {rss['before']} MB, peak {rss['peak']} MB, after {rss['after']} "
            f"MB (growth {rss['growth']:+} MB, peak {rss['peak_growth']:+} MB); after each of "
            f"{r['rounds']} rounds: {', '.join(str(x) for x in rss['rounds'])} MB",
        ]
        lines += [f"      error: {m}" for m in r["error_messages"]]
    o = report.get("overflow")
    if o:
        probe = o.get("http_probe") or {}
        lines += [
            f"overflow: {o['clients']} simultaneous /ask on concurrency {o['max_concurrency']} "
            f"+ queue {o['max_queue']} ({o['delay_s']} s each): {o['ok']} answered, "
            f"{o['busy']} refused as busy (in {o['busy_ms']['max']} ms at most), "
            f"{o['hung']} hung, {o['errors']} other errors; {o['wall_s']} s",
            f"      client sees: {o['busy_message']}",
            f"      page shows:  {o['page_message']}",
            f"      HTTP sees:   {probe.get('status')} {probe.get('body')}",
        ]
        lines += [f"      error: {m}" for m in o["error_messages"]]
    return "\n".join(lines)

