"""Errors raised by the store.

StoreError
├── StoreClosed      the database is not open (or was closed)
├── StoreUnavailable the database file cannot be opened (not SQLite, no access, ...)
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


class StoreBusy(StoreError):
    """Another process held the write lock past the time a write waits for it."""


class NotFound(StoreError):
    """No record with that id."""


class Conflict(StoreError):
    """The change contradicts what is stored."""


class Clash(Conflict):
    """Undoing would restore rows that a unique rule now refuses: something equal to them
    (the same article, say) was added since. Nothing was changed."""
