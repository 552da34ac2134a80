"""A chat's digest: the events added or changed in its window, grouped by date, and those
withdrawn in it (hidden, removed or merged by a maintainer), as an Answer.

The digest is built from the same pieces as /timeline (`bot.answers.event_item`, the same
cited excerpts, the same graphic-excerpt rule) and rendered by the same renderer, split
into messages under Telegram's limit. The window is [since, until): consecutive digests
share their bound, so every change is in exactly one digest.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from bot.answers import Answer, EventItem, Item, WithdrawnItem, event_item, events_phrase
from bot.dates import describe_span
from bot.paging import paginate
from bot.render_html import HTML_LIMITS, DigestRenderer, esc
from bot.schedule import describe_moment, from_iso
from store import Store
from store.models import Chat, Event, Withdrawal

TITLE = "Digest"
# Room kept in each message for the part number added to its title (" (12/34)").
PART_ROOM = 12
# A digest is pushed, not paged with buttons: fuller messages, still within Telegram's limit.
DIGEST_LIMITS = replace(
    HTML_LIMITS,
    visible=HTML_LIMITS.visible - PART_ROOM,
    raw=HTML_LIMITS.raw - PART_ROOM,
    items=HTML_LIMITS.items * 2,
)
# A digest lists at most this many events (a few messages); more are left to /timeline,
# rather than pushing dozens of messages into every subscribed chat.
DIGEST_EVENTS = 40
FOOTER = ("/timeline for the whole story · /digest for this chat's schedule",)
# In a channel readers cannot send commands; they can open the bot.
CHANNEL_FOOTER = "Open the bot for the whole story: {link}timeline"
WITHDRAWN_HEADING = "— No longer in the briefing —"


def _since_phrase(since: str | None, zone: str) -> str:
    return describe_moment(from_iso(since), zone) if since else "the start"


@dataclass(frozen=True)
class DatedEventItem(EventItem):
    """The first event of a date, carrying the date's heading (rendered above it, so a
    heading never ends a message without its events)."""

    heading: str | None = None


def group_by_date(events: list[Event], items: list[EventItem]) -> list[Item]:
    """Events by date (they come sorted); the first of each date carries its heading."""
    grouped: list[Item] = []
    current: str | None = None
    for event, item in zip(events, items, strict=True):
        if event.date != current:
            current = event.date
            values = {field.name: getattr(item, field.name) for field in fields(item)}
            grouped.append(DatedEventItem(**values, heading=f"— {item.when} —"))
        else:
            grouped.append(item)
    return grouped


async def digest_answer(
    store: Store, chat: Chat, since: str | None, until: str, *, zone: str, manual: bool = False
) -> Answer | None:
    """The digest for `chat`, or None when there is nothing to send: nothing new, and
    neither the chat's option nor an explicit request (`manual`) asks for a note."""
    changed, events = await store.events.changed_last_between(since, until, DIGEST_EVENTS)
    # Readers are told what was taken out since their last digest (a first digest covers
    # the whole briefing as it stands: nothing in it was withdrawn).
    withdrawn = await store.audit.withdrawn_between(since, until) if since else []
    when = _since_phrase(since, zone)
    if not (events or withdrawn):
        if not (manual or chat.send_empty_digest):
            return None
        return Answer(title=f"No new developments since {when}.")
    intro = []
    if events:
        intro.append(_changed_phrase(changed))
    if withdrawn:
        intro.append(_withdrawn_phrase(len(withdrawn)))
    # Only the articles the listed events cite: reading every article, texts and all, took
    # half a second and 500 MB for each digest of a briefing of 50,000 articles.
    sources = await store.sources.info(sorted({c.source_id for e in events for c in e.citations}))
    items = [event_item(event, sources, full=False) for event in events]
    return Answer(
        title=f"{TITLE}: new since {when}",
        intro=tuple(intro),
        items=(*group_by_date(events, items), *_withdrawn_items(withdrawn[:DIGEST_EVENTS])),
        footer=FOOTER,
        graphic_shown=chat.graphic,
    )


def _changed_phrase(count: int) -> str:
    events = events_phrase(count)
    if count <= DIGEST_EVENTS:
        return f"{events} added or changed, by date."
    return (
        f"{events} added or changed; the {DIGEST_EVENTS} changed last are listed, by date."
        " /timeline has the whole story."
    )


def _withdrawn_phrase(count: int) -> str:
    events = f"{count} event" + (" was" if count == 1 else "s were")
    listed = "listed last" if count <= DIGEST_EVENTS else f"the first {DIGEST_EVENTS} listed last"
    return f"{events} withdrawn ({listed})."


def _withdrawn_items(withdrawn: list[Withdrawal]) -> list[WithdrawnItem]:
    return [
        WithdrawnItem(
            id=gone.event_id,
            when=describe_span(gone.date, gone.end),
            summary=gone.summary,
            into=gone.into,
            graphic=gone.graphic,
            heading=WITHDRAWN_HEADING if n == 0 else None,
        )
        for n, gone in enumerate(withdrawn)
    ]


def _numbered(pages: list[str], title: str) -> list[str]:
    """Each message's title with its part number, "(2/4)", when the digest takes several:
    a reader sees at once that more follows. DIGEST_LIMITS keeps room for it."""
    if len(pages) < 2:
        return pages
    head = f"<b>{esc(title)}</b>"
    return [
        f"<b>{esc(title)} ({n}/{len(pages)})</b>{page.removeprefix(head)}"
        if page.startswith(head)
        else page
        for n, page in enumerate(pages, start=1)
    ]


async def digest_messages(
    store: Store,
    chat: Chat,
    since: str | None,
    until: str,
    *,
    zone: str,
    manual: bool = False,
    start_link: str | None = None,
) -> list[str]:
    """The digest as Telegram HTML messages, each within the limit; [] when nothing to send.
    With `start_link` (for channels) pointers to events are links that open the bot."""
    answer = await digest_answer(store, chat, since, until, zone=zone, manual=manual)
    if answer is None:
        return []
    if start_link is not None and answer.footer:
        answer = replace(answer, footer=(CHANNEL_FOOTER.format(link=start_link),))
    pages = paginate(DigestRenderer(start_link), answer, DIGEST_LIMITS)
    return _numbered(pages, answer.title)
