"""Splitting a rendered answer into pages that fit a message.

Renderers (HTML for Telegram, plain text) implement `Renderer`; `paginate` groups whole
items into pages under the size limits, and only cuts an item when it alone is too long
(each renderer re-renders it with shorter texts, ending in a pointer to the full view).
No page ever exceeds the limits: what is still too long in its shortest form (a huge
header, a hostile field) is clipped to its first characters that fit, as a last resort.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.answers import Answer, Item

# Shortening steps for free text in an item that does not fit a page on its own.
CUTS = (1500, 800, 400, 200, 100, 50, 20)


@dataclass(frozen=True)
class Limits:
    visible: int  # what the reader sees, in UTF-16 code units (Telegram's unit)
    raw: int  # the markup sent, in characters
    items: int  # items per page, for readability


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Renderer(Protocol):
    def header(self, answer: Answer, first_page: bool) -> str: ...

    def item(self, item: Item, answer: Answer, cut: int | None) -> str: ...

    def empty(self, answer: Answer) -> str: ...

    def footer(self, answer: Answer) -> str: ...

    def visible(self, rendered: str) -> str:
        """The text a reader sees once markup is applied."""
        ...

    def clip(self, rendered: str, length: int) -> str:
        """The first `length` visible characters of `rendered` and "…", as valid markup
        that hides what the whole hid."""
        ...


def _fits(renderer: Renderer, text: str, limits: Limits) -> bool:
    return len(text) <= limits.raw and utf16_len(renderer.visible(text)) <= limits.visible


def _join(*parts: str, sep: str = "\n\n") -> str:
    return sep.join(p for p in parts if p)


COMPACT_FACTOR = 4  # one-line items (commands, places): this many times more per page


def _fit_item(renderer: Renderer, item: Item, answer: Answer, room: Limits) -> str:
    """The item rendered whole if it fits `room`, else with ever shorter texts."""
    text = renderer.item(item, answer, None)
    for cut in CUTS:
        if _fits(renderer, text, room):
            return text
        text = renderer.item(item, answer, cut)
    if _fits(renderer, text, room):
        return text
    return _clipped(renderer, renderer.item(item, answer, 0), room)  # only fixed labels left


def _clipped(renderer: Renderer, text: str, room: Limits) -> str:
    """`text` if it fits `room`, else its longest clipped form that does ("" if none)."""
    if _fits(renderer, text, room):
        return text
    if not _fits(renderer, renderer.clip(text, 0), room):
        return ""
    shortest, longest = 0, len(renderer.visible(text))
    while shortest < longest:  # the longest length that fits, by halving
        middle = (shortest + longest + 1) // 2
        if _fits(renderer, renderer.clip(text, middle), room):
            shortest = middle
        else:
            longest = middle - 1
    return renderer.clip(text, shortest)


def one_page(renderer: Renderer, answer: Answer, limits: Limits) -> str:
    """A page the store already cut (answer.paging set) as one message: every item, each
    shortened only when the whole would not fit."""
    first = answer.paging is None or answer.paging.number == 1
    header, footer = renderer.header(answer, first), renderer.footer(answer)
    if not answer.items:
        return _join(header, renderer.empty(answer), footer)
    sep = "\n" if answer.compact else "\n\n"
    whole = _join(header, sep.join(renderer.item(i, answer, None) for i in answer.items), footer)
    if _fits(renderer, whole, limits):
        return whole
    # Share the room left by header and footer equally between the items.
    frame = _join(header, footer)
    share = len(answer.items)
    room = Limits(
        visible=(limits.visible - utf16_len(renderer.visible(frame))) // share - len(sep) - 4,
        raw=(limits.raw - len(frame)) // share - len(sep) - 4,
        items=1,
    )
    blocks = [_fit_item(renderer, item, answer, room) for item in answer.items]
    return _join(header, sep.join(blocks), footer)


def paginate(renderer: Renderer, answer: Answer, limits: Limits) -> list[str]:
    """The answer as pages of at most `limits`; always at least one page. A page the
    store already cut is one message."""
    pages = _pages(renderer, answer, limits)
    return [_clipped(renderer, page, limits) for page in pages]


def _pages(renderer: Renderer, answer: Answer, limits: Limits) -> list[str]:
    """The pages, each item shortened as needed; only a header can still be too long."""
    if answer.paging is not None:
        return [one_page(renderer, answer, limits)]
    footer = renderer.footer(answer)
    if not answer.items:
        return [_join(renderer.header(answer, True), renderer.empty(answer), footer)]
    pages: list[str] = []
    current: list[str] = []
    sep = "\n" if answer.compact else "\n\n"
    per_page = limits.items * (COMPACT_FACTOR if answer.compact else 1)

    def page(*parts: str) -> str:
        return _join(renderer.header(answer, not pages), _join(*parts, sep=sep), footer)

    for item in answer.items:
        header = renderer.header(answer, not pages)
        # Room for one item on an otherwise empty page, footer included to be safe.
        room = Limits(
            visible=limits.visible - utf16_len(renderer.visible(_join(header, footer))) - 4,
            raw=limits.raw - len(_join(header, footer)) - 4,
            items=1,
        )
        block = _fit_item(renderer, item, answer, room)
        if current and (
            len(current) >= per_page or not _fits(renderer, page(*current, block), limits)
        ):
            pages.append(_join(renderer.header(answer, not pages), _join(*current, sep=sep)))
            current = []
        current.append(block)
    pages.append(page(*current))
    return pages
