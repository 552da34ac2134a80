"""The maintainers' service without Telegram: previews, decisions, the terminal, downloads."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace

import aiosqlite
import httpx
import pytest

from bot.answers import Answer, ChatContext, LineItem, Services, answer
from bot.console import answer_plain
from bot.maintenance import PREVIEW_EVENTS, add_story, decide_story, id_ranges, run
from config.settings import Settings
from ingest.errors import ArticleRejected
from ingest.fetch import download_limited
from ingest.submission import parse_document, parse_text
from store import Store
from store.models import NewEvent, PlaceRef
from store.reviews import StoryReview
from tests.bot.briefing import much_cited, sample_briefing
from tests.store.rows import dump

OWNER, OTHER = 1001, 1002


def _extract(text: str, published: str | None, **_: object) -> list[NewEvent]:
    """One event per 'On YYYY-MM-DD, ...' sentence, whatever extraction's quality."""
    return [
        NewEvent(m.group(1), None, m.group(2), citations=((m.start(), m.end()),))
        for m in re.finditer(r"On (\d{4}-\d\d-\d\d), ([^.]+\.)", text)
    ]


@pytest.fixture(autouse=True)
def extraction(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("ingest.pipeline.extract_events", _extract)
    yield


def _story(n: int, year: int = 2021) -> str:
    return " ".join(f"On {year}-10-{day:02d}, thing {day} happened." for day in range(1, n + 1))


async def test_preview_marks_an_inferred_date_and_counts_what_it_leaves_out(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ingest.pipeline.publication_date", lambda article: ("2021-10-20", True))
    services = Services(store, settings)
    outcome = await add_story(services, OWNER, parse_text(_story(PREVIEW_EVENTS + 3)))
    answer = outcome.answer
    assert "Published: 20 Oct 2021 (inferred)" in answer.intro
    lines = [item.text for item in answer.items]  # type: ignore[union-attr]
    assert lines[0] == "New:"
    assert len(lines) == 1 + PREVIEW_EVENTS + 1
    assert lines[-1] == "…and 3 more"
    assert outcome.review is not None and outcome.review.state == "pending"


async def test_undo_button_refuses_when_the_story_was_corrected_since(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    outcome = await add_story(services, OWNER, parse_text(_story(2)))
    assert outcome.review is not None
    [first, _second] = await store.events.all()
    await store.corrections.edit_event(1002, first.id, "summary", summary="Corrected.")
    after = await dump(store)
    notice, new_text = await decide_story(
        services, OWNER, outcome.review.audit_id, outcome.review.nonce, keep=False
    )
    assert notice == "Cannot undo: what it changed has been changed again since."
    assert new_text is None
    assert await dump(store) == after
    assert (await store.reviews.get(outcome.review.audit_id)).state == "pending"


async def test_the_terminal_acts_as_the_owner(store: Store, settings: Settings) -> None:
    before = await dump(store)
    text = await answer_plain(store, settings, "/addstory " + _story(2))
    assert "Added story 1" in text and "Send /undo to remove it" in text
    [entry] = await store.audit.all()
    assert (entry.actor, entry.action) == (OWNER, "add story")
    assert (await answer_plain(store, settings, "/undo")).startswith("Undone: add story")
    assert await dump(store) == before
    refused = await answer_plain(store, settings, "/addstory No dates here at all.")
    assert refused.startswith("Not added: no dates in that text")


def _streaming_transport(body: bytes, status: int = 200) -> httpx.MockTransport:
    async def chunks() -> object:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=chunks())  # type: ignore[arg-type]

    return httpx.MockTransport(handler)


SECRET_URL = "https://files.example/file/bot123:SECRET/documents/doc1"


async def test_download_is_cut_off_while_streaming_and_never_repeats_the_url() -> None:
    async with httpx.AsyncClient(transport=_streaming_transport(b"x" * 50_000)) as client:
        with pytest.raises(ArticleRejected) as caught:
            await download_limited(client, SECRET_URL, 20_000)
    assert str(caught.value) == "the file is too large (over 20,000 bytes)"
    async with httpx.AsyncClient(transport=_streaming_transport(b"", 404)) as client:
        with pytest.raises(ArticleRejected) as caught:
            await download_limited(client, SECRET_URL, 20_000)
    assert str(caught.value) == "the file could not be downloaded (HTTP 404)"
    assert "SECRET" not in str(caught.value)


async def test_download_within_the_limit_is_returned_whole() -> None:
    async with httpx.AsyncClient(transport=_streaming_transport(b"y" * 5_500)) as client:
        assert await download_limited(client, SECRET_URL, 20_000) == b"y" * 5_500


async def _other_writers_go_on_while(
    store: Store, settings: Settings, started: threading.Event, release: threading.Event
) -> None:
    """Add a two-event story whose slow step (patched by the caller) sets `started` and
    waits for `release`: meanwhile a reader's /graphic choice is saved."""
    adding = asyncio.create_task(
        add_story(Services(store, settings), OWNER, parse_text(_story(2)))
    )
    try:
        assert await asyncio.to_thread(started.wait, 30)
        await asyncio.wait_for(store.chats.ensure(42, "private"), timeout=5)
        await asyncio.wait_for(store.chats.set_graphic(42, True), timeout=5)
        assert await store.chats.graphic_shown(42)
        assert not adding.done()
    finally:
        release.set()
    outcome = await adding
    assert outcome.review is not None
    assert len(await store.events.all()) == 2


async def test_extracting_a_story_does_not_hold_up_other_writers(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a large story is being extracted, a reader's /graphic choice is still saved."""
    extracting, release = threading.Event(), threading.Event()

    def slow_extract(text: str, published: str | None, **_: object) -> list[NewEvent]:
        extracting.set()
        release.wait(timeout=30)
        return _extract(text, published)

    monkeypatch.setattr("ingest.pipeline.extract_events", slow_extract)
    await _other_writers_go_on_while(store, settings, extracting, release)


async def test_inferring_a_story_s_date_does_not_hold_up_the_bot(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading the publication date out of a long page takes seconds (thousands of dates):
    meanwhile other readers are answered. It ran on the event loop, which stopped them."""
    inferring, release = threading.Event(), threading.Event()

    def slow_date(article: object) -> tuple[str | None, bool]:
        inferring.set()
        release.wait(timeout=10)
        return "2021-10-20", True

    monkeypatch.setattr("ingest.pipeline.publication_date", slow_date)
    await _other_writers_go_on_while(store, settings, inferring, release)


async def test_undoing_a_removal_after_the_article_came_back_is_refused_cleanly(
    store: Store, settings: Settings
) -> None:
    """The owner removes a story, another maintainer adds the same article again, the owner
    undoes the removal: restoring it would duplicate the article, so nothing changes."""
    services = Services(store, settings)
    first = await add_story(services, OWNER, parse_text(_story(2)))
    assert first.review is not None
    removed = await run(services, OWNER, "removestory", str(first.review.source_id))
    assert removed.answer.title.startswith(f"Removed story {first.review.source_id}")
    again = await add_story(services, OTHER, parse_text(_story(2)))
    assert again.review is not None and again.review.source_id != first.review.source_id
    before = await dump(store)
    for _ in range(2):  # the entry stays the owner's last change: same answer, no crash
        undo = await run(services, OWNER, "undo", "")
        assert undo.answer.is_error
        assert undo.answer.title.startswith(
            f"That article is in the briefing again as story {again.review.source_id} ("
        )
        assert await dump(store) == before
    assert [e.action for e in await store.audit.all()][-1] == "add story"


async def test_a_change_that_cannot_be_undone_does_not_block_older_ones(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    ids = await sample_briefing(store)
    leak, case = ids["leak"], ids["case"]
    first = await store.corrections.edit_event(OWNER, leak, "summary", summary="Mine first.")
    await store.corrections.edit_event(OWNER, case, "summary", summary="Mine second.")
    await store.corrections.edit_event(OTHER, case, "summary", summary="Theirs.")
    blocked = (await run(services, OWNER, "undo", "")).answer
    assert blocked.is_error and blocked.title == (
        "What it changed has been changed again since"
        f" (edit summary, event {case}; /history shows who)."
        f" Your change before it is #{first} (edit summary, event {leak}):"
        f" /undo #{first} reverts it."
    )
    undone = await run(services, OWNER, "undo", f"#{first}")
    assert undone.answer.title == f"Undone: edit summary (event {leak})."
    assert (await store.events.get(leak)).summary != "Mine first."
    assert (await store.events.get(case)).summary == "Theirs."
    again = (await run(services, OWNER, "undo", "")).answer
    assert again.title.endswith("You have no earlier change to undo.")


async def test_a_story_can_be_undone_after_later_stories_at_the_same_place(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every story of a briefing tends to name its main place: a later story's event there
    does not touch what an earlier story changed, so the earlier one can still be undone."""

    def at_the_plant(text: str, published: str | None, **_: object) -> list[NewEvent]:
        return [
            replace(d, places=(PlaceRef("Tver", "region"),)) for d in _extract(text, published)
        ]

    monkeypatch.setattr("ingest.pipeline.extract_events", at_the_plant)
    services = Services(store, settings)
    await add_story(services, OWNER, parse_text("On 2021-10-01, the plant stopped work."))
    before = await dump(store)
    second = await add_story(services, OWNER, parse_text("On 2021-10-02, a meeting was held."))
    third = await add_story(services, OWNER, parse_text("On 2021-10-05, the court ruled."))
    assert second.review is not None and third.review is not None
    undone = (await run(services, OWNER, "undo", f"#{second.review.audit_id}")).answer
    assert undone.title == "Undone: add story (source 2)."
    assert [e.summary for e in await store.events.all()] == [
        "the plant stopped work.",
        "the court ruled.",
    ]
    await run(services, OWNER, "undo", f"#{third.review.audit_id}")
    assert await dump(store) == before


@pytest.mark.parametrize(
    ("args", "reply"),
    [
        ("#999", "There is no change #999."),
        ("abc", "'abc' is not a change number."),
        ("#{theirs}", "Change #{theirs} is not yours: /undo reverts your own changes."),
    ],
)
async def test_undo_of_a_numbered_change_refuses_what_is_not_yours_to_undo(
    store: Store, settings: Settings, args: str, reply: str
) -> None:
    services = Services(store, settings)
    ids = await sample_briefing(store)
    theirs = await store.corrections.edit_event(OTHER, ids["leak"], "summary", summary="X.")
    before = await dump(store)
    answer = (await run(services, OWNER, "undo", args.format(theirs=theirs))).answer
    assert answer.is_error and answer.title.startswith(reply.format(theirs=theirs))
    assert await dump(store) == before


async def test_the_console_survives_a_failing_command(
    store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot import console

    lines = iter(["/timeline", "/help"])

    def typed(prompt: str = "") -> str:
        line = next(lines, None)
        if line is None:
            raise EOFError
        return line

    real = console.answer_plain
    calls: list[str] = []

    async def first_fails(store_: Store, settings_: Settings, line: str) -> str:
        calls.append(line)
        if len(calls) == 1:
            raise RuntimeError("a bug in one command")
        return await real(store_, settings_, line)

    monkeypatch.setattr("builtins.input", typed)
    monkeypatch.setattr(console, "answer_plain", first_fails)
    settings = Settings(db=store.db.path, maintainers=[OWNER], _env_file=None)  # type: ignore[call-arg]
    await console.run_console(store, settings)
    out = capsys.readouterr().out
    assert "Sorry, something went wrong." in out
    assert "Commands" in out  # the next command was still answered
    assert calls == ["/timeline", "/help"]


async def test_a_place_named_twice_is_set_once(store: Store, settings: Settings) -> None:
    ids = await sample_briefing(store)
    services = Services(store, settings)
    outcome = await run(services, OWNER, "editevent", f"{ids['case']} place OTB-1, otb-1")
    assert outcome.answer.title == (
        f"Event {ids['case']}: place is now Tuberculosis Hospital No. 1."
    )
    assert (await store.events.get(ids["case"])).places == ("Tuberculosis Hospital No. 1",)


async def test_places_whose_names_hold_a_comma_are_given_and_shown_apart(
    store: Store, settings: Settings
) -> None:
    """A facility's name ends with its region after a comma: separated by commas, the
    reply 'place is now Hospital No. 1, Saratov Oblast, Saratov Oblast' read as three."""
    ids = await sample_briefing(store)
    async with store.db.transaction() as conn:
        await store.places.ensure(
            conn, PlaceRef("Hospital No. 1, Saratov Oblast", "facility", "Saratov Oblast")
        )
    services = Services(store, settings)
    outcome = await run(
        services, OWNER, "editevent", f"{ids['case']} place Hospital No. 1, Saratov Oblast; OTB-1"
    )
    assert outcome.answer.title == (
        f"Event {ids['case']}: place is now Hospital No. 1, Saratov Oblast;"
        " Tuberculosis Hospital No. 1."
    )
    assert (await store.events.get(ids["case"])).places == (
        "Hospital No. 1, Saratov Oblast",
        "Tuberculosis Hospital No. 1",
    )


REFUSED_ARGUMENTS = {
    "only commas": ("editevent", "{case} place ,", "Give the place names, comma-separated, or"),
    "full-width year": ("editevent", "{case} date ２０２１", "A date is written 2021-10-05"),
    "arabic-indic day": ("editevent", "{case} date 2021-10-0٥", "A date is written 2021-10-05"),
    "year 0000": ("editevent", "{case} date 0000", "The year is one from 1000 to 2999."),
    "year 3021 in a span": (
        "editevent",
        "{case} date 2021..3021-01",
        "The year is one from 1000 to 2999.",
    ),
    "full-width user id": ("maintainer", "add ６１２３４５６７８９", "is not a Telegram user id"),
    "16-digit user id": (
        "maintainer",
        "add 1234567890123456",
        "There is no Telegram user 1234567890123456.",
    ),
    "arabic-indic event": ("hideevent", "٣", "is not an event number"),
    # Telegram user ids start at 1: "0 is now a maintainer." stored a user who cannot be.
    "user id 0": ("maintainer", "add 000", "'000' is not a Telegram user id number."),
    # Summaries readers would see as blank.
    "invisible summary": ("editevent", "{case} summary \u200b\u200b", "A summary needs words"),
    "control characters": ("editevent", "{case} summary \x00\x01 .", "A summary needs words"),
    "blank attribution": ("editevent", "{case} attribution \u200b.", "A source needs words"),
    "long attribution": ("editevent", "{case} attribution " + "x" * 121, "A source is at most"),
}


@pytest.mark.parametrize("case", list(REFUSED_ARGUMENTS), ids=list(REFUSED_ARGUMENTS))
async def test_arguments_in_other_scripts_or_out_of_range_are_refused(
    store: Store, settings: Settings, case: str
) -> None:
    ids = await sample_briefing(store)
    name, args, expected = REFUSED_ARGUMENTS[case]
    before = await dump(store)
    outcome = await run(Services(store, settings), OWNER, name, args.format(**ids))
    assert outcome.answer.is_error and expected in outcome.answer.title, outcome.answer.title
    assert await dump(store) == before
    assert await store.audit.all() == []


async def test_maintainer_list_may_be_written_in_capitals(
    store: Store, settings: Settings
) -> None:
    """'/maintainer LIST' was told to say add or remove, though 'ADD' is taken."""
    listed = await run(Services(store, settings), OWNER, "maintainer", "LIST")
    assert listed.answer.title == "Maintainers:"
    assert [item.text for item in listed.answer.items] == [  # type: ignore[union-attr]
        f"{OWNER} (owner)",
        f"{OTHER}",
    ]


async def test_a_summary_keeps_its_words_without_control_characters(
    store: Store, settings: Settings
) -> None:
    ids = await sample_briefing(store)
    outcome = await run(
        Services(store, settings), OWNER, "editevent", f"{ids['case']} summary Case\x00 opened"
    )
    assert outcome.answer.title == f"Event {ids['case']}: summary is now Case opened."
    assert (await store.events.get(ids["case"])).summary == "Case opened"


async def test_a_ten_digit_telegram_id_can_be_added_and_removed(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    added = await run(services, OWNER, "maintainer", "add 6123456789")
    assert (added.answer.title, added.menu_user) == ("6123456789 is now a maintainer.", 6123456789)
    assert await store.maintainers.contains(6123456789)
    removed = await run(services, OWNER, "maintainer", "remove 6123456789")
    assert removed.answer.title == "6123456789 is no longer a maintainer."
    assert not await store.maintainers.contains(6123456789)


async def test_an_event_number_past_nine_digits_is_no_such_event(
    store: Store, settings: Settings
) -> None:
    await sample_briefing(store)
    services = Services(store, settings)
    chat = ChatContext(chat_id=None)
    assert (await answer(services, chat, "/event 99999999999")).title == (
        "There is no event 99999999999. /timeline lists them."
    )
    huge = await answer(services, chat, "/event " + "9" * 30)
    assert huge.is_error and huge.title.startswith(f"There is no event {'9' * 20}… (30 digits). ")
    # A number shown whole is not marked as cut ("…." read as a typo).
    assert (await answer(services, chat, "/event " + "9" * 23)).title.startswith(
        f"There is no event {'9' * 23}. Usage: /event N"
    )
    # Other scripts' digits are no event number (a wide ３ is read as 3, like every wide
    # character a reader types).
    assert "is not a number" in (await answer(services, chat, "/event ٣")).title


async def test_keep_on_a_story_removed_meanwhile_says_so_and_closes_the_review(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    added = await add_story(services, OWNER, parse_text(_story(2)))
    review = added.review
    assert review is not None
    await run(services, OTHER, "removestory", str(review.source_id))
    before = await dump(store)
    notice, shown = await decide_story(services, OWNER, review.audit_id, review.nonce, keep=True)
    assert notice == "It was removed meanwhile."
    assert shown is not None and shown.title == (
        f"Story {review.source_id} was removed from the briefing meanwhile by maintainer"
        f" {OTHER} (/removestory): there is nothing to keep."
    )
    assert await dump(store) == before
    assert (await store.reviews.get(review.audit_id)).state == "undone"
    assert "keep story" not in [e.action for e in await store.audit.all()]
    again, _ = await decide_story(services, OWNER, review.audit_id, review.nonce, keep=True)
    assert again == "Already decided: the story was undone."


async def test_correction_replies_read_right(store: Store, settings: Settings) -> None:
    ids = await sample_briefing(store)
    services = Services(store, settings)

    async def says(command: str) -> str:
        name, _, args = command.partition(" ")
        return (await run(services, OWNER, name, args.format(**ids))).answer.title

    assert await says("hideevent {torture}") == f"Event {ids['torture']} is hidden from readers."
    assert await says("hideevent {torture}") == f"Event {ids['torture']} is already hidden."
    assert await says("hideevent {case} off") == f"Event {ids['case']} is not hidden."
    assert await says("editevent {case} summary Case opened.") == (
        f"Event {ids['case']}: summary is now Case opened."
    )
    assert await says("editevent {case} summary Case opened") == (
        f"Event {ids['case']}: summary is now Case opened."
    )


async def test_who_says_so_is_corrected_shown_and_undone(store: Store, settings: Settings) -> None:
    """Readers see "according to ..." under an event, and extraction can get it wrong,
    but a maintainer could correct only the summary, date, place and status."""
    ids = await sample_briefing(store)
    services = Services(store, settings)

    async def event_lines() -> list[str]:
        return (await answer_plain(store, settings, f"/event {ids['case']}")).splitlines()

    edit = await run(
        services, OWNER, "editevent", f"{ids['case']} Attribution the prosecutor's office"
    )
    assert edit.answer.title == (
        f"Event {ids['case']}: attribution is now according to the prosecutor's office."
    )
    assert "according to the prosecutor's office" in await event_lines()
    cleared = await run(services, OWNER, "editevent", f"{ids['case']} attribution none")
    assert cleared.answer.title == f"Event {ids['case']}: attribution is now none."
    assert not any(line.startswith("according to") for line in await event_lines())
    history = await run(services, OWNER, "history", str(ids["case"]))
    lines = [item.text for item in history.answer.items]  # type: ignore[union-attr]
    assert "attribution “none” → “the prosecutor's office”" in lines[0]
    await run(services, OWNER, "undo", "")
    assert (await store.events.get(ids["case"])).attribution == "the prosecutor's office"


async def test_history_of_an_event_that_never_was_says_so(
    store: Store, settings: Settings
) -> None:
    """'Event 999 has no recorded changes' read as if event 999 existed."""
    ids = await sample_briefing(store)
    services = Services(store, settings)
    missing = await run(services, OWNER, "history", "999")
    assert missing.answer.title == "There is no event 999."
    unchanged = await run(services, OWNER, "history", str(ids["case"]))
    assert unchanged.answer.title == f"Event {ids['case']} has no recorded changes."


async def test_history_shows_no_end_date_as_none_and_the_places_changed(
    store: Store, settings: Settings
) -> None:
    ids = await sample_briefing(store)
    services = Services(store, settings)
    await run(services, OWNER, "editevent", f"{ids['case']} date 2021-10-06..2021-10-08")
    await run(services, OWNER, "editevent", f"{ids['case']} place OTB-1, Saratov")
    history = await run(services, OWNER, "history", str(ids["case"]))
    lines = [item.text for item in history.answer.items]  # type: ignore[union-attr]
    assert "end_date “none” → “2021-10-08”" in lines[0]
    assert "None" not in lines[0]
    assert lines[1].endswith(
        "· 1001 · edit place: places “Saratov Oblast” → “Saratov Oblast; Tuberculosis"
        " Hospital No. 1”"
    )


async def test_in_a_group_maintainers_user_ids_are_not_shown(
    store: Store, settings: Settings
) -> None:
    ids = await sample_briefing(store)
    services = Services(store, settings)
    await run(services, OWNER, "hideevent", str(ids["leak"]))
    await run(services, OTHER, "hideevent", f"{ids['leak']} off")
    listed = await run(services, OTHER, "maintainer", "list", in_group=True)
    assert listed.answer.title == (
        "Maintainers' user ids are not shown in groups: send /maintainer list to the bot in a"
        " private chat."
    )
    assert listed.answer.items == ()
    history = await run(services, OTHER, "history", str(ids["leak"]), in_group=True)
    lines = [item.text for item in history.answer.items]  # type: ignore[union-attr]
    assert [line.split(" · ")[1] for line in lines] == ["the owner", "you"]
    assert history.answer.footer == ("User ids are shown in a private chat with the bot.",)
    assert not any(str(OWNER) in line or str(OTHER) in line for line in lines)
    private = await run(services, OTHER, "history", str(ids["leak"]))
    lines = [item.text for item in private.answer.items]  # type: ignore[union-attr]
    assert [line.split(" · ")[1] for line in lines] == [str(OWNER), str(OTHER)]


async def test_undo_in_a_group_does_not_show_a_maintainers_user_id(
    store: Store, settings: Settings
) -> None:
    """'/undo' in a group answered 'Undone: add maintainer (user 55).', and a refused one
    named the user too, though groups never see maintainers' ids."""
    services = Services(store, settings)
    await run(services, OWNER, "maintainer", "add 55")
    await run(services, OWNER, "maintainer", "add 66")
    await store.corrections.remove_maintainer(OTHER, 66)  # changed since by someone else
    refused = (await run(services, OWNER, "undo", "", in_group=True)).answer
    assert refused.title == (
        "What it changed has been changed again since (add maintainer, a maintainer;"
        " /history shows who). Your change before it is #1 (add maintainer, a maintainer):"
        " /undo #1 reverts it."
    )
    undone = await run(services, OWNER, "undo", "#1", in_group=True)
    assert undone.answer.title == "Undone: add maintainer (a maintainer)."
    assert undone.menu_user == 55
    assert not await store.maintainers.contains(55)
    # In a private chat the id is shown.
    await run(services, OWNER, "maintainer", "add 77")
    private = await run(services, OWNER, "undo", "")
    assert private.answer.title == "Undone: add maintainer (user 77)."


async def test_splitcitation_by_id_moves_that_citation_whatever_moved_before(
    store: Store, settings: Settings
) -> None:
    event_id, excerpts = await much_cited(store, 2)  # cited 4 times
    services = Services(store, settings)
    listed = (await run(services, OWNER, "splitcitation", str(event_id))).answer
    citations = (await store.events.get(event_id)).citations
    wanted = citations[1]
    assert listed.items[1] == LineItem(f"2. c{wanted.id} · Outlet 1: “{excerpts[1]}”")
    # Another maintainer splits citation 1 first: what the owner saw as 2 is now 1.
    await run(services, OTHER, "splitcitation", f"{event_id} 1")
    moved = await run(services, OWNER, "splitcitation", f"{event_id} c{wanted.id}")
    quoted, _hint = (item.text for item in moved.answer.items)  # type: ignore[union-attr]
    new_id = int(moved.answer.title.rsplit(" ", 1)[1].rstrip(":"))
    assert (
        moved.answer.title
        == f"Citation 1 (c{wanted.id}) of event {event_id} is now event {new_id}:"
    )
    assert quoted == f"c{wanted.id} · Outlet 1: “{excerpts[1]}”"
    assert [c.excerpt for c in (await store.events.get(new_id)).citations] == [excerpts[1]]
    before = await dump(store)
    gone = await run(services, OWNER, "splitcitation", f"{event_id} c{citations[0].id}")
    assert gone.answer.title == (
        f"Event {event_id} has no citation c{citations[0].id} (any more); /splitcitation"
        f" {event_id} lists what it cites now."
    )
    assert await dump(store) == before


async def test_undo_on_a_story_removed_meanwhile_says_who_removed_it(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    added = await add_story(services, OTHER, parse_text(_story(2)))
    review = added.review
    assert review is not None
    await run(services, OWNER, "removestory", str(review.source_id))
    before = await dump(store)
    notice, shown = await decide_story(
        services, OTHER, review.audit_id, review.nonce, keep=False, in_group=True
    )
    assert notice == "It was removed meanwhile."
    assert shown is not None and shown.title == (
        f"Story {review.source_id} was removed from the briefing meanwhile by the owner"
        " (/removestory): there is nothing to undo."
    )
    assert await dump(store) == before
    assert (await store.reviews.get(review.audit_id)).state == "undone"


def test_removed_event_ids_are_listed_as_runs_and_counted_past_a_limit() -> None:
    assert id_ranges([7, 1, 2, 3, 5, 8, 9]) == "1–3, 5, 7–9"
    assert id_ranges(list(range(2, 202, 2)), most=3) == "2, 4, 6 and 97 more"


async def test_removing_a_story_of_many_events_names_them_in_one_short_line(
    store: Store, settings: Settings
) -> None:
    services = Services(store, settings)
    story = await add_story(services, OWNER, parse_text(_story(28)))
    assert story.review is not None
    events = [e.id for e in await store.events.all()]
    removed = await run(services, OWNER, "removestory", str(story.review.source_id))
    lines = [item.text for item in removed.answer.items]  # type: ignore[union-attr]
    assert f"28 events only it supported were removed ({min(events)}–{max(events)})." in lines


async def _pressed_together(
    store: Store, services: Services, review: StoryReview, *keeps: bool
) -> list[tuple[str, Answer | None]]:
    """Presses on one preview whose handlers (which run side by side) all read the review
    before any of them decides: a quick double tap, or Keep then Undo."""
    real_get = store.reviews.get
    reads, all_read = 0, asyncio.Event()

    async def get_then_wait(audit_id: int) -> StoryReview:
        nonlocal reads
        found = await real_get(audit_id)
        reads += 1
        if reads == len(keeps):
            all_read.set()
        await all_read.wait()
        return found

    store.reviews.get = get_then_wait  # type: ignore[method-assign]
    try:
        return list(
            await asyncio.gather(
                *(
                    decide_story(services, OWNER, review.audit_id, review.nonce, keep=keep)
                    for keep in keeps
                )
            )
        )
    finally:
        store.reviews.get = real_get  # type: ignore[method-assign]


async def test_undo_pressed_twice_at_once_undoes_once_and_says_so(
    store: Store, settings: Settings
) -> None:
    """The second press said the story 'was removed from the briefing meanwhile
    (/removestory)', and its edit could replace the first's 'undone'."""
    services = Services(store, settings)
    before = await dump(store)
    added = await add_story(services, OWNER, parse_text(_story(2)))
    assert added.review is not None
    presses = await _pressed_together(store, services, added.review, False, False)
    assert sorted(notice for notice, _shown in presses) == [
        "Already decided: the story was undone.",
        "Undone.",
    ]
    assert [shown for notice, shown in presses if notice != "Undone."] == [None]
    assert await dump(store) == before
    assert (await store.reviews.get(added.review.audit_id)).state == "undone"


async def test_keep_and_undo_pressed_at_once_decide_once(store: Store, settings: Settings) -> None:
    """Both were done: the story was removed while its review said 'kept', and a later
    press answered 'Already decided: the story was kept.' about a story no longer there."""
    services = Services(store, settings)
    added = await add_story(services, OWNER, parse_text(_story(2)))
    review = added.review
    assert review is not None
    presses = await _pressed_together(store, services, review, True, False)
    state = (await store.reviews.get(review.audit_id)).state
    winner = {"kept": "Kept.", "undone": "Undone."}[state]
    assert sorted(notice for notice, _shown in presses) == sorted(
        [winner, f"Already decided: the story was {state}."]
    )
    stored = [s.id for s in await store.sources.list_all()]
    assert stored == ([review.source_id] if state == "kept" else [])
    decisions = [e.action for e in await store.audit.all()][1:]
    assert decisions == (["keep story"] if state == "kept" else ["undo"])


@pytest.mark.parametrize("how", ["/undo", "/undo #N"], ids=["last", "numbered"])
async def test_undo_of_a_kept_story_closes_its_review_as_undone(
    store: Store, settings: Settings, how: str
) -> None:
    """The review stayed 'kept' after the story was gone, and a later press on the preview
    answered 'Already decided: the story was kept.' about a story no longer there."""
    services = Services(store, settings)
    before = await dump(store)
    added = await add_story(services, OWNER, parse_text(_story(2)))
    review = added.review
    assert review is not None
    notice, _shown = await decide_story(services, OWNER, review.audit_id, review.nonce, keep=True)
    assert notice == "Kept."
    args = "" if how == "/undo" else f"#{review.audit_id}"
    undone = await run(services, OWNER, "undo", args)
    assert undone.answer.title == f"Undone: add story (source {review.source_id})."
    assert await dump(store) == before
    assert (await store.reviews.get(review.audit_id)).state == "undone"
    after = await dump(store)
    for keep in (True, False):
        again, shown = await decide_story(
            services, OWNER, review.audit_id, review.nonce, keep=keep
        )
        assert (again, shown) == ("Already decided: the story was undone.", None)
    assert await dump(store) == after


HUGE = "1234567890123456789"  # past 15 digits: no id of ours, and past SQLite's 2**63 at 20
LONG = "9" * 30
NUMBERS_NAMING_NOTHING = {
    "editevent": (f"{HUGE} summary Gone.", f"There is no event {HUGE}."),
    "hideevent": (HUGE, f"There is no event {HUGE}."),
    "hideevent off": (f"{HUGE} off", f"There is no event {HUGE}."),
    "mergeevents": (f"{{case}} {LONG}", f"There is no event {LONG[:20]}… (30 digits)."),
    "splitcitation": (HUGE, f"There is no event {HUGE}."),
    "splitcitation position": (f"{{case}} {HUGE}", f"Event {{case}} has no citation {HUGE}."),
    "splitcitation id": (f"{{case}} c{HUGE}", f"Event {{case}} has no citation c{HUGE}."),
    "removestory": (HUGE, f"There is no story {HUGE}."),
    "removestory unknown": ("99", "There is no story 99."),
    "history": (f"#{HUGE}", f"There is no event {HUGE}."),
    "undo": (f"#{HUGE}", f"There is no change #{HUGE}."),
    "maintainer add": (f"add {HUGE}", f"There is no Telegram user {HUGE}."),
    "maintainer remove": (
        f"remove {LONG}",
        f"There is no Telegram user {LONG[:20]}… (30 digits).",
    ),
}


@pytest.mark.parametrize("case", list(NUMBERS_NAMING_NOTHING), ids=list(NUMBERS_NAMING_NOTHING))
async def test_a_number_too_long_for_any_id_names_nothing_as_in_event(
    store: Store, settings: Settings, case: str
) -> None:
    """Past 15 digits the maintainers' commands answered "'1234567890123456789' is not an
    event number", where readers' /event says there is no such event."""
    ids = await sample_briefing(store)
    name = case.split()[0]
    args, expected = (text.format(**ids) for text in NUMBERS_NAMING_NOTHING[case])
    before = await dump(store)
    outcome = await run(Services(store, settings), OWNER, name, args)
    assert outcome.answer.is_error and outcome.answer.title == expected
    assert outcome.menu_user is None
    assert await dump(store) == before
    assert await store.audit.all() == []
    assert await store.maintainers.ids() == []


async def test_leading_zeros_do_not_make_a_number_too_long(
    store: Store, settings: Settings
) -> None:
    ids = await sample_briefing(store)
    outcome = await run(Services(store, settings), OWNER, "hideevent", f"{ids['case']:020d}")
    assert outcome.answer.title == f"Event {ids['case']} is hidden from readers."


def _right_after_a_transaction(
    store: Store, act: Callable[[], Awaitable[object]], *, failed: bool = False
) -> None:
    """Run `act` as soon as the first transaction (one that fails, with `failed`) ends and
    before the task that ran it goes on: another writer that was waiting for the lock.
    Handlers run side by side, so a maintainer's /undo or another's /removestory can be
    that writer."""
    real = store.db.transaction
    depth, fired = 0, False

    @asynccontextmanager
    async def transaction() -> AsyncIterator[aiosqlite.Connection]:
        nonlocal depth, fired
        depth += 1
        ok = False
        try:
            async with real() as conn:
                yield conn
            ok = True
        finally:
            depth -= 1
            if depth == 0 and not fired and ok != failed:
                fired = True
                await act()

    store.db.transaction = transaction  # type: ignore[method-assign]


@pytest.mark.parametrize(
    ("who", "command", "args"),
    [
        (OWNER, "undo", ""),
        (OTHER, "removestory", "1"),
        (OTHER, "mergeevents", "1 2"),
    ],
    ids=["undo", "removestory", "mergeevents"],
)
async def test_a_change_made_as_a_story_is_stored_leaves_its_preview_whole(
    store: Store, settings: Settings, who: int, command: str, args: str
) -> None:
    """A change that got the lock between the story's commit and its preview (/undo, or a
    removal or merge of what it added) made the preview fail to read what it showed: the
    maintainer saw 'Sorry, adding that article failed.' for a story that had been added,
    and the error handler logged a traceback. The preview is now read before the commit."""
    services = Services(store, settings)
    answers: list[str] = []

    async def meanwhile() -> None:
        answers.append((await run(services, who, command, args)).answer.title)

    _right_after_a_transaction(store, meanwhile)
    added = await add_story(services, OWNER, parse_text(_story(2)))
    assert len(answers) == 1 and not answers[0].startswith(("Sorry", "There is no")), answers
    review = added.review
    assert review is not None and review.source_id == 1
    assert added.answer.title == "Added story 1: source 1"
    lines = [item.text for item in added.answer.items]  # type: ignore[union-attr]
    assert lines == [
        "New:",
        "#1 1 Oct 2021 — thing 1 happened.",
        "#2 2 Oct 2021 — thing 2 happened.",
    ]
    after = await dump(store)
    notice, shown = await decide_story(services, OWNER, review.audit_id, review.nonce, keep=True)
    if command == "mergeevents":  # the story is still there, its events merged
        assert (notice, shown and shown.title) == ("Kept.", "Story 1 is kept in the briefing.")
    else:
        assert notice in ("Already decided: the story was undone.", "It was removed meanwhile.")
        assert await store.sources.list_all() == []
        assert (await store.reviews.get(review.audit_id)).state == "undone"
        assert await dump(store) == after


async def test_the_same_article_sent_twice_at_once_is_added_once_and_said_so(
    store: Store, settings: Settings
) -> None:
    """The second copy found the first in the briefing and read its title after its own
    transaction: a /undo of the first in between made that read fail ('Sorry, adding that
    article failed.')."""
    services = Services(store, settings)
    undone: list[str] = []

    async def undo() -> None:
        undone.append((await run(services, OWNER, "undo", "")).answer.title)

    _right_after_a_transaction(store, undo, failed=True)
    text = "title: Flood\n\n" + _story(2)
    first, second = await asyncio.gather(
        add_story(services, OWNER, parse_text(text)),
        add_story(services, OWNER, parse_text(text)),
    )
    assert undone == ["Undone: add story (source 1)."]
    titles = sorted(outcome.answer.title for outcome in (first, second))
    assert titles == [
        "Added story 1: Flood",
        "“Flood” is already in the briefing as story 1; nothing changed.",
    ]
    assert await store.sources.list_all() == []


async def test_a_title_or_outlet_keeps_no_control_or_invisible_characters(
    store: Store, settings: Settings
) -> None:
    """Names were stored with control characters: a terminal escape in a title ('\\x1b[2J')
    reached `briefbot console`, which printed it raw, and an outlet of zero-width spaces
    showed every citation of the article under a blank name."""
    services = Services(store, settings)
    text = "title: Fire\x1b[2J at\x07 the\u200b depot\noutlet: \u200b\u2060\n\n" + _story(1)
    added = await add_story(services, OWNER, parse_text(text))
    assert added.answer.title == "Added story 1: Fire[2J at the depot"
    assert "Outlet: source 1" in added.answer.intro
    [source] = await store.sources.list_all()
    assert (source.title, source.outlet) == ("Fire[2J at the depot", None)
    shown = await answer_plain(store, settings, "/sources")
    assert "\x1b" not in shown and "Fire[2J at the depot" in shown


async def test_control_characters_in_an_uploaded_article_never_reach_a_reader(
    store: Store, settings: Settings
) -> None:
    """A few escape sequences in a long text file passed the binary check and were stored:
    'briefbot console' printed '\\x1b]0;...\\x07' raw (a terminal obeys it: here, renaming
    its window), in the event's summary and its excerpt."""
    filler = "Officials met in the town hall to talk about the roads. " * 10
    body = filler + "On 2021-10-05, a fire\x1b]0;pwned\x07 broke out\x9b2J at the depot."
    services = Services(store, settings)
    added = await add_story(services, OWNER, parse_document(body.encode(), "a.txt"))
    assert added.review is not None
    [source] = await store.sources.list_all()
    assert source.text.endswith("On 2021-10-05, a fire]0;pwned broke out2J at the depot.")
    [event] = await store.events.all()
    assert event.summary == "a fire]0;pwned broke out2J at the depot."
    shown = await answer_plain(store, settings, f"/event {event.id}")
    assert "a fire]0;pwned broke out2J at the depot." in shown
    assert not re.search("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]", shown)
