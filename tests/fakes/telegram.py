"""Fixtures for end-to-end tests: the fake Bot API and the real Application polling it.

Import them into a conftest (tests/bot/conftest.py does):
    from tests.fakes.telegram import bot_api, telegram_bot  # noqa: F401

`telegram_bot` is a `RunningBot`: the application built by `build_application` as in
production (base_url pointing at the fake), polling, sharing the test's `store`, with one
difference: its flood limiter (`quick_limiter`) does not pace a chat to a message a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from pydantic import SecretStr
from telegram import Update
from telegram.ext import Application

from bot.telegram.app import RATE_LIMIT_RETRIES, build_application
from bot.telegram.flood import FloodLimiter
from config.settings import Settings
from store import Store
from tests.fakes.bot_api import FakeBotAPI

POLL_TIMEOUT = 2  # seconds a getUpdates long poll waits; stopping cancels it at once


@dataclass
class RunningBot:
    app: Application  # type: ignore[type-arg]
    api: FakeBotAPI
    settings: Settings
    store: Store


def quick_limiter() -> FloodLimiter:
    """The production flood limiter without the per-chat second (Telegram's one message a
    second to a chat): tests ask one chat question after question faster than any reader,
    and pacing them would triple the suite's time. Each chat still gets one request at a
    time and waits out its own 429s; tests/bot/telegram/test_e2e_flood.py runs the
    limiter exactly as production builds it."""
    return FloodLimiter(max_retries=RATE_LIMIT_RETRIES, chat_seconds=0.0)


def settings_for(api: FakeBotAPI, settings: Settings) -> Settings:
    """`settings` pointed at the fake server, with its token."""
    return settings.model_copy(
        update={
            "token": SecretStr(api.token),
            "base_url": api.url + "/bot",
            "base_file_url": api.url + "/file/bot",
        }
    )


async def start_polling(app: Application) -> None:  # type: ignore[type-arg]
    """What `run_polling` does before it blocks: initialise, post_init, start, poll."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
    )


async def stop_polling(app: Application) -> None:  # type: ignore[type-arg]
    """What `run_polling` does when interrupted."""
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotAPI]:
    api = await FakeBotAPI().start()
    yield api
    await api.stop()
    assert not api.unknown_methods, f"the bot called unfaked methods: {api.unknown_methods}"


@pytest.fixture
async def telegram_bot(
    bot_api: FakeBotAPI, settings: Settings, store: Store
) -> AsyncIterator[RunningBot]:
    configured = settings_for(bot_api, settings)
    app = build_application(configured, store=store, limiter=quick_limiter())
    await start_polling(app)
    try:
        yield RunningBot(app, bot_api, configured, store)
    finally:
        await stop_polling(app)
