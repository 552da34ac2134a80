"""Every command over real HTTP: users send messages to the fake Bot API, the real
Application polls it, and the tests read what the bot sent."""

from __future__ import annotations

import logging

import pytest

from bot.answers import HANDLERS, ChatContext, Services
from bot.cli import configure_logging
from tests.bot.briefing import more_regions, sample_briefing
from tests.bot.telegram.helpers import ask, ask_text, press
from tests.fakes.bot_api import visible_text
from tests.fakes.telegram import RunningBot


@pytest.fixture
async def ids(telegram_bot: RunningBot) -> dict[str, int]:
    return await sample_briefing(telegram_bot.store)


async def test_start_says_what_the_bot_covers(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/start")
    assert "5 events from 2020 to 7 Oct 2021" in text
    assert "Saratov Oblast" in text  # the most-cited place, derived from the store
    assert "Content note" in text and "violence in detail" in text


async def test_start_deep_link(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/start facility_OTB-1")
    assert text.startswith("Events at Tuberculosis Hospital No. 1")


async def test_help(telegram_bot: RunningBot) -> None:
    text = await ask_text(telegram_bot, "/help")
    assert "/timeline [from] [to] — the story in date order" in text


async def test_timeline_lists_events_in_order_with_citations(
    telegram_bot: RunningBot, ids: dict
) -> None:
    sent = await ask(telegram_bot, "/timeline Oct 2021")
    text = visible_text(sent.text)
    order = [text.index(s) for s in ("Gulagu.net publishes", "criminal case", "dismissed")]
    assert order == sorted(order)
    assert "Beatings routine" not in text  # 2020 is outside October 2021
    assert '<a href="https://meduza.io/en/feature/2021/10/05/leak">Meduza</a>' in sent.text
    assert "<blockquote>Investigators opened a criminal case" in sent.text
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert sent.params["parse_mode"] == "HTML"
    assert sent.markup is None  # one page: no buttons


async def test_timeline_bad_date_gets_one_usage_line(telegram_bot: RunningBot) -> None:
    text = await ask_text(telegram_bot, "/timeline 2021-13")
    assert text == (
        "There is no month 13. Usage: /timeline [from] [to] — the story in date order, "
        "e.g. /timeline 2021-10"
    )


async def test_facility_by_russian_name(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/facility Саратов")
    assert text.startswith("Events at Saratov Oblast")
    assert "criminal case" in text


async def test_unknown_facility_buttons_open_the_place(
    telegram_bot: RunningBot, ids: dict
) -> None:
    sent = await ask(telegram_bot, "/facility Tuberculosis Hospital Samara")
    assert "No place called" in visible_text(sent.text)
    label, data = sent.buttons()[0]
    assert label == "Tuberculosis Hospital No. 1"
    notice = await press(telegram_bot, data, sent)
    assert "text" not in notice  # no notice: it worked
    [edit] = await telegram_bot.api.sent("editMessageText", 1)
    assert visible_text(edit.text).startswith("Events at Tuberculosis Hospital No. 1")
    assert int(edit.params["message_id"]) == telegram_bot.api.message_for(sent)["message_id"]


async def test_a_word_many_places_share_offers_them_as_buttons(
    telegram_bot: RunningBot, ids: dict
) -> None:
    await more_regions(telegram_bot.store, {"Omsk Oblast": 4, "Tomsk Oblast": 1})
    sent = await ask(telegram_bot, "/facility Oblast")
    text = visible_text(sent.text)
    assert text.startswith("“Oblast” fits 3 places. Which one?")
    assert text.index("Omsk Oblast (region) — 4 events") < text.index("Tomsk Oblast")
    assert "Report" not in text  # no event of any of them yet
    assert [label for label, _data in sent.buttons()] == [
        "Omsk Oblast",
        "Saratov Oblast",
        "Tomsk Oblast",
    ]
    notice = await press(telegram_bot, sent.buttons()[1][1], sent)
    assert "text" not in notice
    [edit] = await telegram_bot.api.sent("editMessageText", 1)
    assert visible_text(edit.text).startswith("Events at Saratov Oblast")
    assert "criminal case" in visible_text(edit.text) and "Omsk report" not in edit.text
    # The choice's button is bound to this chat, like every button.
    message = telegram_bot.api.message_for(sent)
    elsewhere = {**message, "chat": {**message["chat"], "id": 777}}
    refused = await press(telegram_bot, sent.buttons()[0][1], elsewhere)
    assert refused["text"] == "This list has expired. Send the command again."


async def test_facilities(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/facilities")
    assert "Saratov Oblast (region) — 3 events" in text
    assert "Tuberculosis Hospital No. 1 (facility, Saratov Oblast) — 3 events" in text


async def test_sources_and_source(telegram_bot: RunningBot, ids: dict) -> None:
    sent = await ask(telegram_bot, "/sources")
    assert '<a href="https://www.themoscowtimes.com/2021/10/07/chief">' in sent.text
    assert "The Moscow Times, 7 Oct 2021 · 3 events" in visible_text(sent.text)
    text = await ask_text(telegram_bot, f"/source {ids['a']}")
    assert "Videos show prisoners tortured" in text and "Beatings" not in text


async def test_event_shows_every_citation(telegram_bot: RunningBot, ids: dict) -> None:
    sent = await ask(telegram_bot, f"/event {ids['case']}")
    assert sent.text.count("<blockquote>") == 2
    assert "Officials said an inquiry would follow." in visible_text(sent.text)


async def test_search_and_latest(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/search inquiry")
    assert "Investigators open a criminal case" in text
    latest = await ask_text(telegram_bot, "/latest")
    assert latest.startswith("Latest additions")


async def test_wide_letters_are_read_as_plain_ones(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask_text(telegram_bot, "/search@briefbot_test_bot ｉｎｑｕｉｒｙ")
    assert text.startswith("Search: inquiry") and "Investigators open a criminal case" in text
    place = await ask_text(telegram_bot, "/facility Ｓａｒａｔｏｖ\u200b")
    assert place.startswith("Events at Saratov Oblast")


async def test_a_command_corrected_by_editing_it_is_answered(
    telegram_bot: RunningBot, ids: dict
) -> None:
    """A reader who fixed a typo by editing the command got no answer: edits were not read."""
    api = telegram_bot.api
    typo = api.user_sends("/facility Xyzzy", chat=520)
    [first] = await api.sent("sendMessage", 1)
    assert "No place called" in visible_text(first.text)
    api.user_edits(typo, "/facility Saratov")
    [_first, fixed] = await api.sent("sendMessage", 2)
    assert visible_text(fixed.text).startswith("Events at Saratov Oblast")
    # An edit into plain words is no command, and gets no answer.
    api.user_edits(typo, "never mind")
    await api.settle(0.3)
    assert len(api.of("sendMessage")) == 2


async def test_a_tapped_event_link_opens_the_event(telegram_bot: RunningBot, ids: dict) -> None:
    timeline = await ask(telegram_bot, "/timeline")
    tap = f"/event_{ids['case']}"
    assert f" · {tap}" in timeline.text  # Telegram turns it into a command one can tap
    assert await ask_text(telegram_bot, tap) == await ask_text(
        telegram_bot, f"/event {ids['case']}"
    )
    sources = await ask(telegram_bot, "/sources")
    assert f"/source_{ids['a']}" in sources.text


async def test_graphic_on_and_off_per_chat(telegram_bot: RunningBot, ids: dict) -> None:
    event = f"/event {ids['torture']}"
    assert "<tg-spoiler>" in (await ask(telegram_bot, event)).text
    assert "shown in full" in await ask_text(telegram_bot, "/graphic on")
    assert "<tg-spoiler>" not in (await ask(telegram_bot, event)).text
    assert "<tg-spoiler>" in (await ask(telegram_bot, event, chat=502)).text  # other chat
    await ask(telegram_bot, "/graphic off")
    assert "<tg-spoiler>" in (await ask(telegram_bot, event)).text


async def test_unknown_command_and_plain_text_in_private(telegram_bot: RunningBot) -> None:
    assert await ask_text(telegram_bot, "/frobnicate") == (
        "Unknown command /frobnicate. Send /help for the list."
    )
    assert "Send /help" in await ask_text(telegram_bot, "hello bot")


async def test_a_mistyped_command_offers_the_one_meant(
    telegram_bot: RunningBot, ids: dict
) -> None:
    sent = await ask(telegram_bot, "/serch inquiry", chat=522)
    assert visible_text(sent.text).startswith("Unknown command /serch. Did you mean /search?")
    [(label, data)] = sent.buttons()
    assert label == "/search inquiry"
    await press(telegram_bot, data, sent)
    [edit] = await telegram_bot.api.sent("editMessageText", 1)
    assert visible_text(edit.text).startswith("Search: inquiry")
    assert "Investigators open a criminal case" in visible_text(edit.text)


async def test_words_without_a_command_are_offered_the_commands_that_find_them(
    telegram_bot: RunningBot, ids: dict
) -> None:
    """A reader writing 'Saratov' to the bot was only told to send /help."""
    sent = await ask(telegram_bot, "Saratov", chat=521)
    assert visible_text(sent.text).startswith("I answer commands. Did you mean one of these?")
    assert [label for label, _data in sent.buttons()] == ["/facility Saratov", "/search Saratov"]
    await press(telegram_bot, sent.buttons()[0][1], sent)
    [edit] = await telegram_bot.api.sent("editMessageText", 1)
    assert visible_text(edit.text).startswith("Events at Saratov Oblast")
    # Words nothing is found for get the plain refusal, without buttons.
    nothing = await ask(telegram_bot, "hello there", chat=521)
    assert visible_text(nothing.text) == "I answer commands. Send /help for the list."
    assert nothing.markup is None
    # In a group, chatter is not for the bot at all.
    telegram_bot.api.user_sends("Saratov", chat=-100521, chat_type="supergroup")
    await ask(telegram_bot, "/help", chat=-100521, chat_type="supergroup")
    assert len(telegram_bot.api.of("sendMessage", chat_id=-100521)) == 1


async def test_a_failing_command_gets_an_apology_and_a_logged_traceback(
    telegram_bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(services: Services, chat: ChatContext, args: str, page: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setitem(HANDLERS, "latest", broken)
    with caplog.at_level(logging.ERROR):
        sent = await ask(telegram_bot, "/latest")
    assert sent.text.startswith("Sorry, something went wrong")
    assert "secret" not in sent.text and "Traceback" not in sent.text
    [error] = [r.exc_info[1] for r in caplog.records if r.exc_info]
    assert "secret internal detail" in str(error)
    # The bot keeps working.
    assert "Commands" in await ask_text(telegram_bot, "/help")


async def test_the_token_never_reaches_the_logs(
    telegram_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_level = logging.getLogger("httpx").level
    configure_logging("INFO")  # as `briefbot run` does
    try:
        with caplog.at_level(logging.INFO):
            await ask(telegram_bot, "/help")
            telegram_bot.api.fail("sendMessage", 500)
            await ask(telegram_bot, "/help")
    finally:
        logging.getLogger("httpx").setLevel(httpx_level)
    assert caplog.records  # the server error was logged ...
    assert telegram_bot.api.token not in caplog.text  # ... without the token
    assert telegram_bot.api.token.split(":")[1] not in caplog.text
