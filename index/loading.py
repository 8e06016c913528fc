"""Load source files as text whose offsets the index refers to.

.txt and .md files are used byte-for-byte (decoded as UTF-8); .html is reduced to its
visible text and the offsets then refer to that extracted text, which is stored with the
index so that citations can always be checked against it.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm"}
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


class SourceError(ValueError):
    """A path the user gave cannot be indexed (missing, unsupported)."""


@dataclass(frozen=True)
class RawSource:
    """A loaded document: ``text`` is what every offset of the index points into."""

    source: str
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        """Content hash: unchanged sources are skipped on re-index."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def bundled_article() -> Path:
    """The Astana Times article shipped with the project (the default corpus)."""
    return next(iter(sorted(CORPUS_DIR.glob("*.txt"))))


def source_id(path: Path) -> str:
    """Stable identifier: bare file name for the bundled corpus, absolute path otherwise."""
    resolved = path.resolve()
    if resolved.parent == CORPUS_DIR:
        return resolved.name
    return str(resolved)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files named directly plus supported files inside folders (sorted, de-duplicated)."""
    found: dict[Path, None] = {}
    for path in paths:
        if not path.exists():
            raise SourceError(f"No such file or folder: {path}")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED:
                    found[child.resolve()] = None
        elif path.suffix.lower() in SUPPORTED:
            found[path.resolve()] = None
        else:
            raise SourceError(
                f"Unsupported file type {path.suffix or '(none)'} for {path}; "
                f"use one of {', '.join(sorted(SUPPORTED))}."
            )
    return list(found)


_BLOCKS = ("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
           "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
           "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td",
           "th", "tr", "ul")


def html_to_text(html: str) -> str:
    """Visible text of an HTML page, one block element per line; inline elements (links,
    emphasis) stay inside their sentence ("posted at <a>the office</a>." reads whole)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    # Page furniture: menus, sidebars, the site footer and its forms are not the story
    # (a quote of "Home | News | Contact" or "Copyright 2024 …" answers nothing).
    for tag in soup(["script", "style", "noscript", "template", "head", "nav", "aside",
                     "footer", "form", "button", "svg", "iframe"]):
        tag.decompose()
    for tag in soup.find_all(_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = [" ".join(line.split()) for line in soup.get_text().splitlines()]
    body = "\n\n".join(line for line in lines if line)
    return f"{title}\n\n{body}" if title and not body.startswith(title) else body


def read_source(path: Path) -> RawSource | None:
    """Decode one file; binary or non-UTF-8 files are skipped with a warning naming them."""
    data = path.read_bytes()
    if b"\x00" in data:
        log.warning("Skipping %s: it looks like a binary file.", path)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.warning("Skipping %s: not valid UTF-8 (%s).", path, exc.reason)
        return None
    if path.suffix.lower() in {".html", ".htm"}:
        text = html_to_text(text)
    if not text.strip():
        log.warning("Skipping %s: it holds no text.", path)
        return None
    return RawSource(source=source_id(path), path=path, text=text)


def load_sources(paths: Iterable[Path]) -> Iterator[RawSource]:
    """Every readable source under ``paths``; unreadable ones are logged and skipped."""
    for path in expand(paths):
        loaded = read_source(path)
        if loaded is not None:
            yield loaded
