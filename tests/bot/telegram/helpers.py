"""Small helpers for end-to-end tests: send a command, read the bot's answer."""

from __future__ import annotations

from typing import Any

from tests.fakes.bot_api import Request, visible_text
from tests.fakes.telegram import RunningBot


async def ask(bot: RunningBot, text: str, chat: int = 501, **kwargs: Any) -> Request:
    """Send `text` as a user and wait for the bot's next sendMessage; returns it."""
    before = len([r for r in bot.api.of("sendMessage") if r.answered == "ok"])
    bot.api.user_sends(text, chat=chat, **kwargs)
    sent = await bot.api.sent("sendMessage", before + 1)
    return sent[-1]


async def ask_text(bot: RunningBot, text: str, chat: int = 501, **kwargs: Any) -> str:
    """What the reader sees of the bot's answer to `text`."""
    request = await ask(bot, text, chat, **kwargs)
    if request.params.get("parse_mode") == "HTML":
        return visible_text(request.text)
    return request.text


async def press(
    bot: RunningBot, data: str, message: Any, *, user: int | None = None
) -> dict[str, Any]:
    """Press a button (as `user`); returns the answerCallbackQuery parameters (always sent)."""
    query_id = bot.api.user_presses(data, message, user=user)
    await bot.api.sent("answerCallbackQuery", len(bot.api.callback_answers) + 1)
    return bot.api.callback_answers[query_id]
