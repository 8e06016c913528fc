"""Retrieval, answering, the LCEL chain and the CLI of Qantar Q&A."""

import index as _offline_env  # noqa: F401  (sets HF_HUB_OFFLINE & co. before anything else)
