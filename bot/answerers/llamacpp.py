"""The ``llamacpp`` backend: a GGUF model run in-process by llama-cpp-python.

:class:`LlamaCppChat` is a thin LangChain ``BaseChatModel`` over ``llama_cpp.Llama``
(langchain-community's ChatLlamaCpp does the same but brings about fifteen more
dependencies). Output is constrained by a GBNF grammar: plain sentences that end with
``[n]`` markers — no newlines, no brackets inside the text, so no markdown links or images.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from bot.answerers.errors import AnswererUnavailable
from bot.settings import Settings

# One or two sentences, each "words [n]." — the model cannot write markup or a third sentence.
ANSWER_GRAMMAR = r"""
root ::= sentence (" " sentence)?
sentence ::= word (" " word){0,59} " " cite "."
word ::= [^ \[\]\n\r\t<>]{1,40}
cite ::= "[" [1-9] "]" ("[" [1-9] "]")?
"""
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


def chat_messages(messages: list[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp chat-completion messages."""
    return [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]


class LlamaCppChat(BaseChatModel):
    """A chat model over an in-process ``llama_cpp.Llama`` (one generation at a time)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llama: Any
    """The loaded ``llama_cpp.Llama``."""
    max_tokens: int = 96
    temperature: float = 0.0
    grammar: str | None = ANSWER_GRAMMAR
    judge_ctx: int = 1024
    """Context of the judge's own llama.cpp context (a passage and a question fit)."""
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _reader: Any = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "llamacpp"

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"max_tokens": kwargs.get("max_tokens", self.max_tokens),
                                  "temperature": self.temperature, "stop": stop or []}
        if self.grammar:
            from llama_cpp import LlamaGrammar

            params["grammar"] = LlamaGrammar.from_string(self.grammar, verbose=False)
        return params

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                  ) -> ChatResult:
        with self._lock:
            out = self.llama.create_chat_completion(chat_messages(messages),
                                                    **self._params(stop, kwargs))
        text = out["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None, **kwargs: Any
                ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            for part in self.llama.create_chat_completion(
                    chat_messages(messages), stream=True, **self._params(stop, kwargs)):
                piece = part["choices"][0]["delta"].get("content") or ""
                if piece:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
                    if run_manager:
                        run_manager.on_llm_new_token(piece, chunk=chunk)
                    yield chunk


    def next_token_logprobs(self, messages: list[BaseMessage], top: int = 20
                            ) -> dict[str, float]:
        """Log-probabilities of the ``top`` likeliest first tokens of the reply (what the
        judge reads). Only the prompt is evaluated, reusing the cached prefix as
        generation does, so it costs one prompt pass and no sampling."""
        import numpy as np
        from llama_cpp import Llama

        with self._lock:
            llama = self._judge_llama()
            prompt = self._prompt_tokens(llama, messages)
            keep = min(Llama.longest_token_prefix(llama._input_ids.tolist(), prompt),
                       len(prompt) - 1)
            llama.n_tokens = keep
            llama.eval(prompt[keep:])
            logits = np.ctypeslib.as_array(llama._ctx.get_logits(),
                                           shape=(llama.n_vocab(),)).astype(np.float64)
            shifted = logits - logits.max()
            logp = shifted - np.log(np.exp(shifted).sum())
            best = np.argsort(-logp)[:top]
            out: dict[str, float] = {}
            for i in best:
                token = llama.detokenize([int(i)]).decode("utf-8", "ignore")
                out[token] = float(np.logaddexp(out.get(token, -np.inf), logp[i]))
        return out

    def _judge_llama(self) -> Any:
        """A second ``Llama`` on the same file for judging, loaded on first use. Each keeps
        its own prompt prefix cached: sharing one context, every judgement would evict the
        answer prompt's long system prefix and the next answer would re-read it (answer p50
        2.7 s -> 6.2 s measured). The weights are memory-mapped, so they are not loaded
        twice; the second context adds its KV cache and buffers."""
        if self._reader is None:
            from llama_cpp import Llama

            with without_extra_bufts():
                self._reader = Llama(model_path=self.llama.model_path, n_ctx=self.judge_ctx,
                                     n_threads=self.llama.n_threads, verbose=False)
        return self._reader

    @staticmethod
    def _prompt_tokens(llama: Any, messages: list[BaseMessage]) -> list[int]:
        """The prompt as the model's own chat template renders it (as generation does)."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise RuntimeError("the model file has no chat template")
        eos, bos = llama.token_eos(), llama.token_bos()
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "")
        result = formatter(messages=chat_messages(messages))  # type: ignore[arg-type]
        return list(llama.tokenize(result.prompt.encode("utf-8"),
                                   add_bos=not result.added_special, special=True))


_LOAD_LOCK = threading.Lock()


@contextmanager
def without_extra_bufts() -> Iterator[None]:
    """Make ``Llama`` load models with ``use_extra_bufts = False``.

    A native build of llama.cpp segfaults on the first decode on CPUs with AMX (in
    ``ggml_backend_amx_mul_mat``); not using the extra buffer types avoids it and also
    cuts resident memory after load from about 2.0 to 1.3 GB. ``Llama()`` has no argument
    for it, so its call to ``llama_model_default_params`` is wrapped while it loads.
    """
    from llama_cpp import llama_cpp as lib

    original = lib.llama_model_default_params

    def defaults() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    with _LOAD_LOCK:
        lib.llama_model_default_params = defaults
        try:
            yield
        finally:
            lib.llama_model_default_params = original


def load_llama(path: Path, settings: Settings) -> Any:
    """Load a GGUF with llama-cpp-python, safely on CPUs with AMX."""
    try:
        import llama_cpp
    except ImportError as exc:
        raise AnswererUnavailable(
            "QANTAR_ANSWERER=llamacpp needs llama-cpp-python. Install the LLM extra: "
            "pip install -e '.[llm]' (it builds llama.cpp from source, about 7 min on 2 cores)."
        ) from exc
    try:
        with without_extra_bufts():
            return llama_cpp.Llama(
                model_path=str(path), n_ctx=settings.llm_ctx, verbose=False,
                n_threads=settings.llm_threads or os.cpu_count() or 2,
            )
    except (ValueError, RuntimeError) as exc:
        raise AnswererUnavailable(
            f"llama.cpp could not load the model {path}: {exc}. Point QANTAR_LLM_PATH at a "
            "valid GGUF file, or unset it to use the packaged model."
        ) from exc


def make_llamacpp_chat(settings: Settings) -> LlamaCppChat:
    """The chat model for ``QANTAR_ANSWERER=llamacpp`` (packaged model unless LLM_PATH)."""
    from bot.answerers.packaged import packaged_model_path

    path = settings.llm_path or packaged_model_path(settings.data_dir / "models")
    if not path.is_file():
        raise AnswererUnavailable(f"No model file at QANTAR_LLM_PATH={path}.")
    return LlamaCppChat(llama=load_llama(path, settings), max_tokens=settings.llm_max_tokens)
