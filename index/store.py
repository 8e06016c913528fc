"""Chroma storage: passages (with vectors) plus a manifest of indexed sources.

The manifest collection keeps, per source, its content hash, metadata, the exact text the
offsets refer to and how many passages it produced. It is written *after* the passages, so
a crash half-way leaves a source without manifest entry (or with a wrong count), which
``IndexStore.check`` detects and ``repair`` fixes. Everything lives in Chroma, so app
replicas stay stateless when a Chroma server is used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from index.chunking import Passage

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection
    from langchain_core.embeddings import Embeddings

    from bot.settings import Settings

log = logging.getLogger(__name__)
COSINE = {"hnsw:space": "cosine"}


class IndexUnavailable(RuntimeError):
    """The vector store cannot be reached or opened; the message says what to do."""


@dataclass
class SourceRecord:
    """Manifest entry of one indexed source."""

    source: str
    sha256: str
    title: str
    text: str
    n_chunks: int
    embedder: str
    meta: dict[str, Any]


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=True)


def open_client(settings: Settings) -> ClientAPI:
    """HTTP client when a server is configured, else an embedded PersistentClient.

    A persistent folder that Chroma cannot open (corrupted, half-written) is moved aside
    and a fresh one is created: the index is derived data and is rebuilt on first use.
    """
    import chromadb

    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port or 8000,
                settings=_chroma_settings(),
            )
            client.heartbeat()
            return client
        except Exception as exc:
            raise IndexUnavailable(
                f"Cannot reach the Chroma server at {settings.chroma_host}:"
                f"{settings.chroma_port or 8000} ({exc}). Start it with `chroma run --path DIR "
                "--port PORT` or unset QANTAR_CHROMA_HOST to use the embedded store."
            ) from exc
    path = settings.chroma_dir
    path.mkdir(parents=True, exist_ok=True)
    try:
        client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        for collection in client.list_collections():
            client.get_collection(collection.name, embedding_function=None).count()
        return client
    except Exception as exc:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        log.warning("Index at %s cannot be opened (%s); moving it to %s and rebuilding.",
                    path, exc, aside)
        _release(path)
        shutil.move(str(path), str(aside))
        path.mkdir(parents=True)
        return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def _release(path: Any) -> None:
    """Drop Chroma's cached system for ``path`` so the folder can be replaced."""
    reset_client_cache()


def reset_client_cache() -> None:
    """Forget Chroma's cached embedded systems, so the next client reopens the folder."""
    try:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    except Exception:  # pragma: no cover - best effort across chromadb versions
        pass


def read_all(collection: Collection, include: list[str], page: int = 5000) -> dict[str, list]:
    """Every row of a collection, read in pages: Chroma's SQLite backend fails an unbounded
    ``get()`` past 32,766 rows ("too many SQL variables")."""
    out: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    offset = 0
    while True:
        part = collection.get(limit=page, offset=offset, include=include)  # type: ignore[arg-type]
        for key in out:
            out[key].extend(part.get(key) or [])  # type: ignore[arg-type]
        if len(part["ids"]) < page:
            return out
        offset += page


def _source_key(source: str) -> str:
    return "src-" + hashlib.sha1(source.encode()).hexdigest()[:20]


class IndexStore:
    """Passages and manifest of one collection, behind Chroma's client API."""

    def __init__(self, client: ClientAPI, name: str, embeddings: Embeddings, embedder: str):
        self.client = client
        self.name = name
        self.embeddings = embeddings
        self.embedder = embedder
        self.chunks: Collection = client.get_or_create_collection(
            name, metadata=COSINE, embedding_function=None
        )
        self.manifest: Collection = client.get_or_create_collection(
            f"{name}__sources", embedding_function=None
        )

    # --- reading ---------------------------------------------------------------------------
    def vectorstore(self) -> Any:
        """LangChain ``VectorStore`` view of the passages (cosine distance)."""
        from langchain_chroma import Chroma

        return Chroma(
            client=self.client,
            collection_name=self.name,
            embedding_function=self.embeddings,
            collection_metadata=COSINE,
        )

    def records(self) -> dict[str, SourceRecord]:
        """Manifest entries by source id."""
        got = read_all(self.manifest, ["documents", "metadatas"])
        out = {}
        for text, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True):
            meta = dict(meta)
            source = str(meta.pop("source"))
            out[source] = SourceRecord(
                source=source,
                sha256=str(meta.pop("sha256")),
                title=str(meta.pop("title")),
                text=text,
                n_chunks=int(meta.pop("n_chunks")),
                embedder=str(meta.pop("embedder")),
                meta=meta,
            )
        return out

    def version(self) -> str:
        """A short fingerprint of the manifest (sources, hashes, passage counts): it changes
        whenever an indexing run added, changed or removed a source."""
        got = read_all(self.manifest, ["metadatas"])
        entries = sorted((str(m["source"]), str(m["sha256"]), int(m["n_chunks"]))
                         for m in got["metadatas"] or [])
        return hashlib.sha1(repr(entries).encode()).hexdigest()[:16]

    def passages(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        """All passage ids, texts and metadata (for the lexical index)."""
        got = read_all(self.chunks, ["documents", "metadatas"])
        return list(got["ids"]), list(got["documents"] or []), [
            dict(m) for m in got["metadatas"] or []
        ]

    def chunk_counts(self) -> dict[str, int]:
        """Number of stored passages per source."""
        counts: dict[str, int] = {}
        for meta in read_all(self.chunks, ["metadatas"])["metadatas"]:
            src = str(meta["source"])
            counts[src] = counts.get(src, 0) + 1
        return counts

    def check(self) -> list[str]:
        """Sources whose passages disagree with the manifest (half-written, stale model)."""
        records = self.records()
        counts = self.chunk_counts()
        bad = [s for s, r in records.items()
               if counts.get(s, 0) != r.n_chunks or r.embedder != self.embedder]
        bad += [s for s in counts if s not in records]
        return sorted(set(bad))

    # --- writing ---------------------------------------------------------------------------
    def remove(self, source: str) -> None:
        """Delete a source's passages and manifest entry."""
        self.chunks.delete(where={"source": source})
        self.manifest.delete(ids=[_source_key(source)])

    def write(self, record: SourceRecord, passages: list[Passage]) -> None:
        """Replace a source: passages first, manifest entry last (the commit marker)."""
        self.remove(record.source)
        batch = max(1, min(self.client.get_max_batch_size(), 512))
        for i in range(0, len(passages), batch):
            part = passages[i:i + batch]
            vectors = self.embeddings.embed_documents([p.text for p in part])
            self.chunks.add(
                ids=[p.chunk_id for p in part],
                documents=[p.text for p in part],
                embeddings=vectors,  # type: ignore[arg-type]
                metadatas=[_chunk_meta(record, p, i + j) for j, p in enumerate(part)],
            )
        meta = {
            "source": record.source, "sha256": record.sha256, "title": record.title,
            "n_chunks": len(passages), "embedder": self.embedder, **record.meta,
        }
        self.manifest.upsert(
            ids=[_source_key(record.source)],
            documents=[record.text],
            embeddings=[[1.0]],  # type: ignore[arg-type]
            metadatas=[meta],
        )


def _chunk_meta(record: SourceRecord, passage: Passage, position: int) -> dict[str, Any]:
    return {
        "source": record.source,
        "title": record.title,
        "start": passage.start,
        "end": passage.end,
        "position": position,
        "sentences": json.dumps(passage.sentences),
    }
