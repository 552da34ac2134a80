"""Every command over real HTTP: users send messages to the fake Bot API, the real
Application polls it, and the tests read what the bot sent."""

from __future__ import annotations

import pytest

from tests.bot.briefing import sample_briefing
from tests.fakes.bot_api import visible_text
from tests.fakes.telegram import RunningBot


@pytest.fixture
async def ids(telegram_bot: RunningBot) -> dict[str, int]:
    return await sample_briefing(telegram_bot.store)


async def ask(bot: RunningBot, text: str, chat: int = 501, **kwargs: object) -> str:
    """Send `text` and return the visible text of the bot's next message."""
    before = len(bot.api.of("sendMessage"))
    bot.api.user_sends(text, chat=chat, **kwargs)  # type: ignore[arg-type]
    sent = await bot.api.sent("sendMessage", before + 1)
    return visible_text(sent[-1].text)


async def test_start_says_what_the_bot_covers(telegram_bot: RunningBot, ids: dict) -> None:
    text = await ask(telegram_bot, "/start")
    assert "5 events from 2020 to 7 Oct 2021" in text
    assert "Saratov Oblast" in text  # the most-cited place, derived from the store
    assert "Content note" in text and "sexual violence" in text


async def test_timeline_lists_events_in_order_with_citations(
    telegram_bot: RunningBot, ids: dict
) -> None:
    text = await ask(telegram_bot, "/timeline Oct 2021")
    order = [text.index(s) for s in ("Gulagu.net publishes", "criminal case", "dismissed")]
    assert order == sorted(order)
    assert "Beatings routine" not in text  # 2020 is outside October 2021
    [sent] = telegram_bot.api.of("sendMessage")
    assert '<a href="https://meduza.io/en/feature/2021/10/05/leak">Meduza</a>' in sent.text
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    assert sent.params["parse_mode"] == "HTML"
