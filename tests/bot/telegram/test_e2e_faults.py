"""Bot API faults: the bot survives each one, and the reader gets the answer when possible."""

from __future__ import annotations

import logging

import pytest

from tests.bot.telegram.helpers import ask, ask_text
from tests.fakes.bot_api import visible_text
from tests.fakes.telegram import RunningBot


async def test_429_retry_after_is_waited_out(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 429, retry_after=1)
    sent = await ask(telegram_bot, "/help")
    assert "/timeline" in visible_text(sent.text)
    refused, delivered = api.of("sendMessage")
    assert refused.answered.startswith("Too Many Requests")
    # Telegram said "retry after 1 second": the bot waited at least that long.
    assert delivered.at - refused.at >= 1.0


async def test_403_blocked_is_logged_and_the_bot_goes_on(
    telegram_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 403, chat_id=701, times=-1)
    with caplog.at_level(logging.WARNING):
        api.user_sends("/help", chat=701)
        await api.until(lambda: api.of("sendMessage", chat_id=701))
        text = await ask_text(telegram_bot, "/help", chat=702)
    assert "/timeline" in text
    to_blocked = api.of("sendMessage", chat_id=701)
    assert [r.answered for r in to_blocked] == ["Forbidden: bot was blocked by the user"]
    assert "blocked by the user" in caplog.text


async def test_400_on_our_markup_falls_back_to_plain_text(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 400, "Bad Request: can't parse entities: unexpected end tag")
    sent = await ask(telegram_bot, "/help")
    assert "parse_mode" not in sent.params
    assert sent.text.startswith("Commands\n")  # readable plain text, no tags
    assert "<" not in sent.text


async def test_400_twice_gets_logged_and_the_bot_goes_on(
    telegram_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 400, "Bad Request: chat not found", chat_id=703, times=-1)
    with caplog.at_level(logging.ERROR):
        api.user_sends("/help", chat=703)
        text = await ask_text(telegram_bot, "/help", chat=704)
        await api.settle(0.3)
    assert "/timeline" in text
    assert any(r.exc_info for r in caplog.records)  # logged with its traceback


async def test_500_is_tried_once_more(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 500)
    sent = await ask(telegram_bot, "/help")
    assert "/timeline" in visible_text(sent.text)
    assert [r.answered for r in api.of("sendMessage")] == ["Internal Server Error", "ok"]


async def test_500_twice_gets_an_apology_when_possible(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 500, times=2)
    sent = await ask(telegram_bot, "/help")
    assert sent.text.startswith("Sorry, something went wrong")


async def test_a_slow_server_delays_one_chat_not_the_others(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.slow("sendMessage", 1.5)
    api.user_sends("/help", chat=801)
    await ask(telegram_bot, "/sources", chat=802)
    slow, fast = api.of("sendMessage")[:2]
    assert slow.chat_id == 801 and slow.answered == "pending"  # still waiting ...
    await api.sent("sendMessage", 2)
    assert slow.answered == "ok"  # ... and then delivered
    assert fast.chat_id == 802


async def test_polling_survives_get_updates_errors(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.fail("getUpdates", 500)  # PTB's polling loop backs off (1s) and goes on
    text = await ask_text(telegram_bot, "/help")
    assert "/timeline" in text


async def test_callback_answers_still_arrive_under_429(telegram_bot: RunningBot) -> None:
    from tests.bot.telegram.helpers import press

    api = telegram_bot.api
    api.fail("answerCallbackQuery", 429, retry_after=1)
    sent = await ask(telegram_bot, "/help")
    notice = await press(telegram_bot, "forged", sent)
    assert notice["text"] == "This button does not work any more."
