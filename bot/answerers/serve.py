"""``python -m bot serve-llm``: an OpenAI-compatible server for the packaged model.

The scale-out shape is stateless app replicas + a Chroma server + an LLM server; this is
the LLM server on a laptop (llama-cpp-python's server). It loads models with the AMX
work-around of :func:`bot.answerers.llamacpp.without_extra_bufts` — the stock
``python -m llama_cpp.server`` segfaults on the first request on CPUs with AMX.
Point the app at it with ``QANTAR_ANSWERER=openai`` (the defaults match).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Flags of the serve-llm command."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--model", type=Path,
                   help="GGUF file (default: QANTAR_LLM_PATH, else the packaged model)")


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from bot.answerers.errors import AnswererUnavailable
    from bot.answerers.llamacpp import without_extra_bufts
    from bot.answerers.packaged import packaged_model_path
    from bot.settings import Settings

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    path = args.model or settings.llm_path or packaged_model_path(settings.data_dir / "models")
    try:
        import uvicorn
        from llama_cpp.server.app import create_app
        from llama_cpp.server.settings import ModelSettings, ServerSettings
    except ImportError as exc:
        raise AnswererUnavailable(
            "serve-llm needs llama-cpp-python's server. Install the LLM extra: "
            "pip install -e '.[llm]'") from exc
    model: Any = ModelSettings(
        model=str(path), model_alias=settings.llm_model, n_ctx=settings.llm_ctx,
        n_threads=settings.llm_threads or os.cpu_count() or 2, verbose=False)
    server = ServerSettings(host=args.host, port=args.port)
    with without_extra_bufts():  # for the server's whole life: models may be reloaded
        app = create_app(server_settings=server, model_settings=[model])
        print(f"Serving {path.name} as {settings.llm_model!r} at "
              f"http://{args.host}:{args.port}/v1", flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
