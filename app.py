"""Qantar Q&A web app: a Gradio 6 chat with clickable citations, an article panel and an API.

Run ``python app.py`` (host/port from :class:`bot.settings.Settings`, i.e. ``QANTAR_HOST`` /
``QANTAR_PORT`` / ``GRADIO_SERVER_PORT``; ``QANTAR_MCP=1`` also serves the tools over MCP).
Everything the page needs is served by the app itself: no CDN, no web font, no analytics.

This file is the wiring: the named API, the chat handlers and the layout. The HTML, page
assets, feedback log and /embed routes live in the ``ui`` package.

Named API endpoints (see ``/?view=api`` on a running app):

* ``/ask(question, history) -> dict`` — one answer with citations, ``status`` (answered /
  closest / not_found) and ``confidence`` (``Answer.model_dump()``, typed as
  :class:`ui.render.AnswerDict`);
* ``/chat(question, history)`` — the answer text, streamed as it grows (text only: a hedge says
  so in its words; the status and confidence are on ``/ask``);
* ``/retrieve(question, k) -> list[dict]`` — the passages retrieval finds, with scores.
"""

from __future__ import annotations

import os

# Before gradio is imported: the model ships with the package, the page must work offline.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import importlib.util  # noqa: E402
import inspect  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from typing import Any, cast  # noqa: E402

import gradio as gr  # noqa: E402

from bot.contract import remembered  # noqa: E402
from bot.service import QantarBot, QuestionError  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.store import IndexUnavailable  # noqa: E402
from ui.embed import QantarApp  # noqa: E402
from ui.feedback import FeedbackLog, vote_name  # noqa: E402
from ui.render import (  # noqa: E402
    AnswerDict,
    Turn,
    answer_message,
    article_html,
    esc,
    partial_message,
    user_markdown,
)
from ui.theme import PANEL_JS, page_options  # noqa: E402

log = logging.getLogger("qantar.app")
#: The app takes no files; Gradio's upload route still exists, so bound what it accepts.
MAX_UPLOAD = "1mb"

TITLE = "Qantar Q&A"
EXAMPLES = [
    "Who is the president quoted in the article?",
    "What happened in January 2022?",
    "How much damage did the unrest cause?",
    "What course was set after the 2019 election?",
    "Who was behind the conspiracy?",
]
#: What the "Tell me more" button sends: the bot reads on after the last answer's passage.
MORE = "Tell me more"
#: Pause between streamed words in the chat UI, so the answer visibly grows.
STREAM_DELAY = 0.02


# --------------------------------------------------------------------------------------------
# The app
# --------------------------------------------------------------------------------------------


def history_of(turns: Sequence[Turn]) -> list[dict[str, str]]:
    """Conversation so far as the bot expects it (answers with the passages shown under
    them, failed turns left out)."""
    history: list[dict[str, str]] = []
    for turn in turns:
        if turn.get("answer"):
            history.append({"role": "user", "content": turn["question"]})
            answer = turn["answer"]
            quotes = [str(c["text"]) for c in answer.get("citations", [])]
            history.append({"role": "assistant",
                            "content": remembered(answer["answer"], quotes)})
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
    feedback = FeedbackLog(settings.feedback_file, max_bytes=settings.feedback_max_bytes)

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
        except (QuestionError, IndexUnavailable) as exc:
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
        except (QuestionError, IndexUnavailable) as exc:
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
        except (QuestionError, IndexUnavailable) as exc:
            raise gr.Error(str(exc)) from exc

    # ---- UI handlers ---------------------------------------------------------------------

    def respond(message: str, chat_value: list[dict[str, Any]], turns: list[Turn]
                ) -> Iterator[tuple[Any, ...]]:
        question = message or ""
        turn_no = len(turns)
        chat_value = [*chat_value, {"role": "user", "content": user_markdown(question)}]
        yield "", chat_value, gr.skip(), gr.skip()
        answer: dict[str, Any] | None = None
        try:
            for item in bot.events(question, history_of(turns), replay=False):
                if not isinstance(item, str):
                    answer = item.model_dump()
                    break
                # an LLM writing: the decision already said "answered"
                partial = partial_message({"status": "answered"}, item, turn_no)
                yield ("", [*chat_value, {"role": "assistant", "content": partial}],
                       gr.skip(), gr.skip())
        except (QuestionError, IndexUnavailable) as exc:
            turns = [*turns, {"question": question, "answer": None, "error": str(exc)}]
            chat_value.append({"role": "assistant", "content": "⚠️ " + esc(exc)})
            yield "", chat_value, turns, gr.skip()
            return
        assert answer is not None, "events() always ends with the answer"
        if answer["written_by"] == "extractive":  # quoted at once: let it visibly grow
            words = answer["answer"].split(" ")
            for i in range(1, len(words)):
                partial = partial_message(answer, " ".join(words[:i]), turn_no, question)
                yield ("", [*chat_value, {"role": "assistant", "content": partial}],
                       gr.skip(), gr.skip())
                time.sleep(STREAM_DELAY)
        turns = [*turns, {"question": question, "answer": answer, "error": None}]
        chat_value.append({"role": "assistant",
                           "content": answer_message(answer, turn_no, question)})
        yield "", chat_value, turns, article_html(bot.knowledge.records, turns)

    def tell_more(chat_value: list[dict[str, Any]], turns: list[Turn]
                  ) -> Iterator[tuple[Any, ...]]:
        # a typed question stays in the box: the button only reads on
        for update in respond(MORE, chat_value, turns):
            yield (gr.skip(), *update[1:])

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
                    more = gr.Button(MORE, variant="secondary", elem_id="qantar-more",
                                     size="sm")
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
        more.click(tell_more, [chatbot, turns_state], outputs, api_visibility="private",
                   show_progress="minimal")
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


def login_pairs(settings: Settings) -> list[tuple[str, str]] | None:
    """``settings.auth`` ("alice:secret,bob:pw2") as ``launch(auth=...)`` pairs; None when
    unset. A password is everything after the first ":" (it may hold ":", not ","). A
    malformed entry raises ValueError naming its position, never its text."""
    text = settings.auth.get_secret_value().strip() if settings.auth else ""
    if not text:
        return None
    pairs = []
    for i, entry in enumerate(text.split(","), 1):
        user, sep, password = entry.strip().partition(":")
        if not sep or not user.strip() or not password:
            raise ValueError(f'QANTAR_AUTH entry {i} is not "user:password" with both parts '
                             'non-empty; write it as "alice:secret,bob:pw2".')
        pairs.append((user.strip(), password))
    return pairs


def main() -> None:
    """Serve the app on settings.host:settings.port (127.0.0.1:7860 by default), behind
    Gradio's login when ``QANTAR_AUTH`` is set (see docs/security.md)."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        auth = login_pairs(settings)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    mcp = settings.mcp
    if mcp and not mcp_available():
        log.warning("QANTAR_MCP=1 but the 'mcp' package is not installed; serving without "
                    "MCP. Install it with: pip install 'mcp>=1.21,<2'")
        mcp = False
    if mcp and auth:
        log.warning("QANTAR_MCP=1 is ignored because QANTAR_AUTH is set: Gradio's MCP "
                    "endpoint does not check the login.")
        mcp = False
    demo = create_app(settings)
    options: dict[str, Any] = {}
    if auth:
        options["auth"] = auth
        log.info("Login required (%d user(s)); serve it over HTTPS (a reverse proxy) beyond "
                 "this machine.", len(auth))
    demo.launch(server_name=settings.host, server_port=settings.port, mcp_server=mcp,
                max_file_size=MAX_UPLOAD, **options)


if __name__ == "__main__":
    main()
