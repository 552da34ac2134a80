"""Records the store hands out. Frozen: change data through a repository, not by mutation."""

from __future__ import annotations

from dataclasses import dataclass, field

# Claim status of an event, from plain fact to context.
STATUSES = ("reported", "confirmed", "alleged", "unverified", "background")


def date_precision(iso: str) -> str:
    """'year', 'month' or 'day' for an ISO date written at its precision (2021, 2021-10, ...)."""
    return {4: "year", 7: "month"}.get(len(iso), "day")


@dataclass(frozen=True)
class Source:
    id: int
    outlet: str | None
    title: str | None
    url: str | None
    file: str | None
    published: str | None  # ISO day, None when it could not be found or inferred
    published_inferred: bool
    text: str
    content_hash: str
    added_at: str


@dataclass(frozen=True)
class SourceInfo:
    """An article without its text: what lists and citations show of it."""

    id: int
    outlet: str | None
    title: str | None
    url: str | None
    published: str | None
    published_inferred: bool


@dataclass(frozen=True)
class Citation:
    id: int
    event_id: int
    source_id: int
    excerpt: str  # verbatim: source.text[start:end] == excerpt
    start: int
    end: int


@dataclass(frozen=True)
class Event:
    id: int
    date: str  # ISO at the precision known: 2021, 2021-10 or 2021-10-05
    end: str | None  # end of a span, same format
    summary: str
    status: str
    attribution: str | None  # who says so, when the articles say
    graphic: bool  # excerpts describe violence in detail: hidden behind spoilers by default
    hidden: bool  # hidden by a maintainer
    created_at: str
    updated_at: str
    places: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    citations: tuple[Citation, ...] = field(default=())

    @property
    def precision(self) -> str:
        return date_precision(self.date)


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    kind: str  # region | city | facility
    region: str | None  # the region a city or facility belongs to
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    kind: str  # person | organisation
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None
    username: str | None
    timezone: str | None
    graphic: bool  # show graphic excerpts without spoilers
    send_empty_digest: bool


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    active: bool
    paused_reason: str | None  # why delivery stopped: unsubscribed, bot blocked, kicked ...
    last_digest_at: str | None  # cutoff of the last digest delivered (UTC ISO)
    created_at: str
    thread_id: int | None = None  # the forum topic digests go to; None: the chat itself
    failed_runs: int = 0  # scheduled digests Telegram refused in a row, since one went out


@dataclass(frozen=True)
class DigestSchedule:
    chat_id: int
    frequency: str  # daily | weekly
    weekday: int | None  # 0 = Monday; weekly schedules only
    time_of_day: str  # HH:MM, local time in `timezone`
    timezone: str  # IANA name
    configured_by: int | None  # Telegram user id of the admin who set it
    last_run_at: str | None  # UTC ISO of the last slot that reached a final delivery status
    updated_at: str  # UTC ISO; slots before this are not owed to the chat


@dataclass(frozen=True)
class Delivery:
    """One digest to one chat for one period; the delivery log's row."""

    chat_id: int
    period: str  # daily:2026-03-29T09:00@Europe/Berlin, weekly:..., now:2026-03-29T07:00:00+00:00
    status: str  # pending | sent | empty | failed | paused
    attempts: int  # runs that tried this delivery
    error: str | None
    since: str | None  # the digest covers event changes in [since, cutoff)
    cutoff: str | None
    parts: tuple[str, ...]  # the exact messages, rendered once at claim time
    parts_sent: int  # how many of `parts` Telegram has accepted
    updated_at: str


@dataclass(frozen=True)
class ScheduledChat:
    """A chat owed digests: an active subscription with a schedule."""

    chat: Chat
    schedule: DigestSchedule
    subscription: Subscription


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str
    actor: int
    action: str
    target: str
    before: str | None  # JSON
    after: str | None  # JSON
    undone: bool
    scope: str | None = None  # JSON: which rows `before` and `after` cover (store/audit.py)


@dataclass(frozen=True)
class Withdrawal:
    """An event readers could see that a maintainer's change took out of the briefing:
    hidden, removed with its article, or merged into another event (`into`)."""

    event_id: int
    date: str
    end: str | None
    summary: str
    graphic: bool
    into: int | None  # the visible event its citations now belong to, after a merge


# --- Drafts: what ingestion hands to the store to add -------------------------------


@dataclass(frozen=True)
class PlaceRef:
    """A place as extraction names it; the store finds or creates the matching Place."""

    name: str
    kind: str = "region"  # region | city | facility
    region: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonRef:
    """A person or organisation with the spellings seen for it."""

    name: str
    kind: str = "person"  # person | organisation
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class NewSource:
    outlet: str | None
    title: str | None
    url: str | None
    file: str | None
    published: str | None
    published_inferred: bool
    text: str
    content_hash: str


@dataclass(frozen=True)
class NewEvent:
    """An event found in one article; `citations` are (start, end) offsets into its text."""

    date: str
    end: str | None
    summary: str
    status: str = "reported"
    attribution: str | None = None
    graphic: bool = False
    places: tuple[PlaceRef, ...] = ()
    people: tuple[PersonRef, ...] = ()
    citations: tuple[tuple[int, int], ...] = ()
