"""The store facade: one open database and the repositories over it."""

from __future__ import annotations

from pathlib import Path

from store.audit import AuditRepo
from store.callbacks import CallbackRepo
from store.chats import ChatRepo
from store.corrections import Corrections
from store.db import Database
from store.digests import DigestRepo
from store.events import EventRepo
from store.maintainers import MaintainerRepo
from store.people import PersonRepo
from store.places import PlaceRepo
from store.reviews import ReviewRepo
from store.sources import SourceRepo


class Store:
    """Open with `await Store.open(path)` (or `async with`); close once when done."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = SourceRepo(db)
        self.events = EventRepo(db)
        self.places = PlaceRepo(db)
        self.people = PersonRepo(db)
        self.chats = ChatRepo(db)
        self.audit = AuditRepo(db)
        self.maintainers = MaintainerRepo(db)
        self.reviews = ReviewRepo(db)
        self.corrections = Corrections(db, self.audit, self.events, self.maintainers)
        self.digests = DigestRepo(db)
        self.callbacks = CallbackRepo(db)

    @classmethod
    async def open(cls, path: Path | str, *, read_only: bool = False) -> Store:
        """The store at `path`, brought up to date; with `read_only`, as it is (see
        Database), refused with StoreOutdated when its schema is behind."""
        return cls(await Database(path, read_only=read_only).open())

    async def close(self) -> None:
        await self.db.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
