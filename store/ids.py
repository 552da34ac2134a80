"""Ids that are never given twice.

SQLite gives a new row the largest id plus one, so removing the newest article or event
would hand its id to the next one: links in earlier replies and digests (`/event 26`) and
the audit history would then lead to something else. Each delete records the highest id
the table has given (migration 0013), and new rows get ids above it.
"""

from __future__ import annotations

TABLES = ("events", "sources")


def next_id_sql(table: str) -> str:
    """A SQL expression for the id the table's next row gets."""
    if table not in TABLES:
        raise ValueError(f"no id record for {table!r}")
    return (
        f"(SELECT max(coalesce((SELECT max(id) FROM {table}), 0),"
        f" coalesce((SELECT last_id FROM retired_ids WHERE tbl = '{table}'), 0)) + 1)"
    )
