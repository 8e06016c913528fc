"""The LangChain tutorial RAG pipeline, as the baseline ``bot eval`` compares against.

``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`` over the same source
texts, the same MiniLM embeddings, an in-memory Chroma collection and a plain dense top-4
retriever. It has no answer step: what it "cites" is the retrieved chunks themselves, so the
comparison is about retrieval precision and how much text a reader must check.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4


class UncachedQueries(Embeddings):
    """Route queries through ``embed_documents`` so a query cache cannot flatter latency."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Delegate to the wrapped model."""
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        """Embed one query without touching any cache."""
        return self.inner.embed_documents([text])[0]


@dataclass
class Chunk:
    """A retrieved tutorial chunk with its offsets into the source text."""

    source: str
    start: int
    text: str

    @property
    def end(self) -> int:
        """End offset (exclusive)."""
        return self.start + len(self.text)


class TutorialBaseline:
    """Splitter 1000/200 + dense top-k over an ephemeral Chroma collection."""

    def __init__(self, sources: dict[str, str], embeddings: Embeddings, k: int = TOP_K) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
        )
        docs = splitter.create_documents(
            list(sources.values()), metadatas=[{"source": s} for s in sources]
        )
        self.k = k
        self.n_chunks = len(docs)
        self.mean_chunk_chars = sum(len(d.page_content) for d in docs) / max(1, len(docs))
        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        started = time.perf_counter()
        self.store = Chroma.from_documents(
            docs, UncachedQueries(embeddings), client=client,
            collection_name=f"baseline-{uuid.uuid4().hex[:8]}",
        )
        self.index_s = time.perf_counter() - started

    def retrieve(self, question: str, k: int | None = None) -> list[Chunk]:
        """The tutorial retriever: dense similarity top-k (no fusion, no gate)."""
        docs = self.store.similarity_search(question, k=k or self.k)
        return [Chunk(str(d.metadata["source"]), int(d.metadata["start_index"]), d.page_content)
                for d in docs]

    def timed_retrieve(self, question: str, k: int | None = None
                       ) -> tuple[list[Chunk], float]:
        """``retrieve`` plus its wall time in milliseconds."""
        started = time.perf_counter()
        chunks = self.retrieve(question, k)
        return chunks, (time.perf_counter() - started) * 1000


def source_texts(records: dict[str, Any]) -> dict[str, str]:
    """Source id -> text, from ``Knowledge.records`` (the texts offsets refer to)."""
    return {source: record.text for source, record in records.items()}


def cited_chars(chunks: Iterable[Chunk]) -> int:
    """What the tutorial pipeline hands the reader as sources: all retrieved chunks."""
    return sum(len(c.text) for c in chunks)
