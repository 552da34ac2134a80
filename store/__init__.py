"""SQLite storage: the only package that speaks SQL."""

from store.store import Store

__all__ = ["Store"]
