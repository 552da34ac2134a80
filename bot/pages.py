"""Pages of a list: which page a reader asks for, and where a page sits in its list.

Long lists (events, articles) are read from the store one page at a time by key: a page
asks for the items after the key of the last item shown (▶), or before the first (◀), so
a deep page of a million events costs what the first one does. Keys travel in button
data as short text made and parsed here; anything else is refused (PageGone). Short lists
(search results, places) are held whole and paged by number.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence, Sized
from dataclasses import dataclass
from typing import Any, TypeVar

from store.events import EventKey
from store.models import Event, SourceInfo
from store.sources import SourceKey

# Pages are counted ("2/7") only up to this many items: counting a million rows would
# cost more than the page itself; past it a page shows its number alone.
COUNTED_ITEMS = 500

Row = TypeVar("Row")


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list: its number, and for lists read by key the key of the item
    it follows (`after`) or precedes (`before`)."""

    number: int = 1
    after: str | None = None
    before: str | None = None


FIRST_PAGE = PageRequest()


@dataclass(frozen=True)
class Paging:
    """Where a page sits in its list, and how to ask for its neighbours."""

    number: int
    total: int | None  # pages in all, when counted
    previous: PageRequest | None
    next: PageRequest | None


class PageGone(Exception):
    """The requested page is empty, or its key is not one this module made."""


# --- keys -------------------------------------------------------------------------

EVENT_KEY = re.compile(r"(\d{4}(?:-\d{2}){0,2})\.(\d{1,12})")
SOURCE_KEY = re.compile(r"(\d{4}-\d{2}-\d{2}|~)\.(\d{1,12})")


def event_key(event: Event) -> str:
    return f"{event.date}.{event.id}"


def parse_event_key(text: str) -> EventKey | None:
    match = EVENT_KEY.fullmatch(text)
    return (match.group(1), int(match.group(2))) if match else None


def source_key(source: SourceInfo) -> str:
    return f"{source.published or '~'}.{source.id}"


def parse_source_key(text: str) -> SourceKey | None:
    match = SOURCE_KEY.fullmatch(text)
    return (match.group(1), int(match.group(2))) if match else None


# --- lists read by key ------------------------------------------------------------


async def keyset_page(
    page: PageRequest,
    per_page: int,
    parse: Callable[[str], Any],
    key_of: Callable[[Row], str],
    read: Callable[[Any, Any, int], Awaitable[Sequence[Row]]],
    count: Callable[[int], Awaitable[int]],
) -> tuple[list[Row], Paging | None]:
    """The rows of `page` and its place in the list. `read(after, before, limit)` reads
    rows after or before a parsed key (the first ones when both are None); `count(cap)`
    counts the list up to `cap`. PageGone for a malformed key, or a page past the end."""
    after, before = _keys(page, parse)
    rows = list(await read(after, before, per_page + 1))
    # One row more than a page tells whether there is a neighbour in the reading direction.
    shown = rows[-per_page:] if before is not None else rows[:per_page]
    if not shown:
        if page.number > 1:
            raise PageGone
        return [], None
    if before is not None:
        # Came back from a later page, which therefore exists. Page 1 is asked for without
        # a key, so it always starts the list.
        more_before, more_after = len(rows) > per_page, True
    else:
        more_before, more_after = after is not None, len(rows) > per_page
    number = page.number
    previous = None
    if more_before and number > 1:
        previous = FIRST_PAGE if number == 2 else PageRequest(number - 1, before=key_of(shown[0]))
    following = PageRequest(number + 1, after=key_of(shown[-1])) if more_after else None
    counted = await count(COUNTED_ITEMS)
    total = -(-counted // per_page) if counted < COUNTED_ITEMS else None
    return shown, Paging(number, total, previous, following)


def _keys(page: PageRequest, parse: Callable[[str], Any]) -> tuple[Any, Any]:
    """The page's (after, before) keys, parsed; PageGone when one is malformed."""
    after = parse(page.after) if page.after is not None else None
    before = parse(page.before) if page.before is not None else None
    if (page.after is not None and after is None) or (page.before is not None and before is None):
        raise PageGone
    if page.number > 1 and after is None and before is None:
        raise PageGone  # only page 1 starts without a key
    return after, before


# --- lists held whole ---------------------------------------------------------------


def numbered_page(items: Sized, page: PageRequest, per_page: int) -> Paging:
    """Neighbours of page `page.number` of a list held whole (short lists)."""
    total = max(1, -(-len(items) // per_page))
    if page.number > total:
        raise PageGone
    n = page.number
    return Paging(
        n,
        total,
        PageRequest(n - 1) if n > 1 else None,
        PageRequest(n + 1) if n < total else None,
    )


def page_slice(items: tuple[Any, ...], paging: Paging, per_page: int) -> tuple[Any, ...]:
    start = (paging.number - 1) * per_page
    return items[start : start + per_page]
