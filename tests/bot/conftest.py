"""Bot test fixtures: the fake Bot API server and a running application (tests/fakes)."""

from tests.fakes.telegram import bot_api, telegram_bot  # noqa: F401
