"""Answers against a real store, filled through the store API (not through extraction)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from bot.answers import (
    IGNORED,
    SEARCH_LIMIT,
    SEARCH_SYNTAX_NOTE,
    Answer,
    ChatContext,
    CitationItem,
    EventItem,
    PlaceItem,
    Services,
    SourceItem,
    answer,
    every_page,
    parse_command,
)
from bot.render_html import render_pages
from bot.render_text import TEXT_LIMITS, render_text
from bot.render_text import render_pages as render_text_pages
from config.settings import Settings
from store import Store
from store.models import PlaceRef
from tests.bot.briefing import (
    MUCH_CITED_SUMMARY,
    add_article,
    add_event,
    more_regions,
    much_cited,
    sample_briefing,
)
from tests.fakes.bot_api import MESSAGE_LIMIT, parse_html, utf16_len

PRIVATE = ChatContext(chat_id=42, chat_type="private", user_id=42, bot_username="brief_bot")
GROUP = ChatContext(chat_id=-100, chat_type="supergroup", user_id=7, bot_username="brief_bot")


@pytest.fixture
def services(store: Store, settings: Settings) -> Services:
    return Services(store, settings)


@pytest.fixture
async def ids(store: Store) -> dict[str, int]:
    return await sample_briefing(store)


async def ask(services: Services, text: str, chat: ChatContext = PRIVATE) -> Answer:
    """The answer with the items of every page, as a reader paging to the end sees them."""
    pages = await every_page(services, chat, text)
    if len(pages) == 1:
        return pages[0]
    return replace(pages[0], items=tuple(item for page in pages for item in page.items))


def events_of(reply: Answer) -> list[EventItem]:
    return [i for i in reply.items if isinstance(i, EventItem)]


def citations_of(reply: Answer) -> list[CitationItem]:
    return [i for i in reply.items if isinstance(i, CitationItem)]


# --- parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "args", "to"),
    [
        ("/timeline", "timeline", "", None),
        ("/Timeline@Brief_Bot  2021   10", "timeline", "2021 10", "Brief_Bot"),
        ("/facility@other_bot Saratov", "facility", "Saratov", "other_bot"),
        ("  /event 12\n", "event", "12", None),
        ("/event_12", "event", "12", None),
        ("/Source_3@Brief_Bot", "source", "3", "Brief_Bot"),
        ("/event_12 more", "event", "12 more", None),  # refused by /event, not unknown
        ("/timeline_2021", "timeline_2021", "", None),
    ],
    ids=[
        "bare",
        "case-and-bot",
        "other-bot",
        "whitespace",
        "tapped",
        "tapped-to-bot",
        "tapped-with-words",
        "not-numbered",
    ],  # fmt: skip
)
def test_parse_command(text: str, name: str, args: str, to: str | None) -> None:
    parsed = parse_command(text)
    assert parsed is not None
    assert (parsed.name, parsed.args, parsed.addressed_to) == (name, args, to)


@pytest.mark.parametrize("text", ["hello", "", "/", "/ timeline", "//x", "/timeline@"])
def test_not_commands(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("typed", "title", "button"),
    [
        ("/timline 2021", "/timline. Did you mean /timeline?", "/timeline 2021"),
        ("/serch inquiry", "/serch. Did you mean /search?", "/search inquiry"),
        ("/Facilty Saratov", "/facilty. Did you mean /facility?", "/facility Saratov"),
        ("/subscrbe", "/subscrbe. Did you mean /subscribe?", None),  # Telegram's, not here
        ("/grafic on", "/grafic. Did you mean /graphic?", None),  # changes the chat
        ("/addstroy", "/addstroy.", None),  # a maintainer's command, for maintainers only
        ("/frobnicate", "/frobnicate.", None),
    ],
)
async def test_a_mistyped_command_is_told_the_one_meant(
    services: Services, typed: str, title: str, button: str | None
) -> None:
    """'/timline' was only an unknown command: the reader had to find the typo in /help."""
    reply = await ask(services, typed)
    assert reply.is_error
    assert reply.title == f"Unknown command {title} Send /help for the list."
    assert [b.command for b in reply.buttons] == ([button] if button else [])


async def test_words_after_a_tapped_command_are_its_own(services: Services, ids: dict) -> None:
    """'/event_2 extra' was an unknown command, and offered a button running '/event extra'."""
    reply = await ask(services, "/event_2 extra")
    assert reply.title.startswith("'2 extra' is not a number. Usage: /event N")
    assert not reply.buttons


@pytest.mark.parametrize(("typed", "meant"), [("/event5", "/event 5"), ("/source1", "/source 1")])
async def test_a_numbered_command_typed_without_its_underscore(
    services: Services, ids: dict, typed: str, meant: str
) -> None:
    assert render_text(await ask(services, typed)) == render_text(await ask(services, meant))


async def test_commands_for_another_bot_are_ignored(services: Services) -> None:
    assert await ask(services, "/timeline@other_bot", GROUP) is IGNORED
    assert await ask(services, "/timeline@BRIEF_BOT", GROUP) is not IGNORED


async def test_unknown_commands(services: Services) -> None:
    reply = await ask(services, "/frobnicate")
    assert reply.is_error and "Unknown command /frobnicate" in reply.title
    # In groups an unaddressed unknown command is probably for another bot.
    assert await ask(services, "/frobnicate", GROUP) is IGNORED
    assert (await ask(services, "/frobnicate@brief_bot", GROUP)).is_error
    assert await ask(services, "just chatting", GROUP) is IGNORED
    assert "/help" in (await ask(services, "just chatting")).title


# --- /start and /help -----------------------------------------------------------------


async def test_start_on_an_empty_briefing(services: Services) -> None:
    text = render_text(await ask(services, "/start"))
    assert "empty" in text and "Content note" in text


async def test_start_describes_the_stored_story(services: Services, ids: dict) -> None:
    text = render_text(await ask(services, "/start"))
    assert "5 events from 2020 to 7 Oct 2021, drawn from 2 articles by 2 outlets." in text
    # Separated as events' places are: "Saratov Oblast, Tuberculosis Hospital No. 1, Saratov
    # Oblast" read as three places when a facility's name held its region.
    assert "The places with most events: Saratov Oblast; Tuberculosis Hospital No. 1." in text


async def test_start_counts_one_of_a_kind_in_the_singular(
    store: Store, settings: Settings
) -> None:
    """ "1 events ... drawn from 1 articles by 1 outlets" read as a slip."""
    services = Services(store, settings)
    source = await add_article(store, "The governor resigned on 5 October 2021.")
    assert "It has 1 article but no events drawn from it yet." in render_text(
        await ask(services, "/start")
    )
    await add_event(store, source, "2021-10-05", "The governor resigns", ("The governor",))
    text = render_text(await ask(services, "/start"))
    assert "It holds 1 event from 5 Oct 2021 to 5 Oct 2021, drawn from 1 article by" in text
    assert " by 1 outlet." in text


async def test_start_follows_every_writer(
    store: Store, settings: Settings, ids: dict, db_path: Path
) -> None:
    """/start's counts are kept between questions (counting a million events took 50 ms)
    only until the briefing changes, whoever changes it: here `briefbot ingest` or a
    maintainer's bot in another process."""
    services = Services(store, settings)
    assert "5 events from 2020 to 7 Oct 2021," in render_text(await ask(services, "/start"))
    other = sqlite3.connect(db_path)
    with other:
        other.execute("UPDATE events SET hidden = 1 WHERE id = ?", (ids["case"],))
    other.close()
    assert "4 events from 2020 to" in render_text(await ask(services, "/start"))
    source = (await store.sources.list_all())[0]
    await add_event(store, source.id, "2022-01", "Later news", (source.text.split(".")[0],))
    assert "5 events from 2020 to Jan 2022," in render_text(await ask(services, "/start"))


async def test_start_leaves_background_history_out_of_the_range(
    store: Store, settings: Settings, ids: dict
) -> None:
    source = (await store.sources.list_all())[0]
    excerpt = source.text.split(".")[0]
    await add_event(store, source.id, "1937", "Remote history", (excerpt,), status="background")
    text = render_text(await ask(Services(store, settings), "/start"))
    assert "5 events from 2020 to 7 Oct 2021 (and 1 of background history)" in text


async def test_start_uses_the_story_setting(store: Store, settings: Settings, ids: dict) -> None:
    configured = settings.model_copy(update={"story": "abuse in a prison hospital"})
    text = render_text(await answer(Services(store, configured), PRIVATE, "/start"))
    assert "It covers: abuse in a prison hospital." in text


@pytest.mark.parametrize(
    ("payload", "title"),
    [
        ("facility_Saratov", "Events at Saratov Oblast"),
        ("facility_Tuberculosis_Hospital_No_1", "Events at Tuberculosis Hospital No. 1"),
        ("timeline_2021-10", "Timeline: Oct 2021"),
        ("sources", "Sources"),
    ],
    ids=["facility", "facility-words", "timeline", "sources"],
)
async def test_start_deep_links_open_the_answer(
    services: Services, ids: dict, payload: str, title: str
) -> None:
    assert (await ask(services, f"/start {payload}")).title == title


async def test_start_deep_link_to_an_event(services: Services, ids: dict) -> None:
    reply = await ask(services, f"/start event_{ids['case']}")
    assert [e.id for e in events_of(reply)] == [ids["case"]]


async def test_start_with_a_strange_payload_is_the_welcome(services: Services) -> None:
    assert (await ask(services, "/start <script>")).title == "Welcome"
    assert (await ask(services, "/start unknown_thing")).title == "Welcome"


async def test_help_depends_on_who_asks(services: Services) -> None:
    private = render_text(await ask(services, "/help"))
    assert "/timeline [from] [to]" in private and "/graphic on|off" in private


# --- /timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("", ["beatings", "leak", "torture", "case", "dismissal"]),
        ("2021", ["leak", "torture", "case", "dismissal"]),
        ("2020", ["beatings"]),
        ("2021-10", ["leak", "torture", "case", "dismissal"]),
        ("Oct 2021", ["leak", "torture", "case", "dismissal"]),
        ("October 2021", ["leak", "torture", "case", "dismissal"]),
        ("2021-10-06 2021-10-31", ["case", "dismissal"]),
        ("2021-10-01 2021-10-05", ["leak", "torture"]),
        ("5 Oct 2021", ["leak", "torture"]),
        ("2021-11", []),
        ("from 2021-10-06", ["case", "dismissal"]),
        ("since Oct 2021", ["leak", "torture", "case", "dismissal"]),
        ("until 2021-10-05", ["beatings", "leak", "torture"]),
        ("from 2020 to 5 Oct 2021", ["beatings", "leak", "torture"]),
        ("from 2020 until 2020", ["beatings"]),  # both ends, though the same
        ("from 2021-10-05 to 2021-10-05", ["leak", "torture"]),
        ("октябрь 2021", ["leak", "torture", "case", "dismissal"]),
        ("5 октября 2021", ["leak", "torture"]),
        ("с 6 окт 2021 по 7 октября 2021", ["case", "dismissal"]),
        ("до мая 2021", ["beatings"]),
        ("с 6 октября 2021 г. по 7 октября 2021 г.", ["case", "dismissal"]),  # was refused
        ("октябрь 2021 года", ["leak", "torture", "case", "dismissal"]),
        # Day first with dots, as Russian writes dates, and ISO with slashes: were refused.
        ("05.10.2021", ["leak", "torture"]),
        ("6.10.2021 - 7.10.2021", ["case", "dismissal"]),
        ("с 06.10.2021 по 07.10.2021", ["case", "dismissal"]),
        ("10.2021", ["leak", "torture", "case", "dismissal"]),
        ("2021/10/05", ["leak", "torture"]),
        ("2020/2021", ["beatings", "leak", "torture", "case", "dismissal"]),  # still a range
        # Hyphens as phones write them (hyphen, minus sign) and dashes: were "not a date".
        ("2021\u201010", ["leak", "torture", "case", "dismissal"]),
        ("2021\u221210", ["leak", "torture", "case", "dismissal"]),
        ("2021\u201310\u201305", ["leak", "torture"]),
        ("2020\u20132021", ["beatings", "leak", "torture", "case", "dismissal"]),  # a range
        # Days sharing the month and year of the date after them: were "'5' is not a date".
        ("6-7 Oct 2021", ["case", "dismissal"]),
        ("6\u20137 October 2021", ["case", "dismissal"]),
        ("6 to 7 Oct 2021", ["case", "dismissal"]),
        ("с 6 по 7 октября 2021", ["case", "dismissal"]),
        # Month and year with a slash, and a slashed day over 12: were "'10' is not a date".
        ("10/2021", ["leak", "torture", "case", "dismissal"]),
        ("from 10/2021 to 11/2021", ["leak", "torture", "case", "dismissal"]),
        ("10/13/2021", []),
        # Before and after leave out the date they name: were "'before' is not a date".
        ("before 6 Oct 2021", ["beatings", "leak", "torture"]),
        ("after 5 Oct 2021", ["case", "dismissal"]),
        ("before Oct 2021", ["beatings"]),
        ("before 2021", ["beatings"]),
        ("after 2020", ["leak", "torture", "case", "dismissal"]),
        ("после 5 октября 2021", ["case", "dismissal"]),
    ],
    ids=lambda v: str(v) or "all",
)
async def test_timeline_ranges(services: Services, ids: dict, args: str, expected: list) -> None:
    reply = await ask(services, f"/timeline {args}")
    assert not reply.is_error
    assert [e.id for e in events_of(reply)] == [ids[name] for name in expected]


@pytest.mark.parametrize(
    "args",
    [
        "2021-13",
        "yesterday",
        "2021-02-30",
        "2022 2021",
        "1 2 3",
        "2021 2022 2023",
        "from",
        "until 2020 2021",
        "until 2021 2021",
        "from from 2021",
        "<b>2021</b>",
        "0000",
        "0999-10-05",
        "сентябрь-октябрь 2021",  # was September alone: any word starting 'сен' was it
        "январь–март 2021",
        "мартовский 2021",
    ],
)
async def test_timeline_bad_dates_get_the_usage_line(services: Services, args: str) -> None:
    reply = await ask(services, f"/timeline {args}")
    assert reply.is_error
    assert "Usage: /timeline [from] [to]" in reply.title
    assert len(render_text(reply).splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ("until May", "'May' needs its year, e.g. 'May 2021'."),
        ("Октябрь", "'Октябрь' needs its year, e.g. 'Октябрь 2021'."),
        ("5 Oct", "'5 Oct' needs its year, e.g. '5 Oct 2021'."),  # was "'5' is not a date"
        ("Oct 5", "'Oct' needs its year, e.g. 'Oct 2021'."),
        ("soon", "'soon' is not a date."),
        ("32.10.2021", "There is no day 32 in Oct 2021."),
        ("2021-02-30", "There is no day 30 in Feb 2021."),
        ("from", "From when? Give a date after it."),
        ("before", "Before when? Give a date after it."),
        ("after 2020 2021", "Give one date after 'after'."),
        (
            "10/05/2021",
            "'10/05/2021' could be 10 May 2021 or 5 Oct 2021: write 2021-05-10 or 2021-10-05.",
        ),
    ],
)
async def test_timeline_refusals_keep_the_readers_words(
    services: Services, args: str, reason: str
) -> None:
    """The reason was capitalised as a whole, which lowered the rest of it: the reader's
    'May' came back as 'may', and 'Feb' and 'Give' lost their capitals."""
    reply = await ask(services, f"/timeline {args}")
    assert reply.title.startswith(f"{reason} Usage: /timeline")


async def test_paged_timeline_command_parses_back_to_the_same_range(
    services: Services, ids: dict
) -> None:
    for args in (
        "from Oct 2021",
        "until 2021-10-05",
        "Oct 2021 to Nov 2021",
        "2020",
        "before Oct 2021",
        "after 31 Dec 2020",
    ):
        first = await ask(services, f"/timeline {args}")
        assert first.command is not None
        again = await ask(services, first.command)
        assert (again.title, again.items) == (first.title, first.items), args


async def test_timeline_items_carry_what_the_reader_needs(services: Services, ids: dict) -> None:
    reply = await ask(services, "/timeline")
    by_id = {e.id: e for e in events_of(reply)}
    beatings, case, torture = by_id[ids["beatings"]], by_id[ids["case"]], by_id[ids["torture"]]
    assert (beatings.when, beatings.status) == ("2020", "alleged")
    assert case.status is None  # plain reporting has no label
    assert case.when == "6 Oct 2021"
    assert [c.outlet for c in case.citations] == ["Meduza", "The Moscow Times"]
    assert case.citations[0].url == "https://meduza.io/en/feature/2021/10/05/leak"
    assert torture.graphic and not reply.graphic_shown


async def test_spans_and_long_excerpts(services: Services, store: Store) -> None:
    text = "Protests went on from 3 to 9 October. " + "A very long excerpt. " * 40
    source = await add_article(store, text, outlet=None, url="https://www.example.org/a")
    event = await add_event(
        store, source, "2021-10-03", "Protests", (text.strip(),), end="2021-10-09"
    )
    [item] = events_of(await ask(services, "/timeline"))
    assert item.when == "3–9 Oct 2021"
    assert item.citations[0].outlet == "example.org"  # no outlet: the site's name
    assert item.citations[0].excerpt.endswith("…") and len(item.citations[0].excerpt) < 400
    [quote] = citations_of(await ask(services, f"/event {event}"))
    assert quote.citation.excerpt == text.strip()


# --- /facility and /facilities -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("Saratov", "Events at Saratov Oblast"),
        ("saratov oblast", "Events at Saratov Oblast"),
        ("SARATOV REGION", "Events at Saratov Oblast"),
        ("Саратов", "Events at Saratov Oblast"),
        ("Саратовская область", "Events at Saratov Oblast"),
        ("Saratof", "Events at Saratov Oblast"),
        ("OTB-1", "Events at Tuberculosis Hospital No. 1"),
        ("ОТБ-1", "Events at Tuberculosis Hospital No. 1"),
        ("Tuberculosis Hospital No. 1", "Events at Tuberculosis Hospital No. 1"),
        ("tuberculosis hospital #1", "Events at Tuberculosis Hospital No. 1"),
    ],
)
async def test_facility_names(services: Services, ids: dict, name: str, title: str) -> None:
    reply = await ask(services, f"/facility {name}")
    assert reply.title == title


async def test_a_region_includes_its_facilities(services: Services, ids: dict) -> None:
    reply = await ask(services, "/facility Saratov")
    assert {e.id for e in events_of(reply)} == {
        ids[n] for n in ("leak", "torture", "case", "dismissal", "beatings")
    }
    facility = await ask(services, "/facility OTB-1")
    assert {e.id for e in events_of(facility)} == {ids[n] for n in ("leak", "torture", "beatings")}


async def test_every_page_of_several_places_lists_events_at_all_of_them(
    services: Services, store: Store, ids: dict
) -> None:
    source = await add_article(
        store, "Something happened in Omsk in 2022.", url="https://news.test/omsk"
    )
    omsk = PlaceRef("Omsk Oblast", "region", None, ("Omsk", "Omsk region", "Omsk Oblast"))
    await add_event(store, source, "2022", "Something", ("Something happened",), places=(omsk,))
    pages = await every_page(services, PRIVATE, "/facility omsk saratov")
    assert len(pages) > 1
    assert {p.title for p in pages} == {"Events at Omsk Oblast; Saratov Oblast"}
    assert pages[0].intro == ("Including 1 place within them.",)
    listed = [e.id for page in pages for e in events_of(page)]
    everywhere = {e.id for e in await store.events.all()}
    assert sorted(listed) == sorted(everywhere)


async def test_place_names_holding_a_comma_stay_apart_in_an_event(
    services: Services, store: Store
) -> None:
    source = await add_article(store, "Guards were filmed.", url="https://news.test/comma")
    saratov = PlaceRef("Saratov Oblast", "region", None, ("Saratov",))
    hospital = PlaceRef("Hospital No. 1, Saratov Oblast", "facility", "Saratov Oblast")
    event = await add_event(
        store, source, "2021", "Filmed", ("Guards",), places=(saratov, hospital)
    )
    reply = await ask(services, f"/event {event}")
    shown = render_text(reply)
    assert "Places: Hospital No. 1, Saratov Oblast; Saratov Oblast" in shown
    assert "📍 Hospital No. 1, Saratov Oblast; Saratov Oblast" in parse_html(
        render_pages(reply)[0]
    )


async def test_unknown_place_offers_the_closest_as_buttons(services: Services, ids: dict) -> None:
    reply = await ask(services, "/facility Tuberculosis Hospital Samara")
    assert reply.is_error and "No place called" in reply.title
    assert reply.buttons
    assert reply.buttons[0].command == "/facility Tuberculosis Hospital No. 1"


@pytest.mark.parametrize(
    "name", ["IK-1", "SIZO-1", "Penal Colony No. 1", "Tuberculosis Hospital No. 2"]
)
async def test_another_facility_is_offered_not_answered_for(
    services: Services, ids: dict, name: str
) -> None:
    """A facility of another kind or number is no spelling slip: these were answered with
    the events at Tuberculosis Hospital No. 1."""
    reply = await ask(services, f"/facility {name}")
    assert reply.is_error and reply.title == f"No place called “{name}” in the briefing."
    assert [b.command for b in reply.buttons][:1] == ["/facility Tuberculosis Hospital No. 1"]


async def test_another_region_is_offered_not_answered_for(
    services: Services, store: Store
) -> None:
    """Tomsk is a region of its own: it was answered with the events in Omsk Oblast."""
    source = await add_article(store, "Something happened in Omsk in 2022.")
    omsk = PlaceRef("Omsk Oblast", "region", None, ("Omsk", "Omsk region", "Omskaya"))
    await add_event(store, source, "2022", "Something", ("Something happened",), places=(omsk,))
    for name in ("Tomsk", "Томск", "Tomsk region"):
        reply = await ask(services, f"/facility {name}")
        assert reply.is_error and reply.title == f"No place called “{name}” in the briefing."
        assert [b.command for b in reply.buttons] == ["/facility Omsk Oblast"]
    for slip in ("Omsk", "Omsck", "Омская"):
        assert (await ask(services, f"/facility {slip}")).title == "Events at Omsk Oblast"


@pytest.mark.parametrize("name", ["a", "<b>", "%", "Ok"])
async def test_a_letter_or_two_is_no_place(services: Services, ids: dict, name: str) -> None:
    reply = await ask(services, f"/facility {name}")
    assert reply.is_error and reply.title == f"No place called “{name}” in the briefing."
    assert not reply.buttons
    assert reply.intro == ("/facilities lists them all.",)  # no offer of nothing


async def test_facility_without_places_or_name(services: Services) -> None:
    assert "No places are known yet" in (await ask(services, "/facility Saratov")).title
    assert "Usage: /facility NAME" in (await ask(services, "/facility")).title


@pytest.mark.parametrize(
    ("name", "place"),
    [
        ("Tuber", "Tuberculosis Hospital No. 1"),
        ("тубер", "Tuberculosis Hospital No. 1"),
        ("ТУБЕРКУЛЁЗНАЯ", "Tuberculosis Hospital No. 1"),
        ("туберкулезной больнице", "Tuberculosis Hospital No. 1"),
        ("TB", "Tuberculosis Hospital No. 1"),
        ("Sarat", "Saratov Oblast"),
        ("Сарат", "Saratov Oblast"),
        ("сАРАТ", "Saratov Oblast"),
        ("Саратове", "Saratov Oblast"),
        ("в Саратовской области", "Saratov Oblast"),
        ("Омске", "Omsk Oblast"),
        ("Омской области", "Omsk Oblast"),
        ("Перми", "Perm Krai"),
        ("Пермском крае", "Perm Krai"),
    ],
)
async def test_partial_and_declined_russian_names(
    services: Services, store: Store, ids: dict, name: str, place: str
) -> None:
    """A Russian partial name or one in another case ('тубер', 'в Омске') found nothing
    where its English spelling found the place, or answered only by luck of the length."""
    await more_regions(store, {"Omsk Oblast": 1, "Perm Krai": 1})
    assert (await ask(services, f"/facility {name}")).title == f"Events at {place}"


async def test_a_partial_word_is_a_kind_of_place_only_where_no_name_starts_so(
    services: Services, store: Store, ids: dict
) -> None:
    """'Prov' starts 'province' (a region): with Provence in the briefing it was taken for
    'region' and answered with a choice of every region instead of Provence."""
    await more_regions(store, {"Omsk Oblast": 1})
    assert (await ask(services, "/facility Prov")).title == "“Prov” fits 2 places. Which one?"
    provence = PlaceRef("Provence", "region", None, ("Provence",))
    source = await add_article(store, "Guards were seen in Provence.", url="https://news.test/p")
    await add_event(store, source, "2022", "Guards", ("Guards were seen",), places=(provence,))
    assert (await ask(services, "/facility Prov")).title == "Events at Provence"


async def test_a_declined_name_of_another_region_is_still_no_slip(
    services: Services, store: Store, ids: dict
) -> None:
    await more_regions(store, {"Omsk Oblast": 1})
    reply = await ask(services, "/facility в Томске")
    assert reply.is_error and [b.command for b in reply.buttons] == ["/facility Omsk Oblast"]


async def test_a_word_many_places_share_asks_which_one(
    services: Services, store: Store, ids: dict
) -> None:
    """'/facility Oblast' answered for every oblast at once, a wall of events from all of
    them, and with fifty oblasts only for the first eight by name."""
    await more_regions(store, {"Omsk Oblast": 4, "Tomsk Oblast": 1, "Perm Krai": 2})
    for word in ("Oblast", "oblast", "область", "Region"):
        reply = await answer(services, PRIVATE, f"/facility {word}")
        assert reply.title == f"“{word}” fits 3 places. Which one?", word
        assert not events_of(reply)
        # Most events first; the hospital inside Saratov Oblast is in the region's answer.
        assert [(i.name, i.events) for i in reply.items if isinstance(i, PlaceItem)] == [
            ("Omsk Oblast", 4),
            ("Saratov Oblast", 3),
            ("Tomsk Oblast", 1),
        ]
        assert [b.command for b in reply.buttons] == [
            "/facility Omsk Oblast",
            "/facility Saratov Oblast",
            "/facility Tomsk Oblast",
        ]
    # Each choice answers for its place alone.
    for name in ("Omsk Oblast", "Saratov Oblast", "Tomsk Oblast"):
        assert (await ask(services, f"/facility {name}")).title == f"Events at {name}"
    # Two places of one kind are a choice as well; words naming places answer for them.
    await more_regions(store, {"Altai Krai": 1})
    assert (await ask(services, "/facility Krai")).title == "“Krai” fits 2 places. Which one?"
    both = await ask(services, "/facility omsk saratov")
    assert both.title == "Events at Omsk Oblast; Saratov Oblast"
    # A partial name fitting a region and a facility inside it answers for the region.
    assert (await ask(services, "/facility Sarat")).title == "Events at Saratov Oblast"


async def test_a_choice_of_places_in_plain_text_lists_the_places_before_the_commands(
    services: Services, store: Store
) -> None:
    """In the console (and Telegram's plain-text fallback) the commands to choose with came
    first, under "choose one below", and the places they choose among after them."""
    await more_regions(store, {"Omsk Oblast": 4, "Tomsk Oblast": 1})
    lines = render_text(await ask(services, "/facility Oblast")).splitlines()
    assert lines[:2] == [
        "“Oblast” fits 2 places. Which one?",
        "Most events first; choose one below.",
    ]
    listed = [n for n, line in enumerate(lines) if line.startswith("Omsk Oblast (region)")]
    commands = [n for n, line in enumerate(lines) if line.strip() == "/facility Omsk Oblast"]
    assert len(listed) == len(commands) == 1 and listed[0] < commands[0]
    assert lines[-1] == "  /facility Tomsk Oblast"


async def test_a_long_choice_of_places_is_paged(services: Services, store: Store) -> None:
    names = [f"Region{chr(ord('a') + n)} Oblast" for n in range(11)]
    await more_regions(store, {name: 1 for name in names})
    pages = await every_page(services, PRIVATE, "/facility Oblast")
    assert [p.title for p in pages] == ["“Oblast” fits 11 places. Which one?"] * 2
    listed = [i.name for p in pages for i in p.items if isinstance(i, PlaceItem)]
    assert listed == sorted(names)
    assert [len(p.buttons) for p in pages] == [8, 3]


async def test_facilities_count_events(services: Services, ids: dict) -> None:
    reply = await ask(services, "/facilities")
    counts = {i.name: i.events for i in reply.items if isinstance(i, PlaceItem)}
    assert counts == {"Saratov Oblast": 3, "Tuberculosis Hospital No. 1": 3}


async def test_a_country_is_listed_as_a_country(store: Store, services: Services) -> None:
    """A country is stored as a region with no region above it, as a Russian federal subject
    is: /facilities read 'France (region)'."""
    text = "The founder left for Paris in 2015. Activists met in Barcelona and Saratov."
    source = await add_article(store, text)
    places = (
        PlaceRef("France", "region", None, ()),
        PlaceRef("Catalonia", "region", "Spain", ()),
        PlaceRef("Saratov Oblast", "region", None, ()),
    )
    await add_event(store, source, "2015", "The founder left.", (text[:34],), places=places)
    reply = await ask(services, "/facilities")
    lines = render_text(reply).splitlines()
    assert "France (country) — 1 event" in lines
    assert "Catalonia (region, Spain) — 1 event" in lines
    assert "Saratov Oblast (region) — 1 event" in lines


# --- sources, events, search, latest, graphic --------------------------------------------


async def test_sources_and_one_source(services: Services, ids: dict) -> None:
    reply = await ask(services, "/sources")
    items = [i for i in reply.items if isinstance(i, SourceItem)]
    assert [(i.outlet, i.published, i.events) for i in items] == [
        ("Meduza", "5 Oct 2021", 3),
        ("The Moscow Times", "7 Oct 2021", 3),
    ]
    one = await ask(services, f"/source {ids['b']}")
    assert {e.id for e in events_of(one)} == {ids["case"], ids["dismissal"], ids["beatings"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/source", "Usage: /source N"),
        ("/source abc", "'abc' is not a number"),
        ("/source 999", "There is no source 999"),
        ("/event", "Which event? Give its number. Usage: /event N"),
        ("/event -1", "is not a number"),
        ("/event 99999999999999", "There is no event 99999999999999"),
        ("/event 404", "There is no event 404"),
        ("/event_" + "9" * 30, "There is no event 99999999999999999999… (30 digits)"),
        ("/source_" + "9" * 30, "There is no source 99999999999999999999… (30 digits)"),
        ("/search", "Search for what? Usage: /search WORDS"),
        ("/search ***", "Usage: /search WORDS"),
        ("/search _", "Search for what? Usage: /search WORDS"),  # was 'Nothing found'
        ("/graphic maybe", "Usage: /graphic on|off"),
        ("/timeline " + "2021 " * 100, "That is too long"),
    ],
)
async def test_malformed_arguments(services: Services, text: str, expected: str) -> None:
    reply = await ask(services, text)
    assert reply.is_error and expected in reply.title


async def test_an_event_number_with_leading_zeros_is_that_event(
    services: Services, ids: dict
) -> None:
    reply = await ask(services, f"/event {ids['case']:025d}")
    assert not reply.is_error and reply.title == f"Event {ids['case']}"


async def test_event_in_full(services: Services, ids: dict) -> None:
    reply = await ask(services, f"/event {ids['case']}")
    # The event's head, then each citation as an item of its own (so long lists page).
    [head, *quotes] = reply.items
    assert isinstance(head, EventItem) and head.summary == "Investigators open a criminal case"
    assert head.citations == () and head.more_citations == 0
    assert [(q.citation.outlet, q.citation.excerpt) for q in citations_of(reply)] == [
        ("Meduza", "Investigators opened a criminal case on 6 October 2021"),
        ("The Moscow Times", "Officials said an inquiry would follow."),
    ]
    assert len(quotes) == 2 and not reply.intro  # two citations: no count line


def _in_order_once(pages: list[str], excerpts: list[str]) -> bool:
    """Every excerpt appears on exactly one page, in citation order."""
    text = "\n".join(pages)
    if any(text.count(excerpt) != 1 for excerpt in excerpts):
        return False
    positions = [text.index(excerpt) for excerpt in excerpts]
    return positions == sorted(positions)


async def test_an_event_cited_hundreds_of_times_is_paged(services: Services, store: Store) -> None:
    event, excerpts = await much_cited(store, 150)
    reply = await answer(services, PRIVATE, f"/event {event}")
    assert reply.intro == ("Cited 300 times, in 150 articles.",)
    pages = [parse_html(page) for page in render_pages(reply)]  # as Telegram parses them
    assert len(pages) > 10
    assert all(utf16_len(page) <= MESSAGE_LIMIT for page in pages)
    assert MUCH_CITED_SUMMARY in pages[0] and "Saratov Oblast" in pages[0]
    assert _in_order_once(pages, excerpts)  # whole: nothing cut to make room
    # The console and `briefbot ask` show the same, every page.
    text_pages = render_text_pages(reply)
    assert all(len(page) <= TEXT_LIMITS.raw for page in text_pages)
    assert MUCH_CITED_SUMMARY in text_pages[0] and _in_order_once(text_pages, excerpts)
    assert f"— page {len(text_pages)}/{len(text_pages)} —" in render_text(reply)


@pytest.mark.parametrize(
    ("typed", "plain", "shows"),
    [
        ("/search ｔｏｒｔｕｒｅｄ", "/search tortured", "/event 2"),  # fullwidth
        ("/search tor\u00adtured", "/search tortured", "/event 2"),  # soft hyphen
        ("/search tor\u200btured\u200e", "/search tortured", "/event 2"),
        ("/search ｉｎｑｕｉｒｙ\u3000criminal", "/search inquiry criminal", "criminal case"),
        # Marks no letter takes: piled on ('Zalgo' text), or a Russian stress mark.
        ("/search i\u0337n\u0338q\u0334u\u0335i\u0336r\u0337y\u0338", "/search inquiry",
         "criminal case"),
        ("/facility Сара\u0301тов", "/facility Саратов", "Events at Saratov Oblast"),
        ("/facility Ｓａｒａｔｏｖ", "/facility Saratov", "Events at Saratov Oblast"),
        ("/facility ＯＴＢ－１", "/facility OTB-1", "Events at Tuberculosis Hospital No. 1"),
        ("/timeline ２０２１－１０", "/timeline 2021-10", "Timeline: Oct 2021"),
        ("/event ３", "/event 3", "Investigators open a criminal case"),
        ("/source ①", "/source 1", "Source 1"),
    ],
    ids=["fullwidth", "soft-hyphen", "zero-width", "ideographic-space", "zalgo", "stress",
         "place", "facility", "date", "event", "circled"],
)  # fmt: skip
async def test_compatibility_letters_read_as_plain_ones(
    services: Services, ids: dict, typed: str, plain: str, shows: str
) -> None:
    """'/search ｔｏｒｔｕｒｅ' and '/facility Ｏｍｓｋ' found nothing: a phone's wide
    keyboard, a copied text's invisible marks make other characters of the same words."""
    expected = render_text(await ask(services, plain))
    assert shows in expected
    assert render_text(await ask(services, typed)) == expected


async def test_search_best_first(services: Services, ids: dict) -> None:
    reply = await ask(services, "/search criminal case")
    assert [e.id for e in events_of(reply)][0] == ids["case"]
    assert not events_of(await ask(services, "/search zebra"))
    # FTS syntax from users is text, not operators.
    assert not (await ask(services, '/search "NEAR(a b)" OR *')).is_error


async def test_search_reads_a_possessive_as_its_word(services: Services, ids: dict) -> None:
    found = [e.id for e in events_of(await ask(services, "/search case"))]
    assert found
    for query in ("case's", "Case’s", "CASE'S"):
        assert [e.id for e in events_of(await ask(services, f"/search {query}"))] == found


async def test_search_words_of_underscores_alone_are_no_words(
    services: Services, ids: dict
) -> None:
    """'_' is a word character to Python but no word to the index: '/search prisoners _'
    searched for an empty word too and found nothing, where 'prisoners' finds events."""
    found = [e.id for e in events_of(await ask(services, "/search prisoners"))]
    assert found
    assert [e.id for e in events_of(await ask(services, "/search prisoners _ __"))] == found


@pytest.mark.parametrize(
    ("query", "noted"),
    [
        ("torture -videos", True),  # found events WITH 'videos', the opposite of what was meant
        ("tortur*", True),  # found nothing, as if nothing began so
        ('"criminal case"', True),
        ("torture OR beatings", True),  # looked for the word 'or' too
        ("summary:torture", True),
        ("NEAR(criminal case)", True),
        ("criminal case", False),
        ("prison's co-operation (Saratov) 10:30", False),
    ],
)
async def test_search_says_operators_are_plain_words(
    services: Services, ids: dict, query: str, noted: bool
) -> None:
    """Search syntax was silently read as words: '/search torture -videos' listed the
    events with videos, and 'tortur*' found nothing, without a word on why."""
    reply = await ask(services, f"/search {query}")
    assert (SEARCH_SYNTAX_NOTE in reply.intro) is noted


async def test_search_says_when_it_lists_only_the_best_matches(
    services: Services, store: Store
) -> None:
    source = await add_article(store, "Guards searched the cells.")
    for n in range(SEARCH_LIMIT + 10):
        await add_event(store, source, "2021", f"Search {n} of the cells", ("Guards searched",))
    await add_event(store, source, "2021", "A hidden search", ("Guards searched",))
    async with store.db.transaction() as conn:
        await conn.execute("UPDATE events SET hidden = 1 WHERE summary = 'A hidden search'")
    reply = await ask(services, "/search search")
    assert reply.intro == (
        f"{SEARCH_LIMIT + 10} events match: the best {SEARCH_LIMIT} are listed."
        " More words narrow the search.",
    )
    assert len(events_of(reply)) == SEARCH_LIMIT
    assert (await ask(services, "/search search 7")).intro == ()  # "Search 7 …" only


async def test_latest_newest_first(services: Services, store: Store, ids: dict) -> None:
    # An event added after the sample's: its change time is the latest or ties it within
    # the second (the sample's last step cites an older event again), and its id is the
    # highest. The beatings, added last but one, came first only when no second passed.
    source = await add_article(store, "A new report came in.", url="https://news.test/new")
    newest = await add_event(store, source, "2022", "A new report", ("A new report came in.",))
    reply = await ask(services, "/latest")
    assert [e.id for e in events_of(reply)][0] == newest


async def test_graphic_is_per_chat(services: Services, store: Store, ids: dict) -> None:
    other = ChatContext(chat_id=43, chat_type="private")
    assert "shown in full" in (await ask(services, "/graphic on")).title
    assert (await ask(services, f"/event {ids['torture']}")).graphic_shown
    assert not (await ask(services, f"/event {ids['torture']}", other)).graphic_shown
    assert "hidden" in (await ask(services, "/graphic off")).title
    assert not (await ask(services, f"/event {ids['torture']}")).graphic_shown
    assert "are hidden behind spoilers" in (await ask(services, "/graphic")).title


async def test_hidden_events_stay_hidden(services: Services, store: Store, ids: dict) -> None:
    async with store.db.transaction() as conn:
        await store.events.update(conn, ids["case"], hidden=1)
    assert ids["case"] not in [e.id for e in events_of(await ask(services, "/timeline"))]
    assert (await ask(services, f"/event {ids['case']}")).is_error


async def test_an_event_merged_into_another_points_to_it(
    services: Services, store: Store, ids: dict
) -> None:
    """/event_N links in earlier replies outlive a merge, and a digest told readers
    'Merged into /event_M': the merged event's number answered 'There is no event N', as
    if the link had been wrong."""
    keep, gone, then = ids["leak"], ids["torture"], ids["case"]
    await store.corrections.merge_events(1001, keep, gone)
    reply = await ask(services, f"/event {gone}")
    assert reply.is_error
    assert reply.title == f"Event {gone} was merged into event {keep}: /event_{keep}"
    await store.corrections.merge_events(1001, then, keep)  # merged on: the last one
    assert (await ask(services, f"/event {gone}")).title.endswith(f": /event_{then}")
    async with store.db.transaction() as conn:
        await store.events.update(conn, then, hidden=1)
    hidden = await ask(services, f"/event {gone}")
    assert hidden.title == f"There is no event {gone}. /timeline lists them."


async def test_bad_input_changes_nothing(services: Services, store: Store, ids: dict) -> None:
    before = (await store.events.all(), await store.sources.list_all())
    for text in ["/event '; DROP TABLE events; --", "/facility <b>", "/search \x00\x01", "/"]:
        await ask(services, text)
    assert (await store.events.all(), await store.sources.list_all()) == before


async def test_places_alias_from_extraction_shape(services: Services, store: Store) -> None:
    # The extraction gives regions aliases like these; any of them finds the region.
    source = await add_article(store, "Something happened in Omsk in 2022.")
    omsk = PlaceRef("Omsk Oblast", "region", None, ("Omsk", "Omsk region", "Omsk Oblast"))
    await add_event(store, source, "2022", "Something", ("Something happened",), places=(omsk,))
    for name in ("omsk", "Омск", "Omsk region", "Омская область"):
        assert (await ask(services, f"/facility {name}")).title == "Events at Omsk Oblast", name


async def test_only_group_admins_change_graphic_for_the_group(
    services: Services, store: Store, ids: dict
) -> None:
    member = GROUP
    admin = ChatContext(
        chat_id=GROUP.chat_id, chat_type="supergroup", user_id=8, is_chat_admin=True
    )
    refused = await ask(services, "/graphic on", member)
    assert refused.is_error and "admins" in refused.title
    assert not await store.chats.graphic_shown(-100)
    assert "are hidden" in (await ask(services, "/graphic", member)).title  # reading is fine
    assert "shown in full" in (await ask(services, "/graphic on", admin)).title
    assert await store.chats.graphic_shown(-100)
