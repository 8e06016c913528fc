"""The Gradio app: HTML it builds (escaping, offsets), its API end to end, embedding, MCP switch.

Fast tests use small stand-in records; ``slow`` ones launch the real app on a free localhost
port and call every named endpoint with gradio_client and with plain HTTP (as curl would).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import httpx  # noqa: E402
import pytest  # noqa: E402

import app  # noqa: E402
from bot.contract import STATUSES, Answer, Citation, Status  # noqa: E402
from tests import app_fixtures  # noqa: E402
from tests.app_fixtures import STATUS_QUESTIONS, AppServer  # noqa: E402
from ui.embed import EMBED_PLACEHOLDER_ORIGIN, bundle_path, embed_loader, embed_page  # noqa: E402
from ui.feedback import FeedbackLog, vote_name  # noqa: E402
from ui.render import (  # noqa: E402
    STATUS_LABELS,
    AnswerDict,
    CitationDict,
    _segments,
    answer_confidence,
    answer_markdown,
    answer_message,
    answer_status,
    article_html,
    esc,
    partial_message,
    sources_html,
    span_id,
    status_badge,
)

# Shared fixtures (tests/conftest.py belongs to the core; these live in tests/app_fixtures.py).
app_bot = app_fixtures.app_bot
app_server = app_fixtures.app_server

HERE = Path(__file__).resolve().parent
TEXT = 'Intro <script>alert("x")</script> & more. Tokayev spoke in 2019. The end.'


def record(text: str = TEXT, source: str = "doc.txt", title: str = "A <b>title</b>") -> Any:
    return SimpleNamespace(source=source, title=title, text=text, meta={"publisher": "P&Q"})


def citation(n: int, text: str, start: int, source: str = "doc.txt") -> dict[str, Any]:
    return {"n": n, "chunk_id": f"c{n}", "source": source, "title": "A <b>title</b>",
            "text": text, "start": start, "end": start + len(text), "score": 0.5}


def marks_text(html_text: str, key: str) -> str:
    """Concatenated (unescaped) text of every highlighted piece carrying class qc-<key>."""
    import html as html_mod

    pieces = re.findall(rf'<mark class="qantar-span [^"]*\bqc-{key}\b[^"]*">(.*?)</mark>',
                        html_text, flags=re.S)
    return html_mod.unescape("".join(pieces))


# ---------------------------------------------------------------------------------------------
# HTML building (no server)
# ---------------------------------------------------------------------------------------------


def test_answer_markdown_escapes_text_and_links_known_markers() -> None:
    cites = [citation(1, "Tokayev spoke in 2019.", TEXT.index("Tokayev"))]
    out = answer_markdown('He <img src=x onerror=alert(1)> spoke [1] and [2].', 3, cites)
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert f'href="#{span_id(3, 1)}"' in out and ">[1]</a>" in out
    assert "[2]" in out and 'href="#qantar-src-t3-c2"' not in out  # no citation, plain text
    assert 'title="A &lt;b&gt;title&lt;/b&gt;"' in out  # attribute escaped too


def test_sources_html_quotes_title_and_position_escaped() -> None:
    start = TEXT.index("<script>")
    cite = citation(1, TEXT[start:start + 27], start)
    out = sources_html([cite], 0)
    assert "<script>" not in out and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "A &lt;b&gt;title&lt;/b&gt;" in out
    assert f"characters {start}–{start + 27}" in out
    assert sources_html([], 0) == ""


def test_article_html_highlights_exact_offsets_and_escapes_document() -> None:
    recs = {"doc.txt": record()}
    s1 = TEXT.index("Tokayev")
    s2 = TEXT.index("2019")
    turns: list[dict[str, Any]] = [
        {"question": "q1", "answer": {"answer": "a [1]", "found": True,
                                      "citations": [citation(1, TEXT[s1:s1 + 22], s1)]}},
        {"question": "q2", "error": "bad", "answer": None},
        {"question": "q3", "answer": {"answer": "b [1] [2]", "found": True, "citations": [
            citation(1, TEXT[s2:s2 + 5], s2), citation(2, TEXT[:5], 0)]}},
    ]
    out = article_html(recs, turns)
    assert "<script>" not in out and "&lt;script&gt;" in out
    # overlapping spans (t0-c1 contains t2-c1) keep their exact text
    assert marks_text(out, "t0-c1") == TEXT[s1:s1 + 22]
    assert marks_text(out, "t2-c1") == TEXT[s2:s2 + 5]
    assert marks_text(out, "t2-c2") == TEXT[:5]
    for key in ("t0-c1", "t2-c1", "t2-c2"):
        assert out.count(f'id="qantar-src-{key}"') == 1
    # the latest answer's spans are marked, earlier ones are not
    assert re.search(r'class="qantar-span qc-t2-c2 qantar-latest"', out)
    assert not re.search(r'class="qantar-span qc-t0-c1"[^>]*qantar-latest', out)
    # the whole text is there exactly once, in order
    plain = re.sub(r"<[^>]+>", "", out.split('<div class="qantar-article-text">', 1)[1])
    import html as html_mod

    assert html_mod.unescape(plain).startswith(TEXT)


def test_article_html_without_citations_shows_first_source() -> None:
    recs = {"a.txt": record(source="a.txt", text="First."),
            "b.txt": record(source="b.txt", text="Second.")}
    out = article_html(recs, [])
    assert "First." in out and "Second." not in out and "<mark" not in out


XSS = "<img src=x onerror=alert(1)>"


def status_answer(status: str, confidence: float = 0.82) -> dict[str, Any]:
    """An /ask-shaped answer of the given status, with markup in every text field."""
    start = TEXT.index("<script>")
    cites = [] if status == "not_found" else [citation(1, TEXT[start:start + 27], start)]
    text = f"Hedge {XSS} [1]." if cites else f"The article does not say {XSS}."
    return {"answer": text, "found": status == "answered", "status": status,
            "confidence": confidence, "citations": cites}


@pytest.mark.parametrize("status", STATUSES)
def test_answer_message_badge_per_status_keeps_escaping(status: Status) -> None:
    out = answer_message(status_answer(status), 2)
    assert out.startswith(f'<div class="qantar-status qantar-status-{status}" title="')
    assert out.count('class="qantar-status ') == 1
    assert esc(STATUS_LABELS[status]) in out
    # markup in the answer and in the quote stays text
    assert "<img" not in out and "<script>" not in out and "&lt;img src=x" in out
    if status == "not_found":
        assert "qantar-sources" not in out and "qantar-cite" not in out
    else:
        assert "qantar-sources" in out and f'href="#{span_id(2, 1)}"' in out
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out


def test_no_badge_over_the_reply_to_thanks() -> None:
    """"thanks!" asked nothing of the article: its reply wears no "Not in the article"."""
    reply = {"answer": "Glad to help.", "found": False, "status": "not_found",
             "confidence": 0.0, "citations": []}
    assert answer_message(reply, 0, "thanks!") == "Glad to help."
    assert "qantar-status-not_found" in answer_message(reply, 0, "who won the cup?")
    assert "qantar-status-not_found" in answer_message(reply, 0)


def test_status_badge_texts() -> None:
    answered = status_badge(status_answer("answered", 0.816))
    assert ">Answered · confidence 82%</div>" in answered
    closest = status_badge(status_answer("closest", 0.31))
    assert ">Closest passage — the article may not answer this directly</div>" in closest
    assert "confidence 31% that the first cited passage" in closest  # in the tooltip
    not_found = status_badge(status_answer("not_found", 0.0))
    assert ">Not in the article</div>" in not_found and "confidence" not in not_found


@pytest.mark.parametrize(("answer", "status"), [
    ({"found": True}, "answered"),  # an answer made before the field existed
    ({"found": False}, "not_found"),
    ({"found": True, "status": "closest"}, "closest"),
    ({"found": False, "status": '"><script>alert(1)</script>'}, "not_found"),
    ({"found": True, "status": None}, "answered"),
])
def test_answer_status_is_always_a_known_value(answer: dict[str, Any], status: str) -> None:
    assert answer_status(answer) == status
    badge = status_badge({"answer": "a", "citations": [], **answer})
    assert f'class="qantar-status qantar-status-{status}"' in badge and "<script>" not in badge


@pytest.mark.parametrize(("value", "expected"), [
    (0.5, 0.5), (1, 1.0), (1.7, 1.0), (-0.2, 0.0), (None, None), ("0.9", None),
    (True, None), (float("nan"), None),
])
def test_answer_confidence_is_clamped_or_none(value: object, expected: float | None) -> None:
    assert answer_confidence({"confidence": value}) == expected


def test_partial_message_flags_status_while_streaming() -> None:
    answer = status_answer("closest")
    partial = partial_message(answer, "Hedge <b>", 0)
    assert partial.startswith('<div class="qantar-status qantar-status-closest"')
    assert partial.endswith("Hedge &lt;b&gt;") and "qantar-sources" not in partial


def test_article_html_highlights_hedge_citations() -> None:
    s1 = TEXT.index("Tokayev")
    hedge = {"answer": "Closest: [1]", "found": False, "status": "closest", "confidence": 0.3,
             "citations": [citation(1, TEXT[s1:s1 + 22], s1)]}
    out = article_html({"doc.txt": record()}, [{"question": "q", "answer": hedge}])
    assert marks_text(out, "t0-c1") == TEXT[s1:s1 + 22]
    assert 'id="qantar-src-t0-c1"' in out and "qantar-latest" in out


def test_api_types_match_the_contract() -> None:
    """AnswerDict/CitationDict spell out bot.contract for the API schema: keep them equal."""
    assert list(AnswerDict.__annotations__) == list(Answer.model_fields)
    assert list(CitationDict.__annotations__) == list(Citation.model_fields)


def test_segments_cover_text_once() -> None:
    pieces = _segments(20, [(2, 10, "a"), (5, 15, "b"), (30, 40, "c")])
    assert pieces[0][0] == 0 and pieces[-1][1] == 20
    assert all(a < b for a, b, _ in pieces)
    assert all(p[1] == q[0] for p, q in zip(pieces, pieces[1:], strict=False))
    assert [keys for a, _, keys in pieces if a == 5] == [["a", "b"]]


def test_history_of_skips_failed_turns_and_keeps_what_was_shown() -> None:
    turns: list[dict[str, Any]] = [
        {"question": "q1", "answer": {"answer": "a1 [1]",
                                      "citations": [{"n": 1, "text": "Shown under a1."}]}},
        {"question": "bad", "answer": None, "error": "empty"},
        {"question": "q2", "answer": {"answer": "a2"}}]
    assert app.history_of(turns) == [
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "Shown under a1. a1 [1]"},
        {"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]


def test_feedback_log_appends_jsonl(tmp_path: Path) -> None:
    log = FeedbackLog(tmp_path / "sub" / "feedback.jsonl")
    log.append("q?", "a [1]", [citation(1, "x", 0)], "up")
    log.append("q2?", "b", [], "down")
    lines = (tmp_path / "sub" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "question", "answer", "citations", "vote"}
    assert first["vote"] == "up" and second["vote"] == "down"
    assert first["citations"][0]["n"] == 1


@pytest.mark.parametrize(("liked", "vote"), [(True, "up"), (False, "down"), ("Wrong", "Wrong"),
                                             (None, "none")])
def test_vote_name(liked: object, vote: str) -> None:
    assert vote_name(liked) == vote


def test_bundle_and_embed_page() -> None:
    import gradio

    path = bundle_path()
    assert re.fullmatch(r"/assets/index-[\w-]+\.js", path)
    assert (Path(gradio.__file__).parent / "templates" / "frontend" / path.lstrip("/")).is_file()
    assert embed_loader() == f'import "..{path}";\n'
    page = embed_page("http://example.org:8080/")
    assert EMBED_PLACEHOLDER_ORIGIN not in page
    assert 'src="http://example.org:8080/embed/gradio.js"' in page
    assert '<gradio-app id="qantar-component" src="http://example.org:8080"' in page
    assert '<iframe id="qantar-iframe" src="http://example.org:8080/"' in page
    hostile = embed_page('http://x"><script>alert(1)</script>')
    assert "<script>alert(1)" not in hostile and "&quot;&gt;&lt;script&gt;" in hostile


def test_import_is_light() -> None:
    """Importing app must not build an index or load a model."""
    import subprocess
    import sys

    code = ("import sys, app; heavy = [m for m in ('torch', 'sentence_transformers', "
            "'chromadb') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=HERE.parent, capture_output=True,
                         text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


class _FakeDemo:
    def __init__(self) -> None:
        self.kwargs: dict[str, Any] = {}

    def launch(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


@pytest.mark.parametrize("installed", [True, False])
def test_main_mcp_switch(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                         installed: bool) -> None:
    demo = _FakeDemo()
    monkeypatch.setenv("QANTAR_MCP", "1")
    monkeypatch.setenv("QANTAR_PORT", "7999")
    monkeypatch.setattr(app, "create_app", lambda settings: demo)
    monkeypatch.setattr(app, "mcp_available", lambda: installed)
    with caplog.at_level("WARNING", logger="qantar.app"):
        app.main()
    assert demo.kwargs == {"server_name": "127.0.0.1", "server_port": 7999,
                           "mcp_server": installed, "max_file_size": "1mb"}
    assert ("'mcp' package is not installed" in caplog.text) is (not installed)


def test_main_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    demo = _FakeDemo()
    for var in ("QANTAR_MCP", "QANTAR_HOST", "QANTAR_PORT", "GRADIO_SERVER_PORT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(app, "create_app", lambda settings: demo)
    app.main()
    assert demo.kwargs == {"server_name": "127.0.0.1", "server_port": 7860, "mcp_server": False,
                           "max_file_size": "1mb"}


# ---------------------------------------------------------------------------------------------
# The launched app (real bot)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(app_server: AppServer) -> Any:
    from gradio_client import Client

    return Client(app_server.url, verbose=False)


CONVERSATION = [
    ("Who is the president quoted in the article?", "Tokayev"),
    ("When was he elected?", "2019"),
    ("What course did he set after that?", "democratiz"),
]


def assert_grounded(answer: dict[str, Any], server: AppServer) -> None:
    """Answered, or hedged with the closest passage: either way cited with exact quotes."""
    records = server.bot.knowledge.records
    assert answer["status"] in ("answered", "closest"), answer
    assert answer["citations"], answer
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
    assert markers == {c["n"] for c in answer["citations"]}
    for c in answer["citations"]:
        assert c["text"] == records[c["source"]].text[c["start"]:c["end"]]


@pytest.mark.slow
def test_ask_three_turn_conversation(client: Any, app_server: AppServer) -> None:
    history: list[dict[str, str]] = []
    for question, expected in CONVERSATION:
        answer = client.predict(question=question, history=history, api_name="/ask")
        assert expected.lower() in answer["answer"].lower(), (question, answer["answer"])
        assert_grounded(answer, app_server)
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": answer["answer"]}]


def assert_status_consistent(answer: dict[str, Any], server: AppServer) -> None:
    """status ∈ STATUSES, confidence ∈ [0, 1], answered ⇔ found, citations as the status says."""
    assert answer["status"] in STATUSES, answer
    assert isinstance(answer["confidence"], float) and 0.0 <= answer["confidence"] <= 1.0
    assert (answer["status"] == "answered") is answer["found"], answer
    if answer["status"] == "not_found":
        assert answer["citations"] == [] and not re.search(r"\[\d+\]", answer["answer"])
    elif answer["status"] == "closest":
        assert answer["citations"], answer  # a hedge quotes the closest passages
        assert Answer.model_validate(answer).is_consistent()
        records = server.bot.knowledge.records
        for c in answer["citations"]:
            assert c["text"] == records[c["source"]].text[c["start"]:c["end"]]
    else:
        assert_grounded(answer, server)


@pytest.mark.slow
@pytest.mark.parametrize("question", STATUS_QUESTIONS + [c[0] for c in CONVERSATION])
def test_ask_reports_status_and_confidence(client: Any, app_server: AppServer,
                                           question: str) -> None:
    answer = client.predict(question=question, history=[], api_name="/ask")
    assert set(answer) == set(Answer.model_fields)
    assert_status_consistent(answer, app_server)


@pytest.mark.slow
def test_ask_answered_and_off_topic(client: Any) -> None:
    akorda = client.predict(question=STATUS_QUESTIONS[0], history=[], api_name="/ask")
    assert akorda["status"] == "answered" and "two weeks" in akorda["answer"]
    france = client.predict(question="What is the capital of France?", history=[],
                            api_name="/ask")
    assert france["status"] == "not_found" and france["found"] is False
    assert france["citations"] == []


@pytest.mark.slow
@pytest.mark.parametrize("question", [CONVERSATION[0][0], *STATUS_QUESTIONS[1:]])
def test_chat_streams_growing_text(client: Any, question: str) -> None:
    """Whatever the status, /chat streams the very text /ask returns (a hedge's words too)."""
    job = client.submit(question=question, history=[], api_name="/chat")
    chunks = list(job)
    final = client.predict(question=question, history=[], api_name="/ask")["answer"]
    assert len(chunks) > 3
    assert all(b.startswith(a) for a, b in zip(chunks, chunks[1:], strict=False))
    assert chunks[-1] == final == job.outputs()[-1]


@pytest.mark.slow
def test_retrieve_returns_k_exact_passages(client: Any, app_server: AppServer) -> None:
    passages = client.predict(question="damage during the unrest", k=3, api_name="/retrieve")
    assert len(passages) == 3
    records = app_server.bot.knowledge.records
    for p in passages:
        assert {"chunk_id", "source", "title", "text", "start", "end", "score"} <= set(p)
        assert p["text"] == records[p["source"]].text[p["start"]:p["end"]]
    assert any("$3 billion" in p["text"] for p in passages)


@pytest.mark.slow
@pytest.mark.parametrize(("endpoint", "kwargs", "message"), [
    ("/ask", {"question": "   ", "history": []}, "Please type a question"),
    ("/ask", {"question": "why? " * 300, "history": []}, "the limit is 1,000"),
    ("/chat", {"question": "", "history": []}, "Please type a question"),
    ("/retrieve", {"question": "", "k": 3}, "Please type a question"),
    ("/retrieve", {"question": "Tokayev", "k": 0}, "k must be"),
])
def test_errors_reach_the_client(client: Any, endpoint: str, kwargs: dict[str, Any],
                                 message: str) -> None:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=message):
        client.predict(api_name=endpoint, **kwargs)


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Parse a Gradio event stream into (event, data) pairs."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields.get("data", "null"))))
    return events


@pytest.mark.slow
@pytest.mark.parametrize("style", ["data", "v2"])
def test_http_api_like_curl(app_server: AppServer, style: str) -> None:
    """POST /gradio_api/call/<name> then GET the event stream (what the README's curl does)."""
    question = CONVERSATION[0][0]
    body: dict[str, Any]
    if style == "data":
        path, body = "/gradio_api/call/ask", {"data": [question, []]}
    else:
        path, body = "/gradio_api/call/v2/ask", {"question": question, "history": []}
    with httpx.Client(base_url=app_server.url, timeout=60) as http:
        event_id = http.post(path, json=body).raise_for_status().json()["event_id"]
        stream = http.get(f"{path}/{event_id}").raise_for_status().text
        events = sse_events(stream)
        assert events[-1][0] == "complete", stream
        answer = events[-1][1][0]
        assert "Tokayev" in answer["answer"]
        assert_grounded(answer, app_server)

        # streaming endpoint: several "generating" events, then "complete"
        chat_path = path.replace("/ask", "/chat")
        event_id = http.post(chat_path, json=body).raise_for_status().json()["event_id"]
        events = sse_events(http.get(f"{chat_path}/{event_id}").raise_for_status().text)
        kinds = [kind for kind, _ in events if kind != "heartbeat"]
        assert kinds.count("generating") > 3 and kinds[-1] == "complete"
        assert events[-1][1][0] == answer["answer"]

        # a rejected question comes back as an error event carrying the message
        bad = {"data": ["", []]} if style == "data" else {"question": "", "history": []}
        event_id = http.post(path, json=bad).raise_for_status().json()["event_id"]
        events = sse_events(http.get(f"{path}/{event_id}").text)
        assert events[-1][0] == "error"
        assert "Please type a question" in events[-1][1]["error"]


EXTERNAL_ASSET = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""(?!127\.0\.0\.1|localhost)""", re.I)
EXTERNAL_URL_IN_CSS = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])(?:https?:)?//""", re.I)


@pytest.mark.slow
def test_page_references_no_external_assets(app_server: AppServer) -> None:
    with httpx.Client(base_url=app_server.url, timeout=30) as http:
        page = http.get("/").raise_for_status().text
        theme_css = http.get("/theme.css").raise_for_status().text
        config = http.get("/config").raise_for_status().json()
        embed = http.get("/embed").raise_for_status().text
    assert "<gradio-app" in page
    assert not EXTERNAL_ASSET.findall(page), EXTERNAL_ASSET.findall(page)
    assert not EXTERNAL_URL_IN_CSS.findall(theme_css)
    assert "fonts.googleapis" not in page + theme_css + json.dumps(config)
    assert config.get("stylesheets", []) == []
    assert not EXTERNAL_ASSET.findall(embed)
    assert f'src="{app_server.url}/embed/gradio.js"' in embed


@pytest.mark.slow
def test_embed_loader_imports_served_bundle(app_server: AppServer) -> None:
    with httpx.Client(base_url=app_server.url, timeout=30) as http:
        loader = http.get("/embed/gradio.js").raise_for_status()
        assert loader.headers["content-type"].startswith("text/javascript")
        target = re.fullmatch(r'import "\.\.(/assets/index-[\w-]+\.js)";\n', loader.text)
        assert target, loader.text
        bundle = http.get(target.group(1)).raise_for_status()
        assert "gradio-app" in bundle.text


@pytest.mark.slow
def test_api_info_lists_named_endpoints(client: Any) -> None:
    info = client.view_api(print_info=False, return_format="dict")
    named = info["named_endpoints"]
    assert {"/ask", "/chat", "/retrieve"} <= set(named)
    assert [p["parameter_name"] for p in named["/ask"]["parameters"]] == ["question", "history"]
    assert [p["parameter_name"] for p in named["/retrieve"]["parameters"]] == ["question", "k"]
    # UI events are private: only the three documented endpoints are public
    assert set(named) == {"/ask", "/chat", "/retrieve"}
    # /ask's return type is spelled out: clients and MCP see status and confidence
    returns = named["/ask"]["returns"][0]["type"]["properties"]
    assert returns["status"] == {"enum": list(STATUSES)}
    assert returns["confidence"] == {"type": "number"}
    assert set(returns) == set(Answer.model_fields)


def test_the_message_says_who_wrote_the_answer() -> None:
    base = {"answer": "It spiked [1].", "found": True, "status": "answered", "confidence": 0.9,
            "citations": []}
    written = answer_message({**base, "written_by": "llamacpp", "fallback": None}, 0)
    quoted = answer_message({**base, "written_by": "extractive", "fallback": "timeout"}, 0)
    plain = answer_message({**base, "written_by": "extractive", "fallback": None}, 0)
    assert "Written by the llamacpp model" in written and "checked against" in written
    assert "not used because it took too long" in quoted
    assert "qantar-writer" not in plain
    hostile = answer_message({**base, "written_by": "<script>x</script>"}, 0)
    assert "<script>" not in hostile
