"""Idempotent indexing: unchanged sources skipped, changed replaced, removed ones deleted."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.chunking import Passage, chunk_text
from index.cleaning import DocMeta, analyse
from index.loading import RawSource, bundled_article, load_sources
from index.store import IndexStore, SourceRecord

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)
PROGRESS_MIN_FILES = 5


@dataclass
class SyncReport:
    """What an indexing run did, per source id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    passages: int = 0

    def summary(self) -> str:
        """One line for the CLI."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, "
                f"{len(self.unchanged)} unchanged, {len(self.removed)} removed; "
                f"{self.passages} passages written")


def requested_paths(settings: Settings, extra: Iterable[Path] = ()) -> list[Path]:
    """The bundled article (unless disabled) plus configured and given paths."""
    paths = [bundled_article()] if settings.include_article else []
    return paths + list(settings.sources) + list(extra)


def _meta_fields(meta: DocMeta) -> dict[str, Any]:
    """Flat, None-free metadata for Chroma."""
    out: dict[str, Any] = {}
    for name in ("dateline", "publisher"):
        value, span = getattr(meta, name), getattr(meta, f"{name}_span")
        if value and span:
            out.update({name: value, f"{name}_start": span.start, f"{name}_end": span.end})
    return out


def prepare(source: str, text: str, sha256: str, settings: Settings, embedder: str
            ) -> tuple[SourceRecord, list[Passage]]:
    """Clean and chunk one document into its manifest record and passages."""
    meta = analyse(text)
    passages = chunk_text(
        text, source, excluded=meta.excluded,
        max_chars=settings.chunk_max_chars, target_chars=settings.chunk_target_chars,
    )
    record = SourceRecord(
        source=source, sha256=sha256, title=meta.title or Path(source).name, text=text,
        n_chunks=len(passages), embedder=embedder, meta=_meta_fields(meta),
    )
    return record, passages


def sync(store: IndexStore, raws: Iterable[RawSource], settings: Settings) -> SyncReport:
    """Make the index hold exactly ``raws`` (by content hash)."""
    raws = list(raws)
    records = store.records()
    broken = set(store.check())
    report = SyncReport()
    items: Iterable[RawSource] = raws
    if len(raws) > PROGRESS_MIN_FILES:
        from tqdm import tqdm

        items = tqdm(raws, desc="Indexing", unit="file")
    for raw in items:
        old = records.get(raw.source)
        if old and old.sha256 == raw.sha256 and raw.source not in broken:
            report.unchanged.append(raw.source)
            continue
        record, passages = prepare(raw.source, raw.text, raw.sha256, settings, store.embedder)
        store.write(record, passages)
        report.passages += len(passages)
        (report.updated if old else report.added).append(raw.source)
    wanted = {r.source for r in raws}
    for source in set(records) | set(store.chunk_counts()):
        if source not in wanted:
            store.remove(source)
            report.removed.append(source)
    return report


def repair(store: IndexStore, settings: Settings) -> list[str]:
    """Rebuild inconsistent sources from the text kept in the manifest; drop orphans."""
    records = store.records()
    fixed = []
    for source in store.check():
        record = records.get(source)
        if record is None:
            store.remove(source)
        else:
            rec, passages = prepare(source, record.text, record.sha256, settings, store.embedder)
            store.write(rec, passages)
        fixed.append(source)
    if fixed:
        log.warning("Repaired index entries: %s", ", ".join(fixed))
    return fixed


def ensure_index(store: IndexStore, settings: Settings) -> None:
    """Build the default index on first use; repair a half-written one."""
    repair(store, settings)
    if not store.records():
        log.info("No index yet: building it.")
        sync(store, load_sources(requested_paths(settings)), settings)
