"""Chat commands turned into structured answers, independent of Telegram.

`answer(services, chat, text)` parses "/cmd@botname args", runs the command and returns
an `Answer`: title and intro lines, a list of items (events, sources, places, lines),
optional buttons that run another command, and whether the answer can be paged.
`bot/telegram/render_html.py` and `bot/render_text.py` turn the same `Answer` into what
a reader sees, so every command behaves the same in Telegram, the console and
`briefbot ask`.

To add a command: a row in `bot/commands.py` and a handler in `HANDLERS` below.
Handlers raise `UsageError` for bad arguments; any other exception is a bug and goes
to the caller's error handling (in Telegram: the one error handler).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from bot import commands
from bot.dates import DateArgError, describe, describe_range, describe_span, parse_range
from bot.pages import (
    FIRST_PAGE,
    PageGone,
    PageRequest,
    Paging,
    event_key,
    keyset_page,
    numbered_page,
    page_slice,
    parse_event_key,
    parse_source_key,
    source_key,
)
from bot.placematch import fits_alike, outermost, resolve
from config.settings import Settings
from ingest.article import OUTLET_CHARS, TITLE_CHARS, clip
from ingest.places import canonical_region
from store import Store
from store.errors import NotFound
from store.events import SEARCH_WINDOW, EventKey, EventScope, SearchResult
from store.models import Event, Place, Source, SourceInfo
from store.places import normalise_alias
from store.sources import SourceKey

if TYPE_CHECKING:
    from bot.story_worker import StoryWorker

# Claim statuses shown next to an event; "reported" is plain reporting and has no label.
STATUS_LABELS = {
    "alleged": "alleged",
    "unverified": "unverified",
    "confirmed": "confirmed",
    "background": "background",
}
LIST_CITATIONS = 2  # excerpts shown per event in lists; /event N shows all
LIST_EXCERPT_CHARS = 320  # longer excerpts are cut in lists (never in /event N)
LATEST_COUNT = 10
SEARCH_LIMIT = 50
# Between place names: a facility's name may hold a comma ("Prison No. 2, Tver Oblast").
PLACE_SEPARATOR = "; "
MAX_ARGS_CHARS = 200  # longer arguments are refused before any work is done
# Items per page. Lists are read from the store one page at a time, so a page holds a
# fixed number of items (each shortened if the page would not fit in a message).
EVENTS_PER_PAGE = 4
SOURCES_PER_PAGE = 8
LINES_PER_PAGE = 32
CHOICES_PER_PAGE = 8  # places to choose from: each is a button as well


# --- what the answer is made of ---------------------------------------------------


@dataclass(frozen=True)
class Services:
    """What answers need from the running program."""

    store: Store
    settings: Settings
    # Adds /addstory's articles in a child process (`briefbot run`); None: in this one.
    story_worker: StoryWorker | None = None


@dataclass(frozen=True)
class ChatContext:
    """Who asks, and where. chat_id None means no stored chat (nothing per-chat applies)."""

    chat_id: int | None
    chat_type: str = "private"  # private | group | supergroup | channel | console
    user_id: int | None = None
    bot_username: str | None = None  # to tell "/cmd@us" from "/cmd@otherbot"
    is_maintainer: bool = False
    is_chat_admin: bool | None = None  # in groups, when checked; None: not known

    @property
    def is_group(self) -> bool:
        return self.chat_type in ("group", "supergroup")


@dataclass(frozen=True)
class CitationView:
    excerpt: str
    outlet: str  # the outlet's name, or the site's host when the outlet is unknown
    url: str | None
    source_id: int
    published: str | None  # as shown: "5 Oct 2021"


@dataclass(frozen=True)
class EventItem:
    id: int
    when: str  # "5 Oct 2021", "Oct 2021", "5–12 Oct 2021"
    summary: str
    status: str | None  # a label when the claim is not plain reporting
    attribution: str | None
    places: tuple[str, ...]
    citations: tuple[CitationView, ...]
    more_citations: int  # citations left out of this view (see /event N)
    graphic: bool


@dataclass(frozen=True)
class SourceItem:
    id: int
    outlet: str
    title: str | None
    url: str | None
    published: str | None
    published_inferred: bool
    events: int


@dataclass(frozen=True)
class PlaceItem:
    name: str
    kind: str
    region: str | None
    events: int


@dataclass(frozen=True)
class LineItem:
    text: str


@dataclass(frozen=True)
class CitationItem:
    """One citation of the event /event N shows: an item of its own, so that an event
    cited hundreds of times is paged like any long list instead of crammed into one."""

    citation: CitationView
    graphic: bool  # the event's: hidden behind a spoiler unless the chat chose otherwise


WITHDRAWN = "Withdrawn from the briefing."


@dataclass(frozen=True)
class WithdrawnItem:
    """An event taken out of the briefing since readers' last digest, as they last saw it."""

    id: int
    when: str
    summary: str
    into: int | None  # merged into this event
    graphic: bool
    heading: str | None = None  # above the first of them


Item = EventItem | SourceItem | PlaceItem | LineItem | CitationItem | WithdrawnItem


@dataclass(frozen=True)
class Button:
    label: str
    command: str  # the command text pressing it runs, e.g. "/facility Saratov Oblast"


@dataclass(frozen=True)
class Answer:
    title: str
    intro: tuple[str, ...] = ()
    items: tuple[Item, ...] = ()
    empty: str | None = None  # shown instead of items when there are none
    footer: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    command: str | None = None  # canonical command text; re-running it rebuilds the answer
    graphic_shown: bool = False  # the chat chose to see graphic excerpts unhidden
    link_previews: bool = False
    compact: bool = False  # one line per item (commands, places)
    ignored: bool = False  # not for this bot (e.g. /cmd@otherbot): send nothing
    is_error: bool = False  # a usage hint or refusal
    paging: Paging | None = None  # one page of a longer list, read from the store
    page_gone: bool = False  # the requested page does not exist (any more)


IGNORED = Answer(title="", ignored=True)
PAGE_GONE = Answer(title="This list has expired. Send the command again.", page_gone=True)


class UsageError(ValueError):
    """The arguments are missing or malformed; the message says what is wrong."""


# --- parsing the message ----------------------------------------------------------


@dataclass(frozen=True)
class ParsedCommand:
    name: str  # lower case, without slash or @bot
    args: str
    addressed_to: str | None  # the @botname part, if any


COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+(.*))?$", re.S)


# "/event_5": Telegram makes a command a reader can tap only of a word, so replies write
# commands with a number in this form, and it means "/event 5".
# Any number of digits: a number too large for any event is the handler's to refuse, as in
# "/event 123...".
# Typed without the underscore ("/event5"), it means the same.
NUMBERED_COMMAND = re.compile(r"(event|source)_?([0-9]+)")


def numbered(command: str, number: int) -> str:
    """The tappable form of '/event 5'."""
    return f"/{command}_{number}"


def parse_command(text: str) -> ParsedCommand | None:
    """'/timeline@bot 2021' -> ParsedCommand('timeline', '2021', 'bot'); None if not a command."""
    match = COMMAND_RE.match(text.strip())
    if match is None:
        return None
    name, bot, args = match.groups()
    name, args = name.lower(), " ".join((args or "").split())
    tapped = NUMBERED_COMMAND.fullmatch(name)
    if tapped is not None:
        # Words after it are the command's too: "/event_5 please" is "/event 5 please",
        # refused as no number, not an unknown command offering "/event please".
        name, number = tapped.groups()
        args = f"{number} {args}".rstrip()
    return ParsedCommand(name, args, bot)


# Invisible marks a reader's keyboard or a copied text leaves inside words: they split a
# word in two for search and place names (stored texts lose the first four on ingest).
INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# Accents left over once composed (NFKC): no letter takes them ('Сарáтов' with a stress
# mark, text 'Zalgo' piles on letters). They cut a word in two for search. Only these
# generic blocks: other scripts' own vowel marks are part of their words.
LOOSE_ACCENTS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def reader_args(args: str) -> str:
    """A reader command's arguments as every command reads them: compatibility forms as
    plain letters and digits (NFKC: 'ｔｏｒｔｕｒｅ' -> 'torture', '２０２１' -> '2021'),
    without invisible marks or accents no letter takes, spaces collapsed. Only readers'
    commands: an article pasted after /addstory is stored exactly as sent."""
    composed = unicodedata.normalize("NFKC", args)
    return " ".join(LOOSE_ACCENTS.sub("", INVISIBLE.sub("", composed)).split())


def is_for_us(parsed: ParsedCommand, chat: ChatContext) -> bool:
    if parsed.addressed_to is None or chat.bot_username is None:
        return True
    return parsed.addressed_to.casefold() == chat.bot_username.casefold()


# --- the dispatcher ---------------------------------------------------------------

Handler = Callable[[Services, ChatContext, str, PageRequest], Awaitable[Answer]]


async def answer(
    services: Services, chat: ChatContext, text: str, page: PageRequest = FIRST_PAGE
) -> Answer:
    """The answer to one chat message (IGNORED when it is not for this bot); for lists,
    the requested page of it."""
    parsed = parse_command(text)
    if parsed is None:
        if chat.is_group:
            return IGNORED  # group chatter is not addressed to us
        return await _not_a_command(services, text)
    if not is_for_us(parsed, chat):
        return IGNORED
    handler = HANDLERS.get(parsed.name)
    if handler is None:
        if chat.is_group and parsed.addressed_to is None:
            return IGNORED  # probably another bot's command
        return _unknown_command(parsed, chat)
    args = reader_args(parsed.args)
    if len(args) > MAX_ARGS_CHARS:
        return usage_answer(f"That is too long. {commands.usage_hint(parsed.name)}")
    try:
        return await handler(services, chat, args, page)
    except PageGone:
        return PAGE_GONE
    except UsageError as exc:
        reason = str(exc).rstrip(".")
        # A reason that ends in its own question or exclamation mark needs no full stop.
        reason = f"{reason} " if reason.endswith(("?", "!")) else f"{reason}. " if reason else ""
        return usage_answer(f"{reason}{commands.usage_hint(parsed.name)}")


COMMAND_SLIP = 75  # a name this close to a command's is that command mistyped ("/timline")


def _unknown_command(parsed: ParsedCommand, chat: ChatContext) -> Answer:
    """'Unknown command /timline. Did you mean /timeline?': the closest command the sender
    may use, when one is close; a reader's command also as a button, with the arguments."""
    audiences = [commands.EVERYONE, commands.CHAT_ADMINS]
    if chat.is_maintainer:
        audiences.append(commands.MAINTAINERS)
    names = [command.name for command in commands.for_audience(*audiences)]
    close = process.extractOne(parsed.name, names, scorer=fuzz.ratio, score_cutoff=COMMAND_SLIP)
    meant = f" Did you mean /{close[0]}?" if close else ""
    refusal = usage_answer(f"Unknown command /{parsed.name}.{meant} Send /help for the list.")
    args = reader_args(parsed.args)
    if close is None or len(args) > MAX_ARGS_CHARS:
        return refusal
    # A button only for commands that just read: a button's command is answered here,
    # without the admin check /graphic needs or the Telegram side digests have.
    if HANDLERS.get(close[0]) in (None, cmd_digests_elsewhere, cmd_graphic):
        return refusal
    corrected = f"/{close[0]} {args}".strip()
    return replace(refusal, buttons=(Button(corrected, corrected),))


async def _not_a_command(services: Services, text: str) -> Answer:
    """Words sent without a command in a private chat: the commands that would find
    something for them, as buttons ('Saratov' -> /facility Saratov, /search Saratov)."""
    refusal = usage_answer("I answer commands. Send /help for the list.")
    words = reader_args(text)
    if len(words) > MAX_ARGS_CHARS or not re.search(r"[^\W_]", words):
        return refusal  # a pasted article, or no word to look for
    meant = []
    matched, _suggestions = resolve(words, await services.store.places.list_all())
    if matched:
        meant.append(Button(f"/facility {words}", f"/facility {words}"))
    if (await services.store.events.search_ids(words, limit=1)).ids:
        meant.append(Button(f"/search {words}", f"/search {words}"))
    if not meant:
        return refusal
    return replace(
        refusal,
        title="I answer commands. Did you mean one of these? /help lists them all.",
        buttons=tuple(meant),
    )


async def every_page(services: Services, chat: ChatContext, text: str) -> list[Answer]:
    """The answer and each following page of it, as a reader pressing ▶ to the end would
    see them: for terminals, which have no buttons."""
    pages = [await answer(services, chat, text)]
    while (follow := _next_page(pages[-1])) is not None:
        assert pages[-1].command is not None
        pages.append(await answer(services, chat, pages[-1].command, follow))
    return pages


def _next_page(reply: Answer) -> PageRequest | None:
    if reply.paging is None or reply.command is None or reply.page_gone:
        return None
    return reply.paging.next


def usage_answer(line: str) -> Answer:
    return Answer(title=line, is_error=True)


async def graphic_shown(services: Services, chat: ChatContext) -> bool:
    if chat.chat_id is None:
        return False
    return await services.store.chats.graphic_shown(chat.chat_id)


# --- building items ---------------------------------------------------------------


def _host(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return host.removeprefix("www.") if host else None


def outlet_name(source: Source | SourceInfo) -> str:
    return clip(source.outlet or _host(source.url) or f"source {source.id}", OUTLET_CHARS)


def title_shown(title: str | None) -> str | None:
    """A stored title as headers show it: no longer than ingestion keeps titles now
    (articles stored before that may have longer ones)."""
    return clip(title, TITLE_CHARS) if title else title


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:") + "…"


async def _cited_sources(services: Services, events: list[Event]) -> dict[int, SourceInfo]:
    ids = {c.source_id for e in events for c in e.citations}
    return await services.store.sources.info(sorted(ids))


def event_item(
    event: Event, sources: dict[int, Source] | dict[int, SourceInfo], *, full: bool
) -> EventItem:
    """An event as shown: in lists a few excerpts, cut; in full every citation."""
    shown = event.citations if full else event.citations[:LIST_CITATIONS]
    views = []
    for citation in shown:
        source = sources.get(citation.source_id)
        excerpt = citation.excerpt if full else _cut(citation.excerpt, LIST_EXCERPT_CHARS)
        views.append(
            CitationView(
                excerpt=" ".join(excerpt.split()),
                outlet=outlet_name(source) if source else f"source {citation.source_id}",
                url=source.url if source else None,
                source_id=citation.source_id,
                published=describe(source.published) if source and source.published else None,
            )
        )
    return EventItem(
        id=event.id,
        when=describe_span(event.date, event.end),
        summary=event.summary,
        status=STATUS_LABELS.get(event.status),
        attribution=event.attribution,
        places=event.places,
        citations=tuple(views),
        more_citations=len(event.citations) - len(shown),
        graphic=event.graphic,
    )


async def _event_items(services: Services, events: list[Event]) -> tuple[EventItem, ...]:
    sources = await _cited_sources(services, events)
    return tuple(event_item(e, sources, full=False) for e in events)


# --- pages --------------------------------------------------------------------------


async def _event_page(
    services: Services,
    chat: ChatContext,
    scope: EventScope,
    page: PageRequest,
    **fields: Any,
) -> Answer:
    """One page of a list of events, read from the store by key."""
    repo = services.store.events

    async def read(after: EventKey | None, before: EventKey | None, limit: int) -> list[Event]:
        return await repo.page(scope, after=after, before=before, limit=limit)

    async def count(cap: int) -> int:
        return await repo.count(scope, cap=cap)

    events, paging = await keyset_page(
        page, EVENTS_PER_PAGE, parse_event_key, event_key, read, count
    )
    return Answer(
        items=await _event_items(services, events),
        graphic_shown=await graphic_shown(services, chat),
        paging=paging,
        **fields,
    )


def _positive_int(args: str, what: str) -> int:
    text = args.strip().lstrip("#")
    if not text:
        raise UsageError(f"Which {what}? Give its number")
    # ASCII digits: \d would take other scripts' digits as well.
    if not re.fullmatch(r"[0-9]+", text):
        raise UsageError(f"{args.strip()[:40]!r} is not a number")
    if len(text.lstrip("0")) > 18:  # past SQLite's integers: no such row can exist
        raise UsageError(f"There is no {what} {long_number(text)}")
    return int(text)


def long_number(digits: str) -> str:
    """A number as typed, or its first digits and how many when it would fill the line."""
    return digits if len(digits) <= 24 else f"{digits[:20]}… ({len(digits)} digits)"


# --- the commands -----------------------------------------------------------------


async def story_overview(services: Services) -> list[str]:
    """What the briefing covers, derived from what is stored (or BRIEFBOT_STORY)."""
    store = services.store
    news, first, last = await store.events.span(background=False)
    background, first_background, last_background = await store.events.span(background=True)
    articles, names, unnamed_urls = await store.sources.outlets()
    lines = []
    story = (services.settings.story or "").strip().rstrip(".")
    if story:
        lines.append(f"It covers: {story}.")
    if not news + background:
        if articles:
            them = "it" if articles == 1 else "them"
            has = counted(articles, "article")
            lines.append(f"It has {has} but no events drawn from {them} yet.")
        else:
            lines.append("The briefing is empty for now: no articles have been added yet.")
        return lines
    # Background history (a story's remote past) would stretch the range to its start.
    if not news:
        news, first, last, background = background, first_background, last_background, 0
    assert first is not None and last is not None
    outlets = {name for name in names if name} | {_host(url) for url in unnamed_urls}
    places = [place.name for place, _n in (await store.places.event_counts())[:3]]
    history = f" (and {background} of background history)" if background else ""
    lines.append(
        f"It holds {events_phrase(news)} from {describe(first)} to {describe(last)}{history},"
        f" drawn from {counted(articles, 'article')} by {counted(len(outlets), 'outlet')}."
    )
    if places:
        # Separated as events' places are: a facility's name holds its region after a comma.
        lines.append(f"The places with most events: {PLACE_SEPARATOR.join(places)}.")
    title = title_shown(await store.sources.latest_title())
    if title and not story:
        lines.append(f"Latest article added: “{title}”.")
    return lines


# Commands a t.me/<bot>?start=<command>_<args> link may open.
DEEP_LINKS = {"facility", "event", "timeline", "source", "search", "latest", "sources",
              "facilities"}  # fmt: skip


async def cmd_start(services: Services, chat: ChatContext, args: str, page: PageRequest) -> Answer:
    if args:
        # Deep links: t.me/bot?start=facility_Saratov_Oblast opens that answer directly.
        kind, _, rest = args.partition("_")
        target = kind.lower()
        if target in DEEP_LINKS and re.fullmatch(r"[A-Za-z0-9_-]{0,64}", args):
            command = f"/{target} {rest.replace('_', ' ')}".strip()
            return await answer(services, chat, command, page)
    note = services.settings.content_note.strip()
    intro = [
        "This bot keeps a dated briefing on a developing news story. Every event it "
        "lists cites the article excerpts it rests on, with a link to each article.",
        *await story_overview(services),
    ]
    if note:
        intro.append(f"Content note: {note}")
    footer = ("Try /timeline, /facilities, /sources or /search WORDS; /help lists every command.",)
    return Answer(title="Welcome", intro=tuple(intro), footer=footer, command="/start")


async def cmd_help(services: Services, chat: ChatContext, args: str, page: PageRequest) -> Answer:
    # Chat admins' commands are listed everywhere: in a private chat its user is the admin.
    audiences = [commands.EVERYONE, commands.CHAT_ADMINS]
    if chat.is_maintainer:
        audiences.append(commands.MAINTAINERS)
    items = []
    for command in commands.for_audience(*audiences):
        labelled = command.audience == commands.MAINTAINERS or (
            command.audience == commands.CHAT_ADMINS and chat.is_group
        )
        who = f" ({command.audience})" if labelled else ""
        items.append(LineItem(f"{command.usage} — {command.description}{who}"))
    return Answer(title="Commands", items=tuple(items), command="/help", compact=True)


async def cmd_timeline(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    try:
        span = parse_range(args)
    except DateArgError as exc:
        # Only its first letter raised: str.capitalize() lowers the rest, and the reason
        # quotes the reader's words ("'May' is not a date") and names months ("Feb 2021").
        reason = str(exc)
        raise UsageError(reason[:1].upper() + reason[1:]) from None
    return await _event_page(
        services,
        chat,
        EventScope(span.start, span.end),
        page,
        title="Timeline" if span.is_open else f"Timeline: {describe_range(span)}",
        empty="The briefing has no events yet." if span.is_open else "No events in that period.",
        command=f"/timeline {span.as_args()}".strip(),
    )


def _places_in(everything: list[Place], matched: list[Place]) -> list[Place]:
    """The matched places and the cities and facilities inside matched regions."""
    regions = {p.name.casefold() for p in matched if p.kind == "region"}
    inside = [p for p in everything if p.region and p.region.casefold() in regions]
    return list({p.id: p for p in [*matched, *inside]}.values())


async def cmd_facility(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    if not args:
        raise UsageError("Which place?")
    places = await services.store.places.list_all()
    if not places:
        return Answer(
            title="No places are known yet: the briefing has no events tied to a place.",
            is_error=True,
        )
    # Three names are offered even when none is close, from the same scoring.
    matched, suggestions = resolve(args, places, fallback=3)
    if not matched:
        offer = "Did you mean one of these? " if suggestions else ""
        return Answer(
            title=f"No place called “{args}” in the briefing.",
            intro=(f"{offer}/facilities lists them all.",),
            buttons=tuple(Button(p.name, f"/facility {p.name}") for p in suggestions),
            is_error=True,
        )
    matched = outermost(matched)
    if fits_alike(args, matched):
        # A word their names share ('Oblast'): the reader chooses among those with events,
        # unless one is named exactly (a choice's own button) or only one has events.
        named = [p for p in matched if normalise_alias(p.name) == normalise_alias(args)]
        counts = await _event_counts(services)
        with_events = [p for p in matched if p.id in counts]
        if not named and len(with_events) > 1:
            return _which_place(args, with_events, counts, page)
        matched = named or with_events or matched
    scope = _places_in(places, matched)
    names = PLACE_SEPARATOR.join(p.name for p in matched)
    inside = len(scope) - len(matched)
    within = "it" if len(matched) == 1 else "them"
    intro = (f"Including {counted(inside, 'place')} within {within}.",) if inside else ()
    return await _event_page(
        services,
        chat,
        EventScope(place_ids=tuple(p.id for p in scope)),
        page,
        title=f"Events at {names}",
        intro=intro,
        empty="No events at this place.",
        # The reader's own words: they resolve to the same places when the next page is
        # asked for, where one place's name would lose the others.
        command=f"/facility {args}",
    )


def _place_item(place: Place, events: int) -> PlaceItem:
    """A place as a reader reads it. A country abroad is stored as a region with no region
    above it, as a Russian federal subject is; "France (region)" misled, so it is a country."""
    kind = place.kind
    if kind == "region" and place.region is None and canonical_region(place.name) is None:
        kind = "country"
    return PlaceItem(place.name, kind, place.region, events)


async def _event_counts(services: Services) -> dict[int, int]:
    """Visible events per place, by place id (places without any left out)."""
    return {place.id: n for place, n in await services.store.places.event_counts()}


def _which_place(
    args: str, places: list[Place], counts: dict[int, int], page: PageRequest
) -> Answer:
    """The places a word fits alike, most events first, each a button answering for it."""
    ranked = sorted(places, key=lambda p: (-counts[p.id], p.name.casefold()))
    items = tuple(_place_item(p, counts[p.id]) for p in ranked)
    paging = numbered_page(items, page, CHOICES_PER_PAGE)
    shown = page_slice(items, paging, CHOICES_PER_PAGE)
    return Answer(
        title=f"“{args}” fits {len(items)} places. Which one?",
        intro=("Most events first; choose one below.",),
        items=shown,
        compact=True,
        buttons=tuple(Button(item.name, f"/facility {item.name}") for item in shown),
        paging=paging,
        command=f"/facility {args}",
    )


async def cmd_facilities(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    counts = await services.store.places.event_counts()
    items = tuple(_place_item(p, n) for p, n in counts)
    paging = numbered_page(items, page, LINES_PER_PAGE)
    return Answer(
        title="Places in the briefing",
        items=page_slice(items, paging, LINES_PER_PAGE),
        paging=paging,
        compact=True,
        empty="No places are known yet.",
        footer=("/facility NAME shows the events at one of them.",) if items else (),
        command="/facilities",
    )


def _source_item(source: Source | SourceInfo, counts: dict[int, int]) -> SourceItem:
    """One article as a list line, with how many visible events it supports."""
    return SourceItem(
        id=source.id,
        outlet=outlet_name(source),
        title=title_shown(source.title),
        url=source.url,
        published=describe(source.published) if source.published else None,
        published_inferred=source.published_inferred,
        events=counts.get(source.id, 0),
    )


def events_phrase(n: int, kind: str = "") -> str:
    """'1 event', '3 events', '1 new event': the one wording for counts of events."""
    return counted(n, f"{kind} event" if kind else "event")


def counted(n: int, noun: str) -> str:
    """'1 article', '3 articles': a count with its noun ("1 articles" read as a slip)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


async def cmd_sources(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    repo = services.store.sources

    async def read(
        after: SourceKey | None, before: SourceKey | None, limit: int
    ) -> list[SourceInfo]:
        return await repo.page(after=after, before=before, limit=limit)

    async def count(cap: int) -> int:
        return await repo.count(cap=cap)

    sources, paging = await keyset_page(
        page, SOURCES_PER_PAGE, parse_source_key, source_key, read, count
    )
    counts = await repo.event_counts([s.id for s in sources])
    items = tuple(_source_item(s, counts) for s in sources)
    return Answer(
        title="Sources",
        items=items,
        paging=paging,
        empty="No articles have been added yet.",
        footer=("/source N lists the events one article supports.",) if items else (),
        command="/sources",
    )


async def cmd_source(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    source_id = _positive_int(args, "source")
    try:
        source = await services.store.sources.get(source_id)
    except NotFound:
        return usage_answer(f"There is no source {source_id}. /sources lists them.")
    answer_ = await _event_page(
        services,
        chat,
        EventScope(source_id=source_id),
        page,
        title=f"Source {source.id}",
        empty="This article supports no events.",
        command=f"/source {source_id}",
    )
    if page.number > 1:
        return answer_
    counts = await services.store.sources.event_counts([source_id])
    return replace(answer_, items=(_source_item(source, counts), *answer_.items))


async def cmd_event(services: Services, chat: ChatContext, args: str, page: PageRequest) -> Answer:
    event_id = _positive_int(args, "event")
    try:
        event = await services.store.events.get(event_id, include_hidden=False)
    except NotFound:
        return await _event_gone(services, event_id)
    sources = await _cited_sources(services, [event])
    full = event_item(event, sources, full=True)
    # The event's head first, then each citation as an item: the pages split between
    # citations, and the summary is never squeezed to make room for them.
    head = replace(full, citations=())
    cited = tuple(CitationItem(view, event.graphic) for view in full.citations)
    return Answer(
        title=f"Event {event.id}",
        intro=_citation_count(full.citations),
        items=(head, *cited),
        graphic_shown=await graphic_shown(services, chat),
        command=f"/event {event_id}",
    )


MERGE_HOPS = 10  # merged into an event later merged on, and so on; a cycle ends here


async def _event_gone(services: Services, event_id: int) -> Answer:
    """An event number /event does not find: where a merge took it, if the event it went
    into (or the one that went into later) is still shown. Earlier replies and digests
    link the old number."""
    current = event_id
    for _hop in range(MERGE_HOPS):
        into = await services.store.audit.merged_into(current)
        if into is None:
            break
        current = into
        try:
            await services.store.events.get(current, include_hidden=False)
        except NotFound:
            continue
        return usage_answer(
            f"Event {event_id} was merged into event {current}: {numbered('event', current)}"
        )
    return usage_answer(f"There is no event {event_id}. /timeline lists them.")


def _citation_count(citations: tuple[CitationView, ...]) -> tuple[str, ...]:
    """'Cited 300 times, in 150 articles.' when there are more citations than lists show."""
    if len(citations) <= LIST_CITATIONS:
        return ()
    articles = len({c.source_id for c in citations})
    return (f"Cited {len(citations)} times, in {counted(articles, 'article')}.",)


async def cmd_search(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    if not re.search(r"[^\W_]", args):  # a letter or digit: '_' alone is no word to search
        raise UsageError("Search for what?")
    found = await services.store.events.search_ids(args, limit=SEARCH_LIMIT)
    paging = numbered_page(found.ids, page, EVENTS_PER_PAGE)
    events = await services.store.events.by_ids(page_slice(found.ids, paging, EVENTS_PER_PAGE))
    syntax = (SEARCH_SYNTAX_NOTE,) if SEARCH_SYNTAX.search(args) else ()
    return Answer(
        items=await _event_items(services, events),
        graphic_shown=await graphic_shown(services, chat),
        paging=paging if found.ids else None,
        intro=(*syntax, *_search_scope(found)),
        title=f"Search: {args}",
        empty="Nothing found. Try fewer or other words.",
        command=f"/search {args}",
    )


# What readers bring from search engines and SQLite's own syntax. Every word is searched
# for as typed (store/events.py quotes each), so '-videos' found the events WITH videos and
# 'tortur*' nothing at all: the reply says so instead of leaving the reader to guess.
SEARCH_SYNTAX = re.compile(r'["*^]|(?:^|\s)[-+]\w|\b(?:AND|OR|NOT|NEAR)\b|[^\W\d_]:\w')
SEARCH_SYNTAX_NOTE = (
    "Search looks for events holding every word as typed: quotes, -, *, OR and NEAR are not"
    " operators here."
)


def _search_scope(found: SearchResult) -> tuple[str, ...]:
    """Say when the list is not every match, and which part of them it is."""
    if found.broad:
        return (
            f"Over {SEARCH_WINDOW} events match: the {len(found.ids)} added most recently come"
            " first. More words narrow the search.",
        )
    if found.matches > len(found.ids):
        return (
            f"{found.matches} events match: the best {len(found.ids)} are listed."
            " More words narrow the search.",
        )
    return ()


async def cmd_latest(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    events = await services.store.events.latest(LATEST_COUNT)
    return Answer(
        items=await _event_items(services, events),
        graphic_shown=await graphic_shown(services, chat),
        title="Latest additions",
        empty="The briefing has no events yet.",
        command="/latest",
    )


async def cmd_graphic(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    choice = args.strip().lower()
    if chat.chat_id is None:
        return usage_answer("This setting belongs to a chat.")
    if choice not in ("on", "off"):
        shown = await services.store.chats.graphic_shown(chat.chat_id)
        state = "shown" if shown else "hidden behind spoilers"
        raise UsageError(f"Graphic excerpts are {state} in this chat")
    if chat.is_group and not chat.is_chat_admin:
        # The setting applies to everyone in the group, so only its admins choose.
        return usage_answer("Only the group's admins can change this for the group.")
    await services.store.chats.ensure(chat.chat_id, chat.chat_type)
    await services.store.chats.set_graphic(chat.chat_id, choice == "on")
    if choice == "on":
        return Answer(title="Graphic excerpts will be shown in full in this chat.")
    return Answer(title="Graphic excerpts will be hidden behind spoilers in this chat.")


async def cmd_digests_elsewhere(
    services: Services, chat: ChatContext, args: str, page: PageRequest
) -> Answer:
    """Digest commands configure a Telegram chat; see bot/telegram/digests.py."""
    return usage_answer(
        "Digests are delivered to Telegram chats and channels: send this command to the bot "
        "in Telegram."
    )


HANDLERS: dict[str, Handler] = {
    "start": cmd_start,
    "help": cmd_help,
    "timeline": cmd_timeline,
    "facility": cmd_facility,
    "facilities": cmd_facilities,
    "sources": cmd_sources,
    "source": cmd_source,
    "event": cmd_event,
    "search": cmd_search,
    "latest": cmd_latest,
    "graphic": cmd_graphic,
    "subscribe": cmd_digests_elsewhere,
    "unsubscribe": cmd_digests_elsewhere,
    "digest": cmd_digests_elsewhere,
    "timezone": cmd_digests_elsewhere,
}
