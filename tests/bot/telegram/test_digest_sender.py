"""The Bot API sender turns python-telegram-bot's errors into the fan-out engine's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.delivery import ChatGone, ChatMoved, MessageRejected, RetryLater, TransientError
from bot.telegram.digests import telegram_sender


class RefusingBot:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls: list[tuple[int, str, dict[str, object]]] = []

    async def send_message(self, chat_id: int, text: str, **options: object) -> None:
        self.calls.append((chat_id, text, options))
        raise self.error


@pytest.mark.parametrize(
    ("error", "expected", "detail"),
    [
        (RetryAfter(timedelta(seconds=7)), RetryLater, 7.0),
        (ChatMigrated(-100123), ChatMoved, -100123),
        (Forbidden("Forbidden: bot was kicked from the group chat"), ChatGone, None),
        (BadRequest("Not enough rights to send text messages to the chat"), ChatGone, None),
        (BadRequest("Need administrator rights in the channel chat"), ChatGone, None),
        (BadRequest("Chat not found"), ChatGone, None),
        (BadRequest("Message is too long"), MessageRejected, None),
        (TimedOut(), TransientError, None),
        (NetworkError("Bad Gateway"), TransientError, None),
        (NetworkError("Internal Server Error (500)"), TransientError, None),
    ],
    ids=["429", "migrated", "kicked", "no-rights", "channel-admin", "chat-gone", "too-long",
         "timeout", "502", "500"],
)  # fmt: skip
async def test_errors_are_translated(
    error: Exception, expected: type[Exception], detail: object
) -> None:
    bot = RefusingBot(error)
    send = telegram_sender(bot, timeout=3.0)
    with pytest.raises(expected) as raised:
        await send(42, "<b>digest</b>")
    if isinstance(raised.value, RetryLater):
        assert raised.value.retry_after == detail
    if isinstance(raised.value, ChatMoved):
        assert raised.value.new_chat_id == detail
    [(chat_id, text, options)] = bot.calls
    assert (chat_id, text, options["parse_mode"], options["read_timeout"]) == (
        42, "<b>digest</b>", "HTML", 3.0,
    )  # fmt: skip
