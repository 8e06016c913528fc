"""Qantar Q&A web app: a Gradio 6 chat with clickable citations, an article panel and an API.

Run ``python app.py`` (host/port from :class:`bot.settings.Settings`, i.e. ``QANTAR_HOST`` /
``QANTAR_PORT`` / ``GRADIO_SERVER_PORT``; ``QANTAR_MCP=1`` also serves the tools over MCP).
Everything the page needs is served by the app itself: no CDN, no web font, no analytics.

Named API endpoints (see ``/?view=api`` on a running app):

* ``/ask(question, history) -> dict`` — one answer with citations, ``status`` (answered /
  closest / not_found) and ``confidence`` (``Answer.model_dump()``, typed as :class:`AnswerDict`);
* ``/chat(question, history)`` — the answer text, streamed as it grows (text only: a hedge says
  so in its words; the status and confidence are on ``/ask``);
* ``/retrieve(question, k) -> list[dict]`` — the passages retrieval finds, with scores.
"""

from __future__ import annotations

import os

# Before gradio is imported: the model ships with the package, the page must work offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import html  # noqa: E402
import importlib.util  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator, Mapping, Sequence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from functools import cache  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING, Any, TypedDict, cast  # noqa: E402

import gradio as gr  # noqa: E402
from fastapi import Request  # noqa: E402
from fastapi.responses import HTMLResponse, Response  # noqa: E402
from starlette.routing import BaseRoute, Route  # noqa: E402

from bot.contract import MARKER, STATUSES, Status  # noqa: E402
from bot.service import QantarBot, QuestionError  # noqa: E402
from bot.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from index.store import SourceRecord

log = logging.getLogger("qantar.app")

HERE = Path(__file__).resolve().parent
EMBED_PAGE = HERE / "docs" / "embed.html"
#: Origin written in docs/embed.html; the /embed route swaps in the serving app's origin.
EMBED_PLACEHOLDER_ORIGIN = "http://127.0.0.1:7860"
#: Stable URL of the web-component loader (imports Gradio's hashed /assets/index-*.js).
EMBED_SCRIPT_PATH = "/embed/gradio.js"

TITLE = "Qantar Q&A"
EXAMPLES = [
    "Who is the president quoted in the article?",
    "What happened in January 2022?",
    "How much damage did the unrest cause?",
    "What course was set after the 2019 election?",
    "Who was behind the conspiracy?",
]
#: Pause between streamed words in the chat UI, so the answer visibly grows.
STREAM_DELAY = 0.02

Turn = dict[str, Any]  # {"question": str, "answer": Answer dict | None, "error": str | None}


class CitationDict(TypedDict):
    """One citation as /ask returns it (``bot.contract.Citation.model_dump()``)."""

    n: int
    chunk_id: str
    source: str
    title: str
    text: str
    start: int
    end: int
    score: float


class AnswerDict(TypedDict):
    """What /ask returns (``bot.contract.Answer.model_dump()``), spelled out as a TypedDict.

    gr.api derives the endpoint's schema from the return annotation, so clients and MCP see
    the fields (``status`` as an enum) instead of "Any". A test keeps it equal to the contract.
    """

    answer: str
    found: bool
    status: Status
    confidence: float
    citations: list[CitationDict]


# --------------------------------------------------------------------------------------------
# HTML built here: every piece of user or document text goes through html.escape.
# --------------------------------------------------------------------------------------------


def esc(text: object) -> str:
    """HTML-escape any text (quotes included) for element content and attribute values."""
    return html.escape(str(text), quote=True)


def span_id(turn: int, n: int) -> str:
    """Anchor id of citation ``[n]`` of answer number ``turn`` in the article panel."""
    return f"qantar-src-t{turn}-c{n}"


def _cite_link(turn: int, n: int, tooltip: str = "") -> str:
    title = f' title="{esc(tooltip)}"' if tooltip else ""
    return (f'<a class="qantar-cite" href="#{span_id(turn, n)}"{title}>'
            f"[{n}]</a>")


def answer_markdown(text: str, turn: int, citations: Sequence[dict[str, Any]] = ()) -> str:
    """The answer as chat markdown: text escaped, each ``[n]`` a footnote link to its span."""
    known = {int(c["n"]): c for c in citations}
    out: list[str] = []
    pos = 0
    for match in MARKER.finditer(text):
        out.append(esc(text[pos:match.start()]))
        n = int(match.group(1))
        if n in known:
            out.append(f'<sup class="qantar-fn">{_cite_link(turn, n, known[n]["title"])}</sup>')
        else:
            out.append(esc(match.group(0)))
        pos = match.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def sources_html(citations: Sequence[dict[str, Any]], turn: int) -> str:
    """The cited passages under an answer: number, quote, source title, character span."""
    if not citations:
        return ""
    items = "".join(
        f'<li class="qantar-source">{_cite_link(turn, int(c["n"]))} '
        f'<q class="qantar-quote">{esc(c["text"])}</q> '
        f'<span class="qantar-where">— {esc(c["title"])}, characters '
        f'{int(c["start"])}–{int(c["end"])}</span></li>'
        for c in sorted(citations, key=lambda c: int(c["n"]))
    )
    return (f'<div class="qantar-sources"><div class="qantar-sources-head">Sources</div>'
            f'<ul class="qantar-source-list">{items}</ul></div>')


#: Badge text per status. A hedge must read differently from an answer at a glance.
STATUS_LABELS: dict[Status, str] = {
    "answered": "Answered",
    "closest": "Closest passage — the article may not answer this directly",
    "not_found": "Not in the article",
}
#: Badge tooltip per status (the confidence is added when there is one).
STATUS_TOOLTIPS: dict[Status, str] = {
    "answered": "The cited passages answer the question.",
    "closest": "The article may not answer this directly; these are the closest passages.",
    "not_found": "Nothing in the article answers this.",
}


def answer_status(answer: Mapping[str, Any]) -> Status:
    """The answer's status; derived from ``found`` when absent or unknown (older producers).

    Only a value from ``STATUSES`` is ever returned, so it is safe in a class name.
    """
    status = answer.get("status")
    for known in STATUSES:
        if status == known:
            return known
    return "answered" if answer.get("found") else "not_found"


def answer_confidence(answer: Mapping[str, Any]) -> float | None:
    """``confidence`` clamped to [0, 1], or None when missing or not a number."""
    value = answer.get("confidence")
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return min(1.0, max(0.0, float(value)))


def status_badge(answer: Mapping[str, Any]) -> str:
    """A small badge saying how far the article answers: answered (with the confidence),
    closest (amber: a hedge quoting the nearest passages) or not found (neutral).

    Styled by the ``qantar-status-<status>`` class (see CSS); the text says it without colour.
    """
    status = answer_status(answer)
    confidence = answer_confidence(answer)
    percent = f"confidence {round(confidence * 100)}%" if confidence is not None else ""
    label = STATUS_LABELS[status]
    if status == "answered" and percent:
        label = f"{label} · {percent}"
    tooltip = STATUS_TOOLTIPS[status]
    if percent and status != "not_found":
        tooltip += f" Estimated {percent} that the first cited passage answers it."
    return (f'<div class="qantar-status qantar-status-{status}" title="{esc(tooltip)}">'
            f"{esc(label)}</div>")


def partial_message(answer: dict[str, Any], partial: str, turn: int) -> str:
    """A streamed assistant message: the badge at once (a hedge is flagged before it is read),
    then the text so far with its footnotes."""
    body = answer_markdown(partial, turn, answer.get("citations", []))
    return f"{status_badge(answer)}\n\n{body}"


def answer_message(answer: dict[str, Any], turn: int) -> str:
    """Full assistant message: status badge, the answer with footnotes, its cited passages."""
    message = partial_message(answer, answer["answer"], turn)
    sources = sources_html(answer.get("citations", []), turn)
    return f"{message}\n\n{sources}" if sources else message


def _segments(length: int, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, list[str]]]:
    """Cut [0, length) at every span boundary; each piece lists the span keys covering it."""
    cuts = {0, length}
    for start, end, _ in spans:
        cuts.update((max(0, min(start, length)), max(0, min(end, length))))
    bounds = sorted(cuts)
    pieces = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a < b:
            pieces.append((a, b, [key for start, end, key in spans if start <= a and b <= end]))
    return pieces


def article_html(records: Mapping[str, SourceRecord], turns: Sequence[Turn]) -> str:
    """The article panel: each cited source in full, cited spans highlighted by offsets.

    Each citation gets an empty anchor (``id=span_id(turn, n)``) where its span starts and a
    ``qc-t{turn}-c{n}`` class on every highlighted piece of it, so spans may overlap.
    """
    by_source: dict[str, list[tuple[int, int, str]]] = {}
    for t, turn in enumerate(turns):
        answer = turn.get("answer") or {}
        for c in answer.get("citations", []):
            if c["source"] in records:
                by_source.setdefault(c["source"], []).append(
                    (int(c["start"]), int(c["end"]), f"t{t}-c{int(c['n'])}"))
    latest = f"t{len(turns) - 1}-" if turns else None
    shown = list(by_source) or list(records)[:1]
    parts = []
    for source in shown:
        record = records[source]
        spans = by_source.get(source, [])
        starts: dict[int, list[str]] = {}
        for start, _, key in spans:
            starts.setdefault(start, []).append(key)
        body: list[str] = []
        for a, b, keys in _segments(len(record.text), spans):
            body.extend(f'<span class="qantar-anchor" id="qantar-src-{key}"></span>'
                        for key in starts.pop(a, []))
            piece = esc(record.text[a:b])
            if keys:
                classes = " ".join(f"qc-{key}" for key in keys)
                if latest and any(key.startswith(latest) for key in keys):
                    classes += " qantar-latest"
                body.append(f'<mark class="qantar-span {classes}">{piece}</mark>')
            else:
                body.append(piece)
        meta = record.meta if isinstance(record.meta, dict) else {}
        byline = " · ".join(esc(x) for x in (meta.get("publisher"), source) if x)
        parts.append(
            f'<article class="qantar-article" data-source="{esc(source)}" '
            f'aria-label="{esc(record.title)}"><div class="qantar-byline">{byline}</div>'
            f'<div class="qantar-article-text">{"".join(body)}</div></article>'
        )
    hint = ("Click a [n] marker to see where the quote sits in the article."
            if by_source else "Ask a question: cited passages are highlighted here.")
    return (f'<div class="qantar-scroll"><div class="qantar-panel-hint">{esc(hint)}</div>'
            f'{"".join(parts)}</div>')


# --------------------------------------------------------------------------------------------
# Feedback log
# --------------------------------------------------------------------------------------------


class FeedbackLog:
    """Append-only JSONL of 👍/👎 votes (one JSON object per line, safe across threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, question: str, answer: str, citations: list[dict[str, Any]],
               vote: str) -> dict[str, Any]:
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": question, "answer": answer, "citations": citations, "vote": vote,
        }
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")
        return record


def vote_name(liked: object) -> str:
    """LikeData.liked as a vote: True → up, False → down, other feedback options as given."""
    if liked is True:
        return "up"
    if liked is False:
        return "down"
    return str(liked) if liked else "none"


# --------------------------------------------------------------------------------------------
# Page assets: CSS and the small offline script that makes footnotes jump to the article.
# --------------------------------------------------------------------------------------------

CSS = """
#qantar-article .qantar-scroll { max-height: 72vh; overflow-y: auto;
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  padding: 0.75rem 1rem; background: var(--background-fill-primary); }
.qantar-byline, .qantar-panel-hint { color: var(--body-text-color-subdued);
  font-size: 0.85rem; margin-bottom: 0.5rem; }
.qantar-article-text { white-space: pre-wrap; line-height: 1.55; }
mark.qantar-span { background: #fff3b0; color: #1f2937; border-radius: 3px; padding: 0 1px; }
mark.qantar-span.qantar-latest { background: #ffe066; }
mark.qantar-span.qantar-active { background: #ffb347; outline: 2px solid #e8590c; }
.qantar-cite { text-decoration: none; font-weight: 600; cursor: pointer; }
.qantar-sources { margin-top: 0.5rem; font-size: 0.9em; border-top: 1px solid
  var(--border-color-primary); padding-top: 0.35rem; }
.qantar-sources-head { font-weight: 600; margin-bottom: 0.2rem; }
ul.qantar-source-list { list-style: none; padding-left: 0; margin: 0; }
li.qantar-source { margin: 0.2rem 0; }
q.qantar-quote { quotes: none; background: #fff3b0; color: #1f2937; border-radius: 3px;
  padding: 0 2px; }
.qantar-where { color: var(--body-text-color-subdued); }
.qantar-status { display: inline-block; font-size: 0.8em; font-weight: 600; line-height: 1.4;
  border: 1px solid; border-radius: 999px; padding: 0.05rem 0.6rem; margin-bottom: 0.3rem; }
.qantar-status-answered { background: #e6f4ea; color: #1e5631; border-color: #a3d9b1; }
.qantar-status-closest { background: #fff4e0; color: #7a4100; border-color: #f5a524; }
.qantar-status-not_found { background: #f1f3f5; color: #495057; border-color: #ced4da; }
#qantar-chat [data-testid="bot"]:has(.qantar-status-closest) {
  border-left: 4px solid #f5a524; }
"""

#: js_on_load of the article panel (runs in the app page and in embeds, no network needed).
#: Clicking any ``a.qantar-cite`` scrolls the panel to that span and marks it active.
PANEL_JS = r"""
const root = () => (document.querySelector('#qantar-article .qantar-scroll')
  || element.querySelector('.qantar-scroll') || element);
function activate(id) {
  const panel = root();
  const anchor = panel.querySelector('#' + CSS.escape(id));
  if (!anchor) { return false; }
  panel.querySelectorAll('mark.qantar-active')
    .forEach((m) => m.classList.remove('qantar-active'));
  const key = 'qc-' + id.replace('qantar-src-', '');
  const marks = panel.querySelectorAll('mark.' + CSS.escape(key));
  marks.forEach((m) => m.classList.add('qantar-active'));
  const target = marks[0] || anchor;
  const box = panel.getBoundingClientRect();
  const at = target.getBoundingClientRect();
  panel.scrollTo({ top: panel.scrollTop + at.top - box.top - panel.clientHeight / 3,
                   behavior: 'smooth' });
  return true;
}
if (!window.__qantarCiteHandler) {
  window.__qantarCiteHandler = (event) => {
    const link = event.target.closest && event.target.closest('a.qantar-cite');
    if (!link) { return; }
    const id = (link.getAttribute('href') || '').replace(/^#/, '');
    if (!id.startsWith('qantar-src-')) { return; }
    event.preventDefault();
    event.stopPropagation();
    if (window.__qantarActivate) { window.__qantarActivate(id); }
  };
  document.addEventListener('click', window.__qantarCiteHandler, true);
}
window.__qantarActivate = activate;
watch('value', () => {
  const latest = root().querySelector('mark.qantar-latest');
  if (latest) {
    const box = root().getBoundingClientRect();
    root().scrollTop += latest.getBoundingClientRect().top - box.top - root().clientHeight / 3;
  }
});
"""


def make_theme() -> gr.themes.Base:
    """Gradio's default look with fonts the app serves itself, then system fonts."""
    return gr.themes.Default(
        primary_hue="amber",
        font=[gr.themes.LocalFont("Source Sans Pro"), "ui-sans-serif", "system-ui",
              "-apple-system", "Segoe UI", "Roboto", "Arial", "sans-serif"],
        font_mono=[gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "SFMono-Regular",
                   "Menlo", "Consolas", "monospace"],
    )


# --------------------------------------------------------------------------------------------
# Embedding: the /embed page and a stable URL for Gradio's web-component bundle.
# --------------------------------------------------------------------------------------------


@cache
def bundle_path() -> str:
    """Path of the bundle that defines <gradio-app>, e.g. ``/assets/index-DphvyggB.js``.

    Its name carries a content hash that changes with every Gradio release, so it is read
    from the index.html Gradio ships rather than written down anywhere.
    """
    index = Path(gr.__file__).parent / "templates" / "frontend" / "index.html"
    match = re.search(r'src="\./(assets/index-[\w-]+\.js)"', index.read_text(encoding="utf-8"))
    if not match:
        raise RuntimeError(f"cannot find the web-component bundle in {index}")
    return "/" + match.group(1)


def embed_page(origin: str) -> str:
    """docs/embed.html with the serving app's origin in place of the placeholder.

    The origin comes from the request (Host header), so it is escaped like any other input.
    """
    page = EMBED_PAGE.read_text(encoding="utf-8")
    return page.replace(EMBED_PLACEHOLDER_ORIGIN, esc(origin.rstrip("/")))


def _request_origin(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def _embed_route(request: Request) -> HTMLResponse:
    return HTMLResponse(embed_page(_request_origin(request)))


def embed_loader() -> str:
    """A one-line ES module importing the bundle by its real URL.

    Not a redirect: a module fetched through a redirect is a second instance of the bundle
    (modules are keyed by the requested URL), and two Svelte runtimes break the component.
    """
    return f'import "..{bundle_path()}";\n'


async def _embed_script_route(request: Request) -> Response:
    return Response(embed_loader(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache"})


def embed_routes() -> list[BaseRoute]:
    """Extra routes mounted before Gradio's own: the demo page and the stable bundle URL."""
    return [
        Route("/embed", _embed_route, methods=["GET"]),
        Route(EMBED_SCRIPT_PATH, _embed_script_route, methods=["GET"]),
    ]


class QantarApp(gr.Blocks):
    """A ``gr.Blocks`` whose ``launch()`` defaults to the app's theme, CSS and /embed routes.

    Gradio 6 takes theme/css/js/head in ``launch()``; keeping them here means
    ``create_app().launch()`` looks the same everywhere (CLI, tests, notebooks).
    """

    page_options: dict[str, Any]

    def launch(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        for key, value in self.page_options.items():
            kwargs.setdefault(key, value)
        app_kwargs = dict(kwargs.get("app_kwargs") or {})
        app_kwargs["routes"] = [*embed_routes(), *app_kwargs.get("routes", [])]
        kwargs["app_kwargs"] = app_kwargs
        return super().launch(*args, **kwargs)


def page_options() -> dict[str, Any]:
    """theme/css for ``launch()`` or ``gr.mount_gradio_app`` (all assets served locally)."""
    return {"theme": make_theme(), "css": CSS}


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------


def history_of(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Conversation so far as the bot expects it (answer text only, failed turns left out)."""
    history: list[dict[str, str]] = []
    for turn in turns:
        if turn.get("answer"):
            history.append({"role": "user", "content": turn["question"]})
            history.append({"role": "assistant", "content": turn["answer"]["answer"]})
    return history


def resolved(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` with its annotations evaluated in its signature.

    gr.api reads the return type from ``inspect.signature``; under ``from __future__ import
    annotations`` that is a string, and the API schema would say "Any" instead of the fields.
    """
    fn.__signature__ = inspect.signature(fn, eval_str=True)  # type: ignore[attr-defined]
    return fn


def create_app(settings: Settings | None = None, bot: QantarBot | None = None) -> gr.Blocks:
    """Build the Gradio app (opening or building the index unless a ``bot`` is given)."""
    settings = settings or (bot.settings if bot else Settings())
    bot = bot or QantarBot.from_settings(settings)
    feedback = FeedbackLog(settings.feedback_file)

    # ---- API (named endpoints; typed so gradio_client and MCP see real schemas) ----------

    def ask(question: str, history: list[dict[str, Any]] | None = None) -> AnswerDict:
        """Answer a question about the article, with the exact passages that support it.

        Args:
            question: The question, in English (up to the configured length limit).
            history: Earlier turns as [{"role": "user" | "assistant", "content": str}].

        Returns:
            The answer (markdown with [n] markers); found; status: "answered" (the cited
            passages answer it, found is true), "closest" (a hedge: the article may not answer
            it directly, the closest passages are quoted, found is false) or "not_found"
            (no citations); confidence: estimated probability (0-1) that the first cited
            passage answers; citations with exact quotes and character offsets.
        """
        try:
            return cast(AnswerDict, bot.ask(question, history or []).model_dump())
        except QuestionError as exc:
            raise gr.Error(str(exc)) from exc

    def chat(question: str, history: list[dict[str, Any]] | None = None) -> Iterator[str]:
        """Stream the answer text as it grows (same text as /ask's answer, nothing else).

        Plain strings, so every client keeps working: a hedge says in its own words that the
        article may not answer directly. Use /ask for status, confidence and citations.

        Args:
            question: The question, in English.
            history: Earlier turns as [{"role": "user" | "assistant", "content": str}].
        """
        try:
            yield from bot.stream(question, history or [])
        except QuestionError as exc:
            raise gr.Error(str(exc)) from exc

    def retrieve(question: str, k: int = 5) -> list[dict[str, Any]]:
        """Passages the retriever finds for a question, with fused, dense and BM25 scores.

        Args:
            question: The search question.
            k: How many passages to return (1-50).
        """
        if not isinstance(k, int) or not 1 <= k <= 50:
            raise gr.Error("k must be a whole number between 1 and 50.")
        try:
            return bot.retrieve(question, k)
        except QuestionError as exc:
            raise gr.Error(str(exc)) from exc

    # ---- UI handlers ---------------------------------------------------------------------

    def respond(message: str, chat_value: list[dict[str, Any]], turns: list[Turn]
                ) -> Iterator[tuple[Any, ...]]:
        question = message or ""
        turn_no = len(turns)
        chat_value = [*chat_value, {"role": "user", "content": esc(question)}]
        yield "", chat_value, gr.skip(), gr.skip()
        try:
            answer = bot.ask(question, history_of(turns)).model_dump()
        except QuestionError as exc:
            turns = [*turns, {"question": question, "answer": None, "error": str(exc)}]
            chat_value.append({"role": "assistant", "content": "⚠️ " + esc(exc)})
            yield "", chat_value, turns, gr.skip()
            return
        words = answer["answer"].split(" ")
        for i in range(1, len(words)):
            partial = partial_message(answer, " ".join(words[:i]), turn_no)
            yield ("", [*chat_value, {"role": "assistant", "content": partial}],
                   gr.skip(), gr.skip())
            time.sleep(STREAM_DELAY)
        turns = [*turns, {"question": question, "answer": answer, "error": None}]
        chat_value.append({"role": "assistant", "content": answer_message(answer, turn_no)})
        yield "", chat_value, turns, article_html(bot.knowledge.records, turns)

    def on_vote(turns: list[Turn], data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn_no = int(index) // 2
        if not 0 <= turn_no < len(turns):
            return
        turn = turns[turn_no]
        answer = turn.get("answer") or {}
        feedback.append(
            question=turn["question"],
            answer=str(answer.get("answer") or turn.get("error") or ""),
            citations=answer.get("citations", []),
            vote=vote_name(data.liked),
        )
        gr.Info("Thanks for the feedback!")

    def new_conversation() -> tuple[Any, ...]:
        return [], [], "", article_html(bot.knowledge.records, [])

    # ---- layout --------------------------------------------------------------------------

    with QantarApp(title=TITLE, fill_width=True) as demo:
        demo.page_options = page_options()
        gr.Markdown(
            f"## {esc(TITLE)}\nAsk about the article. Every answer quotes the article; "
            "click a **[n]** marker to see the passage highlighted on the right."
        )
        turns_state = gr.State([])
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(
                    label="Conversation", elem_id="qantar-chat", height=520,
                    sanitize_html=True, allow_tags=False, buttons=["copy"],
                    feedback_options=("Like", "Dislike"), layout="bubble",
                    placeholder="Answers appear here, with their sources.",
                )
                with gr.Row():
                    question_box = gr.Textbox(
                        show_label=False, placeholder="Ask a question about the article…",
                        max_length=settings.max_question_chars, scale=5, submit_btn=False,
                        elem_id="qantar-question", autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="qantar-send")
                with gr.Row():
                    clear = gr.Button("New conversation", variant="secondary",
                                      elem_id="qantar-new", size="sm")
                gr.Examples(EXAMPLES, inputs=[question_box], label="Example questions")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Article")
                article = gr.HTML(
                    article_html(bot.knowledge.records, []), elem_id="qantar-article",
                    js_on_load=PANEL_JS, apply_default_css=True,
                )

        outputs = [question_box, chatbot, turns_state, article]
        for trigger in (question_box.submit, send.click):
            trigger(respond, [question_box, chatbot, turns_state], outputs,
                    api_visibility="private", show_progress="minimal")
        chatbot.like(on_vote, [turns_state], None, api_visibility="private")
        clear.click(new_conversation, None, [chatbot, turns_state, question_box, article],
                    api_visibility="private")
        # the chatbot's own 🗑 button empties the messages: forget the turns and spans as well
        chatbot.clear(new_conversation, None, [chatbot, turns_state, question_box, article],
                      api_visibility="private")

        gr.api(resolved(ask), api_name="ask")
        gr.api(resolved(chat), api_name="chat")
        gr.api(resolved(retrieve), api_name="retrieve")

    demo.queue(default_concurrency_limit=settings.max_concurrency, max_size=settings.max_queue)
    return demo


def mcp_available() -> bool:
    """True when the optional ``mcp`` package (``pip install qantar-qa[mcp]``) is importable."""
    return importlib.util.find_spec("mcp") is not None


def main() -> None:
    """Serve the app on settings.host:settings.port (127.0.0.1:7860 by default)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    mcp = settings.mcp
    if mcp and not mcp_available():
        log.warning("QANTAR_MCP=1 but the 'mcp' package is not installed; serving without "
                    "MCP. Install it with: pip install 'mcp>=1.21,<2'")
        mcp = False
    demo = create_app(settings)
    demo.launch(server_name=settings.host, server_port=settings.port, mcp_server=mcp)


if __name__ == "__main__":
    main()
