"""Pagination round trips over HTTP: ◀ n/N ▶ buttons edit the message in place, each page
read from the store by key; stale, expired, foreign and forged callback data get a short
notice and change nothing."""

from __future__ import annotations

import pytest

from bot import pages
from tests.bot.briefing import MUCH_CITED_SUMMARY, add_article, add_event, cite, much_cited
from tests.bot.telegram.helpers import ask, press
from tests.fakes.bot_api import Request, visible_text
from tests.fakes.telegram import RunningBot

EVENTS = 20  # at 4 events a page: 5 pages


@pytest.fixture
async def many(telegram_bot: RunningBot) -> list[int]:
    store = telegram_bot.store
    text = " ".join(f"Fact number {n} was reported." for n in range(1, EVENTS + 1))
    source = await add_article(store, text)
    return [
        await add_event(
            store,
            source,
            f"2021-10-{n:02d}",
            f"Fact {n:02d}",
            (f"Fact number {n} was reported.",),
        )
        for n in range(1, EVENTS + 1)
    ]


def labels(request: Request) -> list[str]:
    return [label for label, _data in request.buttons()]


def data_of(request: Request, label: str) -> str:
    return dict((lbl, data) for lbl, data in request.buttons())[label]


async def edits(bot: RunningBot, n: int) -> Request:
    return (await bot.api.sent("editMessageText", n))[-1]


async def test_next_and_previous_edit_in_place(telegram_bot: RunningBot, many: list) -> None:
    first = await ask(telegram_bot, "/timeline")
    assert labels(first) == ["1/5", "▶"]
    page1 = visible_text(first.text)
    assert "Fact 01" in page1 and "Fact 04" in page1 and "Fact 05" not in page1
    assert all(len(data.encode()) <= 64 for _l, data in first.buttons())

    notice = await press(telegram_bot, data_of(first, "▶"), first)
    assert "text" not in notice
    second = await edits(telegram_bot, 1)
    assert int(second.params["message_id"]) == telegram_bot.api.message_for(first)["message_id"]
    assert labels(second) == ["◀", "2/5", "▶"]
    assert "Fact 05" in visible_text(second.text) and "Fact 04" not in visible_text(second.text)

    await press(telegram_bot, data_of(second, "▶"), first)
    third = await edits(telegram_bot, 2)
    assert labels(third) == ["◀", "3/5", "▶"]
    assert "Fact 09" in visible_text(third.text)

    await press(telegram_bot, data_of(third, "◀"), first)
    back = await edits(telegram_bot, 3)
    assert visible_text(back.text) == visible_text(second.text)
    assert labels(back) == ["◀", "2/5", "▶"]
    await press(telegram_bot, data_of(back, "◀"), first)
    assert visible_text((await edits(telegram_bot, 4)).text) == page1
    # Still one message: every page was an edit, never a new message.
    assert len(telegram_bot.api.of("sendMessage")) == 1


async def test_the_last_page_and_back(telegram_bot: RunningBot, many: list) -> None:
    shown = await ask(telegram_bot, "/timeline")
    first = shown
    for n in range(1, 5):
        await press(telegram_bot, data_of(shown, "▶"), first)
        shown = await edits(telegram_bot, n)
    assert labels(shown) == ["◀", "5/5"]
    assert [f"Fact {n}" in visible_text(shown.text) for n in range(17, 21)] == [True] * 4
    await press(telegram_bot, data_of(shown, "◀"), first)
    fourth = await edits(telegram_bot, 5)
    assert labels(fourth) == ["◀", "4/5", "▶"]
    assert "Fact 13" in visible_text(fourth.text) and "Fact 16" in visible_text(fourth.text)


async def test_long_lists_are_not_counted(
    telegram_bot: RunningBot, many: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "COUNTED_ITEMS", 10)  # as if the list had a million events
    first = await ask(telegram_bot, "/timeline")
    assert labels(first) == ["1", "▶"]
    await press(telegram_bot, data_of(first, "▶"), first)
    assert labels(await edits(telegram_bot, 1)) == ["◀", "2", "▶"]


async def test_the_page_counter_button_only_answers(telegram_bot: RunningBot, many: list) -> None:
    first = await ask(telegram_bot, "/timeline")
    notice = await press(telegram_bot, data_of(first, "1/5"), first)
    assert "text" not in notice
    await telegram_bot.api.settle(0.2)
    assert not telegram_bot.api.of("editMessageText")


async def test_a_page_that_no_longer_exists(telegram_bot: RunningBot, many: list) -> None:
    first = await ask(telegram_bot, "/timeline")
    await press(telegram_bot, data_of(first, "▶"), first)
    second = await edits(telegram_bot, 1)
    store = telegram_bot.store
    async with store.db.transaction() as conn:  # the briefing shrinks to one page
        for event_id in many[3:]:
            await store.events.update(conn, event_id, hidden=1)
    notice = await press(telegram_bot, data_of(second, "▶"), first)
    assert notice["text"] == "This list has expired. Send the command again."
    await telegram_bot.api.settle(0.2)
    assert len(telegram_bot.api.of("editMessageText")) == 1


@pytest.mark.parametrize(
    "data",
    [
        "pg:AAAAAAAAAAAA:2",  # well formed, unknown token
        "go:AAAAAAAAAAAA",
    ],
    ids=["unknown-page-token", "unknown-go-token"],
)
async def test_unknown_tokens_have_expired(
    telegram_bot: RunningBot, many: list, data: str
) -> None:
    first = await ask(telegram_bot, "/timeline")
    notice = await press(telegram_bot, data, first)
    assert notice["text"] == "This list has expired. Send the command again."


@pytest.mark.parametrize(
    "data",
    [
        "pg:x:2",
        "pg:AAAAAAAAAAAA:0",
        "pg:AAAAAAAAAAAA:-1",
        "pg:AAAAAAAAAAAA:9999999",
        "pg:AAAAAAAAAAAA:2:c2021.1",
        "pg:AAAAAAAAAAAA:2:a<script>",
        "pg:AAAAAAAAAAAA:2:extra",
        "pg:'; DROP TABLE events;--:1",
        "pg:AAAAAAAAAAA\u00e9:2",
        "<b>hello</b>",
        "x" * 64,
        "",
    ],
    ids=[
        "short-token",
        "page-zero",
        "negative",
        "huge-page",
        "unknown-side",
        "html-key",
        "extra-part",
        "sql",
        "unicode",
        "html",
        "long",
        "empty",
    ],
)
async def test_forged_data_is_harmless(telegram_bot: RunningBot, many: list, data: str) -> None:
    first = await ask(telegram_bot, "/timeline")
    before = await telegram_bot.store.events.all()
    notice = await press(telegram_bot, data, first)
    assert notice["text"] == "This button does not work any more."
    await telegram_bot.api.settle(0.2)
    assert not telegram_bot.api.of("editMessageText")
    assert await telegram_bot.store.events.all() == before


async def test_a_token_from_another_chat_does_not_work(
    telegram_bot: RunningBot, many: list
) -> None:
    mine = await ask(telegram_bot, "/timeline", chat=601)
    theirs = await ask(telegram_bot, "/help", chat=602)
    # A client replaying chat 601's button data on chat 602's message.
    notice = await press(telegram_bot, data_of(mine, "▶"), theirs)
    assert notice["text"] == "This list has expired. Send the command again."


async def test_a_press_on_an_inaccessible_message(telegram_bot: RunningBot, many: list) -> None:
    first = await ask(telegram_bot, "/timeline", chat=603)
    query_id = telegram_bot.api.user_presses(data_of(first, "▶"), 603)  # no message attached
    await telegram_bot.api.sent("answerCallbackQuery", 1)
    assert telegram_bot.api.callback_answers[query_id]["text"] == (
        "This button does not work any more."
    )


async def test_a_press_on_a_message_deleted_meanwhile(
    telegram_bot: RunningBot, many: list
) -> None:
    """The message is deleted after the press (by a group's admin, say) and the edit is
    refused: the presser was told 'Sorry, something went wrong'."""
    first = await ask(telegram_bot, "/timeline", chat=604)
    message = telegram_bot.api.message_for(first)
    del telegram_bot.api.messages[(604, message["message_id"])]
    notice = await press(telegram_bot, data_of(first, "▶"), message)
    assert notice["text"] == "This list has expired. Send the command again."


async def test_a_page_turn_too_late_to_answer_is_no_error(
    telegram_bot: RunningBot, many: list, caplog: pytest.LogCaptureFixture
) -> None:
    """A press that reached the bot late (it was restarting) turned the page, then was
    logged as an error with a traceback because Telegram no longer took its answer."""
    first = await ask(telegram_bot, "/timeline", chat=605)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    telegram_bot.api.fail("answerCallbackQuery", 400, too_old, times=-1)
    telegram_bot.api.user_presses(data_of(first, "▶"), first)
    second = await edits(telegram_bot, 1)
    assert labels(second) == ["◀", "2/5", "▶"]
    await telegram_bot.api.until(lambda: telegram_bot.api.of("answerCallbackQuery"))
    await telegram_bot.api.settle(0.2)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_page_telegram_refuses_as_html_is_shown_as_plain_text(
    telegram_bot: RunningBot, many: list
) -> None:
    """A first page whose markup Telegram refuses is sent as plain text; a page turn
    answered the presser 'Sorry, something went wrong' and left the old page."""
    first = await ask(telegram_bot, "/timeline", chat=606)
    refused = "Bad Request: can't parse entities: unsupported start tag"
    telegram_bot.api.fail("editMessageText", 400, refused)
    notice = await press(telegram_bot, data_of(first, "▶"), first)
    assert "text" not in notice
    plain = await edits(telegram_bot, 1)
    [html] = [r for r in telegram_bot.api.of("editMessageText") if r is not plain]
    assert html.answered == refused and plain.answered == "ok"
    assert "parse_mode" not in plain.params and "<" not in plain.text
    assert "Fact 05" in plain.text and "Fact 04" not in plain.text
    assert labels(plain) == ["◀", "2/5", "▶"]


async def witnesses(bot: RunningBot) -> tuple[int, str]:
    """An event cited by 15 long excerpts: 2 pages in HTML, 3 as plain text, where each
    excerpt's link is written out. Returns its id and its last excerpt."""
    event_id, excerpt = None, ""
    for n in range(1, 16):
        excerpt = f"Witness {n} told reporters " + " ".join(["that guards beat prisoners"] * 14)
        source = await add_article(
            bot.store,
            excerpt,
            outlet=f"Outlet {n}",
            url=f"https://outlet{n}.example/2021/10/06/" + "a-long-path-of-the-article/" * 3,
        )
        if event_id is None:
            event_id = await add_event(bot.store, source, "2021-10-06", "Beatings", (excerpt,))
        else:
            await cite(bot.store, event_id, source, excerpt)
    assert event_id is not None
    return event_id, excerpt


async def test_every_plain_text_page_is_reachable_when_html_is_refused(
    telegram_bot: RunningBot,
) -> None:
    """Plain text split the answer into 3 pages where HTML had 2; the buttons counted 2,
    so the last plain page, with the last witness, could not be reached."""
    event_id, last = await witnesses(telegram_bot)
    refused = "Bad Request: can't parse entities: unsupported start tag"
    telegram_bot.api.fail("sendMessage", 400, refused)
    first = await ask(telegram_bot, f"/event {event_id}", chat=608)
    assert "parse_mode" not in first.params and labels(first) == ["1/3", "▶"]
    shown = first
    for n in (2, 3):
        notice = await press(telegram_bot, data_of(shown, "▶"), first)
        assert "text" not in notice
        shown = await edits(telegram_bot, n - 1)
        assert "parse_mode" not in shown.params  # the same form on every page
    assert labels(shown) == ["◀", "3/3"] and last in shown.text
    await press(telegram_bot, data_of(shown, "◀"), first)
    assert labels(await edits(telegram_bot, 3)) == ["◀", "2/3", "▶"]


async def test_a_page_turn_refused_as_html_goes_on_in_plain_text_pages(
    telegram_bot: RunningBot,
) -> None:
    """A page turn refused as HTML showed page 2 of plain text under HTML's buttons (1/2):
    the plain text's third page, with the last witness, was out of reach."""
    event_id, last = await witnesses(telegram_bot)
    first = await ask(telegram_bot, f"/event {event_id}", chat=609)
    assert labels(first) == ["1/2", "▶"]
    telegram_bot.api.fail("editMessageText", 400, "Bad Request: can't parse entities")
    await press(telegram_bot, data_of(first, "▶"), first)
    second = await edits(telegram_bot, 1)
    assert "parse_mode" not in second.params and labels(second) == ["◀", "2/3", "▶"]
    await press(telegram_bot, data_of(second, "▶"), first)
    third = await edits(telegram_bot, 2)
    assert labels(third) == ["◀", "3/3"] and last in third.text


@pytest.mark.parametrize(
    "data",
    ["1/5", "pg:AAAAAAAAAAAA:2", "pg:x"],
    ids=["page-counter", "expired-token", "not-our-data"],
)
async def test_any_press_too_late_to_answer_is_no_error(
    telegram_bot: RunningBot, many: list, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    """The page turn itself was fixed (830d7b4), but a late press on the page counter, on
    an expired list or on data not ours was still logged as an error with a traceback."""
    first = await ask(telegram_bot, "/timeline", chat=607)
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    telegram_bot.api.fail("answerCallbackQuery", 400, too_old, times=-1)
    telegram_bot.api.user_presses(data_of(first, data) if "/" in data else data, first)
    await telegram_bot.api.until(lambda: telegram_bot.api.of("answerCallbackQuery"))
    await telegram_bot.api.settle(0.2)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(telegram_bot.api.of("answerCallbackQuery")) == 1  # no apology tried after it


async def test_pages_show_current_data(telegram_bot: RunningBot, many: list) -> None:
    first = await ask(telegram_bot, "/timeline")
    store = telegram_bot.store
    async with store.db.transaction() as conn:
        await store.events.update(conn, many[4], summary="Fact 05, corrected")
    await press(telegram_bot, data_of(first, "▶"), first)
    assert "Fact 05, corrected" in visible_text((await edits(telegram_bot, 1)).text)


async def test_the_same_command_in_the_console_shows_every_page(
    telegram_bot: RunningBot, many: list
) -> None:
    from bot.console import answer_plain

    text = await answer_plain(telegram_bot.store, telegram_bot.settings, "/timeline")
    assert "— page 1/5 —" in text and "— page 5/5 —" in text
    assert all(f"Fact {n:02d}" in text for n in range(1, EVENTS + 1))


@pytest.mark.parametrize(
    ("key", "notice"),
    [
        ("a9999-12-31.1", "This list has expired. Send the command again."),  # past the end
        ("a2021-13-99.x", "This button does not work any more."),  # not a key we make
        ("b2021-10-05.5", None),  # a key we could have made: the page before it
    ],
)
async def test_forged_keys_show_at_most_a_page_of_the_same_list(
    telegram_bot: RunningBot, many: list, key: str, notice: str | None
) -> None:
    first = await ask(telegram_bot, "/timeline")
    token = data_of(first, "▶").split(":")[1]
    before = await telegram_bot.store.events.all()
    answered = await press(telegram_bot, f"pg:{token}:2:{key}", first)
    assert answered.get("text") == notice
    if notice is None:
        page = visible_text((await edits(telegram_bot, 1)).text)
        assert "Fact 01" in page and "Fact 04" in page and "Fact 05" not in page
    assert await telegram_bot.store.events.all() == before


async def test_an_event_cited_hundreds_of_times_pages_through_every_citation(
    telegram_bot: RunningBot,
) -> None:
    event, excerpts = await much_cited(telegram_bot.store, 150)
    first = await ask(telegram_bot, f"/event {event}")
    shown = [first]
    total = int(labels(first)[0].split("/")[1])
    assert labels(first) == [f"1/{total}", "▶"] and total > 10
    for n in range(1, total):
        await press(telegram_bot, data_of(shown[-1], "▶"), first)
        shown.append(await edits(telegram_bot, n))
        assert labels(shown[-1])[1] == f"{n + 1}/{total}"
    assert "▶" not in labels(shown[-1])
    # The fake refuses what Telegram refuses (over 4096 UTF-16 units, bad markup).
    assert all(r.answered == "ok" for r in telegram_bot.api.requests)
    pages = [visible_text(request.text) for request in shown]
    assert pages[0].startswith(f"Event {event}\nCited 300 times, in 150 articles.\n\n")
    assert MUCH_CITED_SUMMARY in pages[0]
    text = "\n".join(pages)
    assert [text.count(excerpt) for excerpt in excerpts] == [1] * len(excerpts)
    assert [text.index(e) for e in excerpts] == sorted(text.index(e) for e in excerpts)
    # Back from the last page shows the one before it again.
    await press(telegram_bot, data_of(shown[-1], "◀"), first)
    assert visible_text((await edits(telegram_bot, total)).text) == pages[-2]
