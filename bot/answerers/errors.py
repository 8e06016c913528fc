"""Errors every answerer backend raises the same way."""

from __future__ import annotations


class AnswererUnavailable(RuntimeError):
    """A configured answerer cannot run here; the message says what to install or set."""
