"""HTML the app shows: answers with footnotes, status badges, sources, the article panel.

Every piece of user, document or model text goes through :func:`esc` or :func:`md_text`.
Escaping HTML is not enough: Gradio's Chatbot renders a message as *Markdown* (its HTML then
sanitized), so ``![x](http://evil/leak.png)`` in a quoted document would become a remote
image, ``[a](http://evil)`` or a bare ``http://evil`` a link, ``$$…$$`` KaTeX, and a blank
line inside a quote would end our HTML block and let the rest be parsed as Markdown. So the
Markdown punctuation is written as numeric character references (``&#91;`` for ``[``): a
browser shows the character, while Markdown treats a reference as literal text, never as
syntax (CommonMark; marked, which Gradio uses, keeps them as they are). That holds in Markdown
text, inside raw HTML blocks and in attribute values alike. No gradio here: these are plain
functions of the answer contract (``bot.contract``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from bot.contract import MARKER, STATUSES, Status
from bot.question import social_kind

if TYPE_CHECKING:
    from index.store import SourceRecord

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
    written_by: str
    fallback: str | None


#: What ``html.escape(quote=True)`` writes, kept byte for byte.
_HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
#: Markdown syntax: images, links, emphasis, code, headings, tables, strike-through, KaTeX
#: ``$$``, e-mail autolinks, backslash escapes. ``(``, ``)``, ``:``, ``/`` and ``.`` stay:
#: without ``[`` they build no link.
_MARKDOWN = "\\`*_{}[]!#|~$@"
_ESC = str.maketrans({**_HTML_ENTITIES, **{c: f"&#{ord(c)};" for c in _MARKDOWN}})
#: :func:`md_text` also breaks URLs: ``:`` (``http://``, ``javascript:``, link reference
#: definitions ``[1]: url``) and the dot of ``www.`` (GFM autolinks); and keeps line breaks
#: out of the Markdown source (a blank line inside a quote would end our HTML block).
_MD_TEXT = str.maketrans({**_HTML_ENTITIES,
                          **{c: f"&#{ord(c)};" for c in _MARKDOWN + ":\n\r"}})
_WWW = re.compile(r"(?i)(www)\.")
#: At the start of a line: a list item ("- x", "+ x", "2022. x"), a setext rule ("= x").
_LINE_START = re.compile(r"^([-+=]|\d{1,9}(?=[.)]))")


def esc(text: object) -> str:
    """HTML-escape any text (quotes included) for element content and attribute values,
    with Markdown punctuation as character references (a question shown in the chat cannot
    become an image, a link or a formula).

    ``:``, ``/`` and ``.`` are kept, so a URL stays a URL (``embed.py`` writes the app's
    origin with it); text from documents and models goes through :func:`md_text`.
    """
    return str(text).translate(_ESC)


def md_text(text: object) -> str:
    """Text of a document, a model or a user, safe as Chatbot Markdown and as HTML: what
    :func:`esc` does, and URLs broken (``http&#58;//``, ``www&#46;``), so nothing in it
    becomes a link, an autolink, an image, a script or a formula. A browser shows the very
    same characters."""
    out = _WWW.sub(r"\1&#46;", str(text).translate(_MD_TEXT))
    # the text may open a line of the message (the answer does): no list, no rule
    match = _LINE_START.match(out)
    if match:
        end = match.end()
        out = (f"&#{ord(out[0])};" + out[1:] if match.group(1) in "-+=" else
               out[:end] + f"&#{ord(out[end])};" + out[end + 1:])
    return out


def user_markdown(question: str) -> str:
    """A user's message as the chat shows it: their words as typed, shown as text (no link,
    image or formula), one ``<br>`` per line break."""
    return "<br>".join(md_text(line) for line in str(question).splitlines())


def span_id(turn: int, n: int) -> str:
    """Anchor id of citation ``[n]`` of answer number ``turn`` in the article panel."""
    return f"qantar-src-t{turn}-c{n}"


def _cite_link(turn: int, n: int, tooltip: str = "") -> str:
    title = f' title="{md_text(tooltip)}"' if tooltip else ""
    return (f'<a class="qantar-cite" href="#{span_id(turn, n)}"{title}>'
            f"[{n}]</a>")


def answer_markdown(text: str, turn: int, citations: Sequence[dict[str, Any]] = ()) -> str:
    """The answer as chat markdown: text escaped (:func:`md_text`: no Markdown of a document
    or a model gets through), each ``[n]`` a footnote link to its span."""
    known = {int(c["n"]): c for c in citations}
    out: list[str] = []
    pos = 0
    for match in MARKER.finditer(text):
        out.append(md_text(text[pos:match.start()]))
        n = int(match.group(1))
        if n in known:
            out.append(f'<sup class="qantar-fn">{_cite_link(turn, n, known[n]["title"])}</sup>')
        else:
            # a marker without a citation stays "[n]" as written; a "(" right after it
            # must not make it a link's text: "[2](http://…)"
            out.append(match.group(0))
            if text.startswith("(", match.end()):
                out.append("&#40;")
                pos = match.end() + 1
                continue
        pos = match.end()
    out.append(md_text(text[pos:]))
    return "".join(out)


def sources_html(citations: Sequence[dict[str, Any]], turn: int) -> str:
    """The cited passages under an answer: number, quote, source title, character span."""
    if not citations:
        return ""
    items = "".join(
        f'<li class="qantar-source">{_cite_link(turn, int(c["n"]))} '
        f'<q class="qantar-quote">{md_text(c["text"])}</q> '
        f'<span class="qantar-where">— {md_text(c["title"])}, characters '
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


def status_badge(answer: Mapping[str, Any], question: str = "") -> str:
    """A small badge saying how far the article answers: answered (with the confidence),
    closest (amber: a hedge quoting the nearest passages) or not found (neutral). None ("")
    over the reply to a greeting or thanks: nothing was asked of the article, so "Not in
    the article" would be wrong.

    Styled by the ``qantar-status-<status>`` class (see CSS); the text says it without colour.
    """
    if question and not answer.get("citations") and social_kind(question):
        return ""
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


def partial_message(answer: dict[str, Any], partial: str, turn: int, question: str = "") -> str:
    """A streamed assistant message: the badge at once (a hedge is flagged before it is read),
    then the text so far with its footnotes."""
    body = answer_markdown(partial, turn, answer.get("citations", []))
    badge = status_badge(answer, question)
    return f"{badge}\n\n{body}" if badge else body


FALLBACK_REASONS = {
    "unverified": "its answer was not supported by the passages",
    "timeout": "it took too long",
    "error": "it could not be reached",
}


def writer_note(answer: Mapping[str, Any]) -> str:
    """Who wrote the text, when an LLM answerer is configured ("" for plain extractive)."""
    writer = answer.get("written_by")
    if isinstance(writer, str) and writer != "extractive":
        return (f'<div class="qantar-writer">Written by the {md_text(writer)} model; every '
                "sentence was checked against the passage it cites.</div>")
    reason = FALLBACK_REASONS.get(str(answer.get("fallback")))
    if reason:
        return (f'<div class="qantar-writer">Quoted from the article: the language model was '
                f"not used because {esc(reason)}.</div>")
    return ""


def answer_message(answer: dict[str, Any], turn: int, question: str = "") -> str:
    """Full assistant message: status badge, the answer with footnotes, who wrote it, its
    cited passages."""
    parts = [partial_message(answer, answer["answer"], turn, question), writer_note(answer),
             sources_html(answer.get("citations", []), turn)]
    return "\n\n".join(p for p in parts if p)


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
            piece = md_text(record.text[a:b])
            if keys:
                classes = " ".join(f"qc-{key}" for key in keys)
                if latest and any(key.startswith(latest) for key in keys):
                    classes += " qantar-latest"
                body.append(f'<mark class="qantar-span {classes}">{piece}</mark>')
            else:
                body.append(piece)
        meta = record.meta if isinstance(record.meta, dict) else {}
        byline = " · ".join(md_text(x) for x in (meta.get("publisher"), source) if x)
        parts.append(
            f'<article class="qantar-article" data-source="{md_text(source)}" '
            f'aria-label="{md_text(record.title)}"><div class="qantar-byline">{byline}</div>'
            f'<div class="qantar-article-text">{"".join(body)}</div></article>'
        )
    hint = ("Click a [n] marker to see where the quote sits in the article."
            if by_source else "Ask a question: cited passages are highlighted here.")
    return (f'<div class="qantar-scroll"><div class="qantar-panel-hint">{esc(hint)}</div>'
            f'{"".join(parts)}</div>')
