"""Errors raised by the store.

StoreError
├── StoreClosed      the database is not open (or was closed)
├── StoreUnavailable the database file cannot be opened (not SQLite, no access, ...)
│   └── StoreOutdated  opened read-only, its schema is behind this code's
├── StoreReadOnly    a change asked of a database opened read-only
├── StoreBusy        another process kept the database's write lock for too long
├── NotFound         a record with that id does not exist
└── Conflict         the change would break a rule (duplicate, wrong state)
    └── Clash        an undo would bring back rows that clash with rows added since
"""


class StoreError(Exception):
    """Base of every store error."""


class StoreClosed(StoreError):
    """The database is not open."""


class StoreUnavailable(StoreError):
    """The database file cannot be opened or read as a briefing."""


class StoreOutdated(StoreUnavailable):
    """Opened read-only, the database lacks schema steps this code needs (and cannot be
    given them); `applied` and `needed` count the steps."""

    def __init__(self, message: str, *, applied: int, needed: int) -> None:
        super().__init__(message)
        self.applied = applied
        self.needed = needed


class StoreReadOnly(StoreError):
    """The database was opened read-only, and something asked to change it."""


class StoreBusy(StoreError):
    """Another process held the write lock past the time a write waits for it."""


class NotFound(StoreError):
    """No record with that id."""


class Conflict(StoreError):
    """The change contradicts what is stored."""


class Clash(Conflict):
    """Undoing would restore rows that a unique rule now refuses: something equal to them
    (the same article, say) was added since. Nothing was changed."""
