"""The flood limiter exactly as production builds it, over HTTP: one reader sending commands
fast, or refused by Telegram, does not slow anybody else's answers."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from bot.telegram.app import build_application
from config.settings import Settings
from store import Store
from tests.fakes.bot_api import FakeBotAPI, visible_text
from tests.fakes.telegram import settings_for, start_polling, stop_polling

FLOODER, OTHER = 46, 47


@pytest.fixture
async def api(bot_api: FakeBotAPI, settings: Settings, store: Store) -> AsyncIterator[FakeBotAPI]:
    app = build_application(settings_for(bot_api, settings), store=store)  # production limiter
    await start_polling(app)
    try:
        yield bot_api
    finally:
        await stop_polling(app)


async def test_a_burst_from_one_chat_is_answered_a_second_apart_and_others_at_once(
    api: FakeBotAPI,
) -> None:
    for _ in range(3):
        api.user_sends("/help", chat=FLOODER)
    await api.until(lambda: api.of("sendMessage", chat_id=FLOODER))
    api.user_sends("/help", chat=OTHER)
    await api.until(lambda: len(api.of("sendMessage", chat_id=FLOODER)) == 3)
    to_flooder = api.of("sendMessage", chat_id=FLOODER)
    (to_other,) = api.of("sendMessage", chat_id=OTHER)
    assert all("/timeline" in visible_text(r.text) for r in [*to_flooder, to_other])
    gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(to_flooder)]
    assert min(gaps) >= 0.95  # Telegram's one message a second to a chat
    assert to_other.at < to_flooder[1].at  # the other reader did not queue behind the burst


async def test_a_429_for_one_chat_holds_that_chat_not_the_others(api: FakeBotAPI) -> None:
    api.fail("sendMessage", 429, chat_id=FLOODER, retry_after=3)
    api.user_sends("/help", chat=FLOODER)
    await api.until(lambda: api.of("sendMessage", chat_id=FLOODER))
    api.user_sends("/help", chat=OTHER)
    await api.until(lambda: api.of("sendMessage", chat_id=OTHER))
    refused = api.of("sendMessage", chat_id=FLOODER)[0]
    (answered,) = api.of("sendMessage", chat_id=OTHER)
    assert refused.answered.startswith("Too Many Requests")
    assert answered.at - refused.at < 2.0  # not held for the flooder's 3 seconds
    await api.until(lambda: len(api.of("sendMessage", chat_id=FLOODER)) == 2)
    delivered = api.of("sendMessage", chat_id=FLOODER)[1]
    assert "/timeline" in visible_text(delivered.text)
    assert delivered.at - refused.at >= 3.0  # the refused chat waited its retry_after
