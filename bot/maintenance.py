"""Maintainers' commands as structured answers, independent of Telegram.

Who may: the user ids in settings (the first is the owner) and those the owner added with
`/maintainer add ID`. Everyone else is told it is not allowed and nothing changes.
Each change goes through `store.corrections` (one audited transaction); `/undo` writes
back the maintainer's own last change exactly (`store.audit`).

The Telegram layer (bot/telegram/maintainers.py) downloads documents and shows progress;
everything it hands over here is plain text or bytes.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import httpx

from bot.answers import (
    PLACE_SEPARATOR,
    Answer,
    LineItem,
    Services,
    events_phrase,
    long_number,
    outlet_name,
    parse_command,
    title_shown,
    usage_answer,
)
from bot.dates import FIRST_YEAR, LAST_YEAR, describe, describe_span
from bot.placematch import resolve
from ingest.article import Article
from ingest.errors import ArticleRejected
from ingest.fetch import FetchOptions, Resolver, fetch_article, system_resolver
from ingest.pipeline import prepare_article, ready_merge_index, store_article
from ingest.submission import Link, classify, parse_document, parse_text, require_dates
from store import Store
from store.audit import NOT_UNDOABLE, Scope
from store.errors import Clash, Conflict, NotFound
from store.models import STATUSES, AuditEntry, Citation, Event, SourceInfo
from store.reviews import StoryReview

NOT_ALLOWED = "Sorry, that command is only for the briefing's maintainers."
OWNER_ONLY = "Only the owner (the first id in BRIEFBOT_MAINTAINERS) may add or remove maintainers."
PREVIEW_EVENTS = 8  # events listed per group in a preview (one page); the rest are counted
HISTORY_ENTRIES = 15  # the latest changes /history shows (one page)
ID_RANGES = 40  # runs of event ids a removal lists; the rest are counted
SUMMARY_LIMIT = 300
ATTRIBUTION_LIMIT = 120  # who says so: a name and a title, shown as "according to ..."
ADDSTORY_PREFIX = re.compile(r"^/addstory(?:@([A-Za-z0-9_]{1,64}))?(?=\s|$)", re.IGNORECASE)
# ASCII digits only: \d would also take "２０２１", stored as such and then in no year.
DATE = re.compile(r"[0-9]{4}(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12][0-9]|3[01]))?)?")
# Control characters are no text a reader sees (tab and line breaks are spaces here).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
# Telegram user ids pass 2**32 now; 15 digits leave room and stay far from SQLite's 2**63.
ID_DIGITS = 15

USAGE = {
    "addstory": "/addstory URL, or the article's text (first lines may be outlet:, title:, "
    "url:, published:), or reply /addstory to an article or a .txt/.md/.html file",
    "editevent": "/editevent N summary|date|place|status|attribution VALUE",
    "hideevent": "/hideevent N (or /hideevent N off to show it again)",
    "mergeevents": "/mergeevents N M (event M becomes part of event N)",
    "splitcitation": "/splitcitation EVENT [CITATION] (CITATION: its number in the list, or"
    " its id as c123; without it: list them)",
    "removestory": "/removestory N (N as in /sources)",
    "history": "/history N (an event's changes)",
    "undo": "/undo (reverts your last change) or /undo #N (your change #N in /history)",
    "maintainer": "/maintainer add|remove ID, or /maintainer list",
}


class Refused(ValueError):
    """The command cannot be done as given; the message says why, in one line."""


@dataclass
class Intake:
    """How /addstory reaches outside: the client for web pages and its DNS resolver
    (tests hand in an httpx.MockTransport and a fake resolver), and the client that
    downloads attached documents from the Bot API."""

    web: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient())
    resolver: Resolver = system_resolver
    files: httpx.AsyncClient = field(default_factory=lambda: httpx.AsyncClient())

    async def aclose(self) -> None:
        await self.web.aclose()
        await self.files.aclose()


@dataclass(frozen=True)
class Outcome:
    """An answer, and what the Telegram layer must do besides showing it."""

    answer: Answer
    menu_user: int | None = None  # a maintainer added or removed: refresh their menu
    review: StoryReview | None = None  # a story preview awaiting Keep or Undo


def refusal(line: str) -> Outcome:
    return Outcome(usage_answer(line))


def done(title: str, *lines: str) -> Outcome:
    items = tuple(LineItem(line) for line in lines)
    return Outcome(Answer(title=title, items=items, compact=True))


# --- who may -----------------------------------------------------------------------


async def maintainer_ids(services: Services) -> list[int]:
    """Everyone who may maintain: settings first (the owner leads), then those added."""
    ids = list(dict.fromkeys(services.settings.maintainers))
    ids.extend(i for i in await services.store.maintainers.ids() if i not in ids)
    return ids


async def is_maintainer(services: Services, user_id: int | None) -> bool:
    if user_id is None:
        return False
    return user_id in services.settings.maintainers or await services.store.maintainers.contains(
        user_id
    )


# --- argument parsing ----------------------------------------------------------------


def _number(text: str, what: str, missing: str) -> int:
    """The number in `text`, `what` naming it in a refusal ("an event"). A number too long
    for any id is one that names nothing: NotFound with `missing` ("there is no event {}"),
    as readers' /event answers it, not a claim that it is no number."""
    token = text.strip().lstrip("#")
    if re.fullmatch("[0-9]+", token) and len(token.lstrip("0")) > ID_DIGITS:
        raise NotFound(missing.format(long_number(token)))
    if not re.fullmatch("[0-9]+", token):
        raise Refused(
            f"{text.strip()[:30]!r} is not {what} number" if token else f"give {what} number"
        )
    return int(token)


def _event_number(text: str) -> int:
    return _number(text, "an event", "there is no event {}")


def _date_value(value: str) -> tuple[str, str | None]:
    """'2021-10-05', '2021-10', '2021' or a span 'START..END' (also 'START/END')."""
    parts = re.split(r"\.\.|/|\s+to\s+", value.strip(), maxsplit=1)
    if not all(DATE.fullmatch(p.strip()) for p in parts):
        raise Refused("a date is written 2021-10-05, 2021-10 or 2021 (a span: START..END)")
    start = parts[0].strip()
    end = parts[1].strip() if len(parts) == 2 else None
    _check_day(start)
    if end is not None:
        _check_day(end)
        if end < start:
            raise Refused("the span ends before it starts")
    return start, end


def _check_day(iso: str) -> None:
    if not FIRST_YEAR <= int(iso[:4]) <= LAST_YEAR:
        raise Refused(f"the year is one from {FIRST_YEAR} to {LAST_YEAR}")
    if len(iso) == 10:
        try:
            date.fromisoformat(iso)
        except ValueError:
            raise Refused(f"{iso} is not a day of the calendar") from None


# --- the correction commands ---------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who sends a maintainer command, and whether others in the chat read the answer."""

    user_id: int
    in_group: bool = False


Command = Callable[[Services, Caller, str], Awaitable[Outcome]]


async def cmd_editevent(services: Services, caller: Caller, args: str) -> Outcome:
    parts = args.split(maxsplit=2)
    if len(parts) < 3:
        raise Refused("give the event number, what to change and the new value")
    event_id = _event_number(parts[0])
    what, value = parts[1].lower(), parts[2].strip()
    corrections = services.store.corrections
    if what == "summary":
        value = _words_given(value, "a summary", SUMMARY_LIMIT)
        await corrections.edit_event(caller.user_id, event_id, "summary", summary=value)
        shown = value
    elif what == "attribution":
        # Who says so, as readers see it ("according to ..."); none: the articles' voice.
        who = None
        if value.lower() not in ("none", "-"):
            who = _words_given(value, "a source", ATTRIBUTION_LIMIT)
        await corrections.edit_event(caller.user_id, event_id, "attribution", attribution=who)
        shown = f"according to {who}" if who else "none"
    elif what == "date":
        start, end = _date_value(value)
        await corrections.edit_event(caller.user_id, event_id, "date", date=start, end_date=end)
        shown = describe_span(start, end)
    elif what == "status":
        if value.lower() not in STATUSES:
            raise Refused(f"status is one of: {', '.join(STATUSES)}")
        await corrections.edit_event(caller.user_id, event_id, "status", status=value.lower())
        shown = value.lower()
    elif what in ("place", "places"):
        place_ids, names = await _places(services, value)
        await corrections.set_places(caller.user_id, event_id, place_ids)
        shown = PLACE_SEPARATOR.join(names) or "no place"
    else:
        raise Refused("you can edit an event's summary, date, place, status or attribution")
    # A summary that ends a sentence ends the line too: no "..".
    stop = "" if shown.endswith((".", "!", "?", "…")) else "."
    return done(f"Event {event_id}: {what} is now {shown}{stop}", "Send /undo to revert it.")


def _words_given(value: str, what: str, limit: int) -> str:
    """Text a maintainer gives for readers to see, on one line, without control characters."""
    value = " ".join(CONTROL.sub("", value).split())
    if not any(c.isalnum() for c in value):
        # Blank to readers (".", zero-width spaces): the event would lose its line.
        raise Refused(f"{what} needs words (letters or digits)")
    if len(value) > limit:
        raise Refused(f"{what} is at most {limit} characters")
    return value


async def _places(services: Services, value: str) -> tuple[list[int], list[str]]:
    if value.strip().lower() in ("none", "-"):
        return [], []
    # Names are separated by commas, or by semicolons when one holds a comma (a facility's
    # name ends with its region: "Penal Colony No. 5, Perm Krai").
    separator = ";" if ";" in value else ","
    given = [n.strip() for n in value.split(separator) if n.strip()]
    if not given:
        # "," must not quietly remove every place: that takes the word.
        raise Refused("give the place names, comma-separated, or none to remove every place")
    known = await services.store.places.list_all()
    chosen: dict[int, str] = {}  # by id, in the order given: "omsk, Omsk" is one place
    for name in given:
        matched, close = resolve(name, known)
        if len(matched) != 1:
            hint = f"; did you mean {', '.join(p.name for p in close[:3])}?" if close else ""
            raise Refused(f"no single known place called {name!r}{hint}")
        chosen.setdefault(matched[0].id, matched[0].name)
    return list(chosen), list(chosen.values())


async def cmd_hideevent(services: Services, caller: Caller, args: str) -> Outcome:
    parts = args.split()
    if not parts:
        raise Refused("give the event number")
    if len(parts) > 2 or (len(parts) == 2 and parts[1].lower() != "off"):
        raise Refused("after the event number only 'off' may follow (to show it again)")
    event_id = _event_number(parts[0])
    corrections = services.store.corrections
    try:
        if len(parts) == 2:
            await corrections.edit_event(caller.user_id, event_id, "shown", hidden=0)
            return done(f"Event {event_id} is shown again.", "Send /undo to hide it again.")
        await corrections.edit_event(caller.user_id, event_id, "hide", hidden=1)
    except Conflict:  # nothing would change
        state = "is not hidden" if len(parts) == 2 else "is already hidden"
        raise Conflict(f"event {event_id} {state}") from None
    return done(f"Event {event_id} is hidden from readers.", "Send /undo to show it again.")


async def cmd_mergeevents(services: Services, caller: Caller, args: str) -> Outcome:
    parts = args.split()
    if len(parts) != 2:
        raise Refused("give two event numbers: the one to keep, then the one merged into it")
    keep_id, gone_id = _event_number(parts[0]), _event_number(parts[1])
    await services.store.corrections.merge_events(caller.user_id, keep_id, gone_id)
    event = await services.store.events.get(keep_id)
    return done(
        f"Event {gone_id} is merged into event {keep_id}.",
        f"Event {keep_id} now has {len(event.citations)} citations.",
        "Send /undo to separate them again.",
    )


CITATION_ID = re.compile(r"[cC]([0-9]+)")


async def cmd_splitcitation(services: Services, caller: Caller, args: str) -> Outcome:
    parts = args.split()
    if not 1 <= len(parts) <= 2:
        raise Refused("give the event number and the citation's number in it")
    event_id = _event_number(parts[0])
    event = await services.store.events.get(event_id)
    sources = await services.store.sources.info(sorted({c.source_id for c in event.citations}))
    if len(parts) == 1:
        return Outcome(_citation_list(event, sources))
    by_id = CITATION_ID.fullmatch(parts[1])
    if by_id is not None:
        # An id stays the citation's own when other splits renumber the list.
        wanted = _number(by_id.group(1), "a citation", f"event {event_id} has no citation c{{}}")
        found = [n for n, c in enumerate(event.citations, start=1) if c.id == wanted]
        if not found:
            raise NotFound(
                f"event {event_id} has no citation c{wanted} (any more); /splitcitation"
                f" {event_id} lists what it cites now"
            )
        position = found[0]
    else:
        position = _number(parts[1], "a citation", f"event {event_id} has no citation {{}}")
    if not 1 <= position <= len(event.citations):
        raise Refused(f"event {event_id} has citations 1 to {len(event.citations)}")
    citation = event.citations[position - 1]
    new_id, _entry = await services.store.corrections.split_citation(
        caller.user_id, event_id, citation.id
    )
    return done(
        f"Citation {position} (c{citation.id}) of event {event_id} is now event {new_id}:",
        _citation_line(citation, sources),
        f"Edit it with /editevent {new_id} summary|date|place|status|attribution VALUE;"
        " /undo reverts.",
    )


def _citation_line(citation: Citation, sources: dict[int, SourceInfo]) -> str:
    """Which article a citation quotes, and its first words: what a split moves."""
    source = sources.get(citation.source_id)
    outlet = outlet_name(source) if source else f"source {citation.source_id}"
    return f"c{citation.id} · {outlet}: “{_cut(citation.excerpt, 120)}”"


def _citation_list(event: Event, sources: dict[int, SourceInfo]) -> Answer:
    """An event's citations, numbered and with their ids. A long list is paged; the
    command makes its page buttons work (a maintainer's rights are checked per press)."""
    lines = [
        LineItem(f"{n}. {_citation_line(c, sources)}")
        for n, c in enumerate(event.citations, start=1)
    ]
    first = event.citations[0].id if event.citations else 1
    how = (
        f"Send /splitcitation {event.id} K (K as numbered here) or /splitcitation {event.id}"
        f" c{first} (the citation's id, which other splits do not change) to move a citation"
        " into an event of its own.",
    )
    return Answer(
        title=f"Event {event.id} cites:",
        intro=how,
        items=tuple(lines),
        compact=True,
        command=f"/splitcitation {event.id}",
    )


async def cmd_removestory(services: Services, caller: Caller, args: str) -> Outcome:
    source_id = _number(args, "a story", "there is no story {}")
    try:
        source = await services.store.sources.get(source_id)
    except NotFound:  # in the words the removal itself uses when it finds none
        raise NotFound(f"there is no story {source_id}") from None
    removed, _entry = await services.store.corrections.remove_source(caller.user_id, source_id)
    return done(
        f"Removed story {source_id}: {title_shown(source.title) or outlet_name(source)}.",
        f"{len(removed)} events only it supported were removed"
        + (f" ({id_ranges(removed)})." if removed else "."),
        "Send /undo to restore it.",
    )


def id_ranges(ids: list[int], most: int = ID_RANGES) -> str:
    """Ids as runs, "12–57, 60, 64–70": a story's events have consecutive ids, so even
    hundreds of them make a short line; past `most` runs the rest are counted."""
    runs: list[list[int]] = []
    for n in sorted(set(ids)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    shown = [f"{a}–{b}" if b > a else str(a) for a, b in runs[:most]]
    rest = sum(b - a + 1 for a, b in runs[most:])
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


async def cmd_history(services: Services, caller: Caller, args: str) -> Outcome:
    event_id = _event_number(args)
    entries = await services.store.audit.for_event(event_id, limit=HISTORY_ENTRIES)
    if not entries:
        try:  # a removed event keeps its history; one never made has none to keep
            await services.store.events.get(event_id)
        except NotFound:
            raise NotFound(f"there is no event {event_id}") from None
        return done(f"Event {event_id} has no recorded changes.")
    places = {p.id: p.name for p in await services.store.places.list_all()}
    lines = []
    for entry in entries:
        mark = " (undone)" if entry.undone else ""
        when = entry.at.replace("T", " ")[:16]
        what = _cut(_describe(entry, event_id, places), 200)
        who = _who(services, caller, entry.actor)
        lines.append(f"#{entry.id} {when} UTC · {who} · {what}{mark}")
    # In a group everyone reads the answer: maintainers' user ids stay private.
    note = ("User ids are shown in a private chat with the bot.",) if caller.in_group else ()
    answer = Answer(
        title=f"Changes to event {event_id}:",
        items=tuple(LineItem(line) for line in lines),
        footer=note,
        compact=True,
        command=f"/history {event_id}",
    )
    return Outcome(answer)


def _who(services: Services, caller: Caller, actor: int) -> str:
    """Who made a change: the user id, or in a group you / the owner / a maintainer."""
    if not caller.in_group:
        return str(actor)
    if actor == caller.user_id:
        return "you"
    return "the owner" if actor == services.settings.owner else "a maintainer"


FIELDS_SHOWN = ("summary", "date", "end_date", "status", "attribution", "hidden")


def _describe(entry: Any, event_id: int, places: dict[int, str]) -> str:
    """What an audit entry did to one event, from its before and after rows."""
    before = _event_row(entry.before, event_id)
    after = _event_row(entry.after, event_id)
    if entry.action == "undo":
        return "undid a change"
    if before is None and after is not None:
        return f"{entry.action}: event created"
    if before is not None and after is None:
        return f"{entry.action}: event removed"
    if before is None or after is None:
        return entry.action
    changes = [
        f"{name} “{_cut(_shown(before.get(name)), 60)}” → “{_cut(_shown(after.get(name)), 60)}”"
        for name in FIELDS_SHOWN
        if before.get(name) != after.get(name)
    ]
    old_places = _event_places(entry.before, event_id, places)
    new_places = _event_places(entry.after, event_id, places)
    if old_places != new_places:
        changes.append(f"places “{_cut(old_places, 80)}” → “{_cut(new_places, 80)}”")
    return f"{entry.action}" + (f": {'; '.join(changes)}" if changes else "")


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)


def _event_places(snapshot: str | None, event_id: int, places: dict[int, str]) -> str:
    """The event's places in a snapshot, by name ("none" without any)."""
    rows = json.loads(snapshot or "{}").get("event_places", [])
    ids = [r["place_id"] for r in rows if r.get("event_id") == event_id]
    names = sorted(places.get(i, f"place {i}") for i in ids)
    return PLACE_SEPARATOR.join(names) or "none"


def _event_row(snapshot: str | None, event_id: int) -> dict[str, Any] | None:
    rows = json.loads(snapshot or "{}").get("events", [])
    return next((r for r in rows if r.get("id") == event_id), None)


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def cmd_undo(services: Services, caller: Caller, args: str) -> Outcome:
    entry = await _entry_to_undo(services, caller, args)
    if entry is None:
        return done("You have no change left to undo.")
    try:
        await _undo_entry(services, caller.user_id, entry.id, entry.action)
    except Conflict as exc:
        reason = str(exc)
        if isinstance(exc, Clash) and (story := await _back_again(services, entry)):
            reason = f"that article is in the briefing again as story {story}"
        raise Conflict(f"{reason}{await _earlier_change(services, caller, entry)}") from None
    answer = done(f"Undone: {entry.action} ({_target(caller, entry)}).").answer
    kind, _, target = entry.target.partition(":")
    # Undoing a maintainer's addition or removal changes whose menu has our commands.
    return Outcome(answer, menu_user=int(target) if kind == "user" else None)


def _target(caller: Caller, entry: AuditEntry) -> str:
    """What a change was made to, "event 5" or "user 55": in a group, where maintainers'
    user ids are not shown, a user is "a maintainer"."""
    if entry.target.startswith("user:") and caller.in_group:
        return "a maintainer"
    return entry.target.replace(":", " ")


async def _entry_to_undo(services: Services, caller: Caller, args: str) -> AuditEntry | None:
    """Your last change, or with `#N` your change numbered N in /history."""
    if not args.strip():
        return await services.store.audit.last_undoable(caller.user_id)
    entry_id = _number(args, "a change", "there is no change #{}")
    try:
        entry = await services.store.audit.get(entry_id)
    except NotFound:
        raise NotFound(f"there is no change #{entry_id}") from None
    if entry.actor != caller.user_id:
        raise Refused(f"change #{entry_id} is not yours: /undo reverts your own changes")
    if entry.action in NOT_UNDOABLE:
        raise Refused(f"change #{entry_id} records {entry.action!r}, which is not undone")
    return entry


async def _earlier_change(services: Services, caller: Caller, blocked: AuditEntry) -> str:
    """What a maintainer whose change cannot be undone may do instead: without this, every
    /undo would stop at the same change for good."""
    earlier = await services.store.audit.last_undoable(caller.user_id, before=blocked.id)
    where = f" ({blocked.action}, {_target(caller, blocked)}; /history shows who)"
    if earlier is None:
        return f"{where}. You have no earlier change to undo"
    return (
        f"{where}. Your change before it is #{earlier.id} ({earlier.action},"
        f" {_target(caller, earlier)}): /undo #{earlier.id} reverts it"
    )


async def _back_again(services: Services, entry: AuditEntry) -> int | None:
    """The story now in the briefing that equals an article this entry removed, if any:
    why undoing a removal can clash."""
    for row in json.loads(entry.before or "{}").get("sources", []):
        again = await services.store.sources.find_duplicate(row["url"], row["content_hash"])
        if again is not None:
            return again.id
    return None


async def _undo_entry(services: Services, user_id: int, entry_id: int, action: str) -> None:
    store = services.store
    async with store.db.transaction() as conn:
        await store.audit.undo(user_id, entry_id)
        if action == "add story":
            # Pending or kept: either way the story is gone now.
            await store.reviews.undone(conn, entry_id)


async def cmd_maintainer(services: Services, caller: Caller, args: str) -> Outcome:
    parts = args.split()
    if [p.lower() for p in parts] in ([], ["list"]):
        if caller.in_group:
            # Everyone in a group would read them; ids are for the maintainers' eyes.
            return done(
                "Maintainers' user ids are not shown in groups: send /maintainer list to the"
                " bot in a private chat."
            )
        ids = await maintainer_ids(services)
        owner = services.settings.owner
        answer = Answer(
            title="Maintainers:",
            items=tuple(LineItem(f"{i}" + (" (owner)" if i == owner else "")) for i in ids),
            # Only the terminal can ask with none set: whoever runs it runs the bot.
            empty="None: BRIEFBOT_MAINTAINERS is not set (its first id is the owner).",
            compact=True,
            command="/maintainer list",
        )
        return Outcome(answer)
    if len(parts) != 2 or parts[0].lower() not in ("add", "remove"):
        raise Refused("say add or remove, and the Telegram user id")
    if caller.user_id != services.settings.owner:
        return refusal(OWNER_ONLY)
    target = _number(parts[1], "a Telegram user id", "there is no Telegram user {}")
    in_settings = target in services.settings.maintainers
    corrections = services.store.corrections
    if parts[0].lower() == "add":
        if target < 1:  # Telegram's user ids start at 1; 0 is no one
            raise Refused(f"{parts[1]!r} is not a Telegram user id number")
        if in_settings:
            raise Refused(f"{target} is already a maintainer (in BRIEFBOT_MAINTAINERS)")
        await corrections.add_maintainer(caller.user_id, target)
        return Outcome(done(f"{target} is now a maintainer.").answer, menu_user=target)
    if in_settings:
        raise Refused(f"{target} is set in BRIEFBOT_MAINTAINERS; remove it there")
    await corrections.remove_maintainer(caller.user_id, target)
    return Outcome(done(f"{target} is no longer a maintainer.").answer, menu_user=target)


COMMANDS: dict[str, Command] = {
    "editevent": cmd_editevent,
    "hideevent": cmd_hideevent,
    "mergeevents": cmd_mergeevents,
    "splitcitation": cmd_splitcitation,
    "removestory": cmd_removestory,
    "history": cmd_history,
    "undo": cmd_undo,
    "maintainer": cmd_maintainer,
}


async def run(
    services: Services, user_id: int | None, name: str, args: str, *, in_group: bool = False
) -> Outcome:
    """One maintainer command: refused for anyone else, usage on bad arguments. In a group
    (`in_group`) answers leave out maintainers' user ids."""
    if not await is_maintainer(services, user_id):
        return refusal(NOT_ALLOWED)
    assert user_id is not None
    return await _execute(services, Caller(user_id, in_group), name, args)


async def _execute(services: Services, caller: Caller, name: str, args: str) -> Outcome:
    command = COMMANDS.get(name)
    if command is None:
        return refusal(f"Unknown maintainer command /{name}.")
    try:
        return await command(services, caller, args)
    except Refused as exc:
        return refusal(f"{str(exc)[:1].upper()}{str(exc)[1:]}. Usage: {USAGE[name]}")
    except (NotFound, Conflict) as exc:
        return refusal(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")


def _reads_only(name: str, args: str) -> bool:
    """Maintainer commands whose answer is a list and changes nothing: a page button may
    run them again."""
    if name == "splitcitation":
        return len(args.split()) == 1
    if name == "maintainer":
        return args.strip().lower() in ("", "list")
    return name == "history"


async def reread(
    services: Services, user_id: int | None, command: str, *, in_group: bool = False
) -> Answer | None:
    """A maintainer's list run again for a page button, None when `command` is no
    maintainer command. The presser's rights are checked again (in a group anyone may
    press), and only commands that change nothing are run."""
    parsed = parse_command(command)
    if parsed is None or parsed.name not in COMMANDS:
        return None
    if not _reads_only(parsed.name, parsed.args):
        return usage_answer("This button does not work any more.")
    outcome = await run(services, user_id, parsed.name, parsed.args, in_group=in_group)
    return outcome.answer


# --- adding stories ----------------------------------------------------------------


async def article_from_text(services: Services, intake: Intake, text: str) -> Article:
    """Pasted text or a single link; the link is fetched within the settings' limits."""
    settings = services.settings
    what = classify(text)
    if isinstance(what, Link):
        options = FetchOptions(
            max_bytes=settings.max_article_bytes, allow_private=settings.allow_private_urls
        )
        return await fetch_article(intake.web, what.url, options, intake.resolver)
    # Extraction from a large HTML paste is CPU work: off the event loop, so other
    # users' commands are answered meanwhile.
    return await asyncio.to_thread(parse_text, what, max_bytes=settings.max_article_bytes)


async def article_from_document(services: Services, data: bytes, file_name: str | None) -> Article:
    limit = services.settings.max_article_bytes
    return await asyncio.to_thread(parse_document, data, file_name, max_bytes=limit)


async def story_from_text(services: Services, intake: Intake, user_id: int, text: str) -> Outcome:
    """/addstory with a link or pasted text. A link already in the briefing is reported
    without fetching it again."""
    what = classify(text)
    if isinstance(what, Link):
        known = await services.store.sources.find_duplicate(what.url, content_hash="")
        if known is not None:
            return _already_present(known.id, known.title)
    return await add_story(services, user_id, await article_from_text(services, intake, text))


class _AlreadyPresent(Exception):
    def __init__(self, source_id: int, title: str | None) -> None:
        self.source_id = source_id
        self.title = title


async def add_story(services: Services, user_id: int, article: Article) -> Outcome:
    """Ingest the article as one audited change and answer with its preview; an article
    already present (same URL or text) is reported and nothing changes. The work is done
    by the story worker when the program has one (bot/story_worker.py), else here."""
    require_dates(article)
    store = services.store
    duplicate = await store.sources.find_duplicate(article.url, article.content_hash)
    if duplicate is not None:
        return _already_present(duplicate.id, duplicate.title)
    nonce = secrets.token_hex(4)
    if services.story_worker is not None:
        added = await services.story_worker.add(user_id, article, nonce)
    else:
        added = await store_story(store, user_id, article, nonce)
    if isinstance(added, StoryPresent):
        return _already_present(added.source_id, added.title)
    review = StoryReview(added.audit_id, added.source_id, user_id, nonce, "pending", None)
    return Outcome(added.preview, review=review)


@dataclass(frozen=True)
class StoryAdded:
    """A story stored by `store_story`: its audit entry, its source and its preview."""

    audit_id: int
    source_id: int
    preview: Answer


@dataclass(frozen=True)
class StoryPresent:
    """`store_story` found the article already in the briefing; nothing changed."""

    source_id: int
    title: str | None


async def store_story(
    store: Store, user_id: int, article: Article, nonce: str
) -> StoryAdded | StoryPresent:
    """Extract the article's events and store it with them as one audited change, with a
    pending review (`nonce` its buttons' token); what the preview shows is read before
    the commit."""
    # Both before the transaction: others keep writing meanwhile.
    prepared = await prepare_article(article)
    await ready_merge_index(store)
    # What the answer shows is read before the commit: once it lets other writers in, an
    # /undo, a /removestory or a /mergeevents sent meanwhile may take away the story or
    # its events before a preview read after it could show them.
    try:
        async with store.db.transaction() as conn:
            async with store.audit.change(
                user_id, "add story", "source:?", Scope(), discover=True
            ) as change:
                outcome = await store_article(store, prepared)
                if outcome.status != "added":
                    present = await store.sources.get(outcome.source_id)
                    raise _AlreadyPresent(present.id, present.title)
                change.scope = Scope.of(
                    sources=[outcome.source_id],
                    events=[*outcome.new_events, *outcome.supported_events],
                )
                change.target = f"source:{outcome.source_id}"
            assert change.entry_id is not None
            await store.reviews.create(conn, change.entry_id, outcome.source_id, user_id, nonce)
            preview = await _preview(store, outcome.source_id, outcome)
    except _AlreadyPresent as already:
        return StoryPresent(already.source_id, already.title)
    return StoryAdded(change.entry_id, outcome.source_id, preview)


def _already_present(source_id: int, title: str | None) -> Outcome:
    name = f"“{title_shown(title)}”" if title else "That article"
    return refusal(f"{name} is already in the briefing as story {source_id}; nothing changed.")


async def _preview(store: Store, source_id: int, outcome: Any) -> Answer:
    source = await store.sources.get(source_id)
    published = "unknown"
    if source.published:
        published = describe(source.published) + (
            " (inferred)" if source.published_inferred else ""
        )
    intro = (
        f"Outlet: {outlet_name(source)}",
        f"Published: {published}",
        f"{events_phrase(len(outcome.new_events), 'new')}; "
        f"{events_phrase(len(outcome.supported_events), 'existing')} it also supports.",
    )
    items: list[LineItem] = []
    for heading, ids in (
        ("New:", outcome.new_events),
        ("Also supported:", outcome.supported_events),
    ):
        if not ids:
            continue
        items.append(LineItem(heading))
        for event_id in ids[:PREVIEW_EVENTS]:
            event = await store.events.get(event_id)
            when = describe_span(event.date, event.end)
            items.append(LineItem(f"#{event.id} {when} — {_cut(event.summary, 150)}"))
        if len(ids) > PREVIEW_EVENTS:
            items.append(LineItem(f"…and {len(ids) - PREVIEW_EVENTS} more"))
    return Answer(
        title=f"Added story {source_id}: {title_shown(source.title) or outlet_name(source)}",
        intro=intro,
        items=tuple(items),
        empty="No dated events were found in it.",
        compact=True,
        footer=("Keep it, or Undo to remove it and everything it added.",),
    )


async def decide_story(
    services: Services,
    user_id: int | None,
    audit_id: int,
    nonce: str,
    keep: bool,
    *,
    in_group: bool = False,
) -> tuple[str, Answer | None]:
    """A Keep or Undo press: (short notice for the presser, new text for the preview or
    None to leave it as it is). Only the maintainer who added the story may decide, once."""
    store = services.store
    try:
        review = await store.reviews.get(audit_id)
    except NotFound:
        return "This button does not work any more.", None
    if not secrets.compare_digest(review.nonce, nonce):
        return "This button does not work any more.", None
    if user_id != review.actor:
        return "Only the maintainer who added this story can keep or undo it.", None
    if not await is_maintainer(services, user_id):
        return (
            "Sorry, only the briefing's maintainers can keep or undo a story, and you are no"
            " longer one."
        ), None
    if review.state != "pending":
        return f"Already decided: the story was {review.state}.", None
    if keep:
        target = f"source:{review.source_id}"
        try:
            async with store.audit.change(user_id, "keep story", target, Scope()) as change:
                # Decided first: an Undo pressed beside this one may have removed the story.
                if not await store.reviews.decide(change.conn, audit_id, "kept"):
                    raise Conflict("already decided")
                # Checked inside the transaction: a removal cannot slip in between.
                await store.sources.get(review.source_id)
        except Conflict:
            return await _already_decided(services, audit_id), None  # another press won
        except NotFound:
            return await _removed_meanwhile(services, Caller(user_id, in_group), review)
        return "Kept.", Answer(title=f"Story {review.source_id} is kept in the briefing.")
    try:
        async with store.db.transaction() as conn:
            # Decided first, in the undo's transaction: presses run side by side, and one
            # that read the review as pending before another decided must change nothing.
            if not await store.reviews.decide(conn, audit_id, "undone"):
                raise _Decided()
            await store.audit.undo(user_id, audit_id)
    except _Decided:
        return await _already_decided(services, audit_id), None
    except Conflict as exc:
        if not await _exists(services, review.source_id):
            return await _removed_meanwhile(services, Caller(user_id, in_group), review, "undo")
        return f"Cannot undo: {exc}.", None
    return "Undone.", Answer(
        title=f"Story {review.source_id} was undone: the briefing is as before."
    )


class _Decided(Exception):
    """Another press decided the review first."""


async def _already_decided(services: Services, audit_id: int) -> str:
    state = (await services.store.reviews.get(audit_id)).state
    return f"Already decided: the story was {state}."


async def _exists(services: Services, source_id: int) -> bool:
    try:
        await services.store.sources.get(source_id)
    except NotFound:
        return False
    return True


async def _removed_meanwhile(
    services: Services, caller: Caller, review: StoryReview, verb: str = "keep"
) -> tuple[str, Answer]:
    """Keep or Undo pressed on a story someone removed since: say so, and close the review
    (the story is out of the briefing, as an undo would have left it)."""
    store = services.store
    removal = await store.audit.latest(f"source:{review.source_id}", "remove story")
    who = ""
    if removal is not None and removal.actor == caller.user_id:
        who = " by you"
    elif removal is not None:
        name = _who(services, caller, removal.actor)  # no user ids in a group
        who = f" by {name}" if caller.in_group else f" by maintainer {removal.actor}"
    async with store.db.transaction() as conn:
        await store.reviews.decide(conn, review.audit_id, "undone")
    return "It was removed meanwhile.", Answer(
        title=f"Story {review.source_id} was removed from the briefing meanwhile{who}"
        f" (/removestory): there is nothing to {verb}."
    )


# --- the terminal ------------------------------------------------------------------

CONSOLE_ACTOR = 0  # who the audit log names for the terminal when no owner is configured


async def operator_answer(
    services: Services, text: str, intake: Intake | None = None
) -> Answer | None:
    """A maintainer command typed in `briefbot console` or `briefbot ask`, done as the
    owner (the operator runs the terminal); None when `text` is no maintainer command."""
    parsed = parse_command(text)
    if parsed is None or (parsed.name not in COMMANDS and parsed.name != "addstory"):
        return None
    owner = services.settings.owner
    actor = owner if owner is not None else CONSOLE_ACTOR
    if parsed.name != "addstory":
        return (await _execute(services, Caller(actor), parsed.name, parsed.args)).answer
    pasted = ADDSTORY_PREFIX.sub("", text.strip(), count=1).lstrip(" \t").removeprefix("\n")
    if not pasted.strip():
        return usage_answer(f"Usage: {USAGE['addstory']}")
    own = intake is None
    clients = intake or Intake()
    try:
        outcome = await story_from_text(services, clients, actor, pasted)
    except ArticleRejected as exc:
        return usage_answer(f"Not added: {exc}.")
    finally:
        if own:
            await clients.aclose()
    if outcome.review is None:
        return outcome.answer
    return replace(outcome.answer, footer=("Send /undo to remove it and what it added.",))
