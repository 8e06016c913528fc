"""Indexing: idempotent sync, bad sources, HTML offsets, corrupted and half-written indexes."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings
from index.embedding import index_fingerprint, make_embeddings
from index.loading import SourceError, bundled_article, load_sources
from index.pipeline import SyncReport, ensure_index, requested_paths, sync
from index.store import IndexStore, open_client


def make_store(settings: Settings) -> IndexStore:
    embeddings = make_embeddings(settings)
    return IndexStore(open_client(settings), settings.collection, embeddings,
                      index_fingerprint(embeddings, settings))


def index_paths(settings: Settings, paths: list[Path]) -> SyncReport:
    return sync(make_store(settings), load_sources(requested_paths(settings, paths)), settings)


def test_reindex_is_idempotent_and_tracks_changes(fake_settings: Settings, tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Alpha is first. It has two sentences.", encoding="utf-8")
    (docs / "b.md").write_text("# Beta\n\nBeta is second.", encoding="utf-8")
    first = index_paths(fake_settings, [docs])
    assert len(first.added) == 3 and first.passages > 0
    again = index_paths(fake_settings, [docs])
    assert len(again.unchanged) == 3 and again.passages == 0 and not again.added
    (docs / "a.txt").write_text("Alpha changed. Completely.", encoding="utf-8")
    (docs / "b.md").unlink()
    third = index_paths(fake_settings, [docs])
    assert [Path(s).name for s in third.updated] == ["a.txt"]
    assert [Path(s).name for s in third.removed] == ["b.md"]
    store = make_store(fake_settings)
    assert store.check() == []
    texts = store.passages()[1]
    assert any("Alpha changed." in t for t in texts)
    assert not any("Beta" in t for t in texts)


def test_binary_and_non_utf8_files_are_skipped_with_a_warning(
    fake_settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("Good text is here.", encoding="utf-8")
    (docs / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (docs / "latin.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    with caplog.at_level(logging.WARNING):
        report = index_paths(fake_settings, [docs])
    assert {Path(s).name for s in report.added} == {"good.txt", bundled_article().name}
    assert "binary.txt" in caplog.text and "latin.txt" in caplog.text


def test_missing_path_and_unsupported_type_are_clear_errors(
    fake_settings: Settings, tmp_path: Path
) -> None:
    with pytest.raises(SourceError, match="No such file"):
        index_paths(fake_settings, [tmp_path / "nope.txt"])
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(SourceError, match="Unsupported file type"):
        index_paths(fake_settings, [tmp_path / "x.pdf"])


def test_html_offsets_refer_to_extracted_text(fake_settings: Settings, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Page</title><script>var x=1;</script></head>"
        "<body><h1>Heading</h1><p>First paragraph &amp; more.</p><p>Second one.</p></body></html>",
        encoding="utf-8",
    )
    fake_settings.include_article = False
    index_paths(fake_settings, [page])
    store = make_store(fake_settings)
    record = next(iter(store.records().values()))
    assert "var x" not in record.text and "First paragraph & more." in record.text
    for text, meta in zip(*store.passages()[1:], strict=True):
        assert record.text[int(meta["start"]):int(meta["end"])] == text


def test_half_written_index_is_repaired(fake_settings: Settings) -> None:
    store = make_store(fake_settings)
    ensure_index(store, fake_settings)
    ids = store.passages()[0]
    store.chunks.delete(ids=ids[:3])  # a crash in the middle of writing
    assert store.check()
    ensure_index(make_store(fake_settings), fake_settings)
    assert make_store(fake_settings).check() == []
    assert len(make_store(fake_settings).passages()[0]) == len(ids)


def test_corrupted_index_folder_is_rebuilt(fake_settings: Settings) -> None:
    store = make_store(fake_settings)
    ensure_index(store, fake_settings)
    n = len(store.passages()[0])
    del store
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    db = fake_settings.chroma_dir / "chroma.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    rebuilt = make_store(fake_settings)
    ensure_index(rebuilt, fake_settings)
    assert len(rebuilt.passages()[0]) == n
    assert list(fake_settings.data_dir.glob("chroma.corrupt-*"))


def test_first_use_builds_the_default_index(fake_settings: Settings) -> None:
    store = make_store(fake_settings)
    assert not store.records()
    ensure_index(store, fake_settings)
    [record] = store.records().values()
    assert record.source == bundled_article().name
    assert record.meta["publisher"] == "The Astana Times"


def test_reads_are_paged_past_chromas_unbounded_get_limit(fake_settings: Settings) -> None:
    """Chroma fails an unbounded get() past 32,766 rows; the store reads in pages."""
    from index.store import read_all

    store = make_store(fake_settings)
    ensure_index(store, fake_settings)
    whole = store.chunks.get(include=["documents"])
    paged = read_all(store.chunks, ["documents"], page=2)
    assert paged["ids"] == whole["ids"] and paged["documents"] == whole["documents"]
    assert len(paged["ids"]) > 2


def test_html_inline_elements_stay_in_their_sentence() -> None:
    from index.loading import html_to_text

    text = html_to_text("<html><head><title>Port news</title></head><body><h1>Harbour</h1>"
                        "<p>Notices are posted at <a href='x'>the harbour office</a>. "
                        "<b>Cranes</b> arrived.</p><ul><li>one</li><li>two</li></ul></body>"
                        "</html>")
    assert text == ("Port news\n\nHarbour\n\nNotices are posted at the harbour office. "
                    "Cranes arrived.\n\none\n\ntwo")


def test_html_page_furniture_is_not_indexed() -> None:
    from index.loading import html_to_text

    text = html_to_text("<html><body><nav>Home | News</nav><p>The garden opened.</p>"
                        "<aside>Related: <a href='x'>Parks</a></aside><form><button>Subscribe"
                        "</button></form><footer>Copyright 2024 Gazette</footer></body></html>")
    assert text == "The garden opened."
