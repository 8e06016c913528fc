"""Evaluation and benchmarks: how well and how fast the bot answers (not used to answer).

* ``evaluate`` — ``python -m bot eval``: retrieval, answer and citation scores on a QA file;
* ``baseline`` — the LangChain tutorial RAG pipeline that ``eval`` compares against;
* ``bench`` — ``python -m bot bench``: start-up, indexing, answer and API latency, and scale;
* ``synthetic`` — deterministic synthetic corpora for ``bench --scale``.

Modules import their heavy dependencies lazily, so importing this package stays cheap.
"""
