"""Embedding: the /embed page and a stable URL for Gradio's web-component bundle.

:class:`QantarApp` is the ``gr.Blocks`` whose ``launch()`` mounts these routes (before
Gradio's own) and applies the page options (theme, CSS).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from ui.render import esc

REPO = Path(__file__).resolve().parents[1]
EMBED_PAGE = REPO / "docs" / "embed.html"
#: Origin written in docs/embed.html; the /embed route swaps in the serving app's origin.
EMBED_PLACEHOLDER_ORIGIN = "http://127.0.0.1:7860"
#: Stable URL of the web-component loader (imports Gradio's hashed /assets/index-*.js).
EMBED_SCRIPT_PATH = "/embed/gradio.js"


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
