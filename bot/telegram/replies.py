"""Sending answers to Telegram: first page with ◀ n/N ▶ buttons, edits in place, threads.

Callback data is strict and short: "pg:<token>:<page>" turns a page, "go:<token>" runs a
suggested command; the token stands for a command stored with the chat it was sent to
(store/callbacks.py), so forged or foreign data finds nothing and gets a short notice.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.answers import Answer
from bot.render_html import render_pages
from bot.render_text import render_pages as render_text_pages
from bot.telegram.context import BriefContext

log = logging.getLogger(__name__)

PAGE_DATA = re.compile(r"pg:([A-Za-z0-9_-]{12}):([1-9][0-9]{0,3})")
GO_DATA = re.compile(r"go:([A-Za-z0-9_-]{12})")
NOOP_DATA = "noop"
SERVER_ERROR_PAUSE = 1.0  # seconds before sending again after a Bot API server error


async def keyboard(
    context: BriefContext, chat_id: int, answer: Answer, page: int, total: int, token: str | None
) -> tuple[InlineKeyboardMarkup | None, str | None]:
    """Buttons for one page (and the pagination token, created on first need)."""
    rows: list[list[InlineKeyboardButton]] = []
    store = context.services.store
    if total > 1 and answer.command:
        token = token or await store.callbacks.save(chat_id, answer.command)
        nav = []
        if page > 1:
            nav.append(InlineKeyboardButton("◀", callback_data=f"pg:{token}:{page - 1}"))
        nav.append(InlineKeyboardButton(f"{page}/{total}", callback_data=NOOP_DATA))
        if page < total:
            nav.append(InlineKeyboardButton("▶", callback_data=f"pg:{token}:{page + 1}"))
        rows.append(nav)
    for button in answer.buttons:
        go = await store.callbacks.save(chat_id, button.command)
        rows.append([InlineKeyboardButton(button.label[:60], callback_data=f"go:{go}")])
    return (InlineKeyboardMarkup(rows) if rows else None), token


def _previews(answer: Answer) -> LinkPreviewOptions:
    return LinkPreviewOptions(is_disabled=not answer.link_previews)


async def reply(update: Update, context: BriefContext, answer: Answer) -> Message | None:
    """Send the first page of `answer` in the thread of the command."""
    message = update.effective_message
    chat = update.effective_chat
    if answer.ignored or message is None or chat is None:
        return None
    pages = render_pages(answer)
    markup, _token = await keyboard(context, chat.id, answer, 1, len(pages), None)
    thread = message.message_thread_id if message.is_topic_message else None
    # In groups, quote the command so the answer is found; in private chats it is clear.
    quote = (
        ReplyParameters(message.message_id, allow_sending_without_reply=True)
        if chat.type != "private"
        else None
    )
    try:
        return await _send_retrying(
            context,
            chat.id,
            pages[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=_previews(answer),
            reply_markup=markup,
            message_thread_id=thread,
            reply_parameters=quote,
        )
    except BadRequest as exc:
        # Our markup was refused, or the quoted message or the thread is gone: send the
        # same page as plain text, without the quote (and without the thread when that is
        # what was refused), rather than nothing.
        log.warning("sendMessage refused (%s); retrying as plain text", exc.message)
        if "thread" in exc.message.lower():
            thread = None
        return await _send_retrying(
            context,
            chat.id,
            render_text_pages(answer)[0],
            link_preview_options=_previews(answer),
            reply_markup=markup,
            message_thread_id=thread,
        )


async def _send_retrying(context: BriefContext, chat_id: int, text: str, **kwargs: Any) -> Message:
    """send_message, tried once more after a server error (HTTP 5xx, connection reset).
    Not after a timeout: the first message may have arrived, and a reader would get two.
    429s are waited out by the rate limiter; 400 and 403 are not server errors."""
    try:
        return await context.bot.send_message(chat_id, text, **kwargs)
    except (BadRequest, TimedOut, RetryAfter):
        raise
    except NetworkError as exc:
        log.warning("sendMessage failed (%s); trying once more", exc.message)
        await asyncio.sleep(SERVER_ERROR_PAUSE)
        return await context.bot.send_message(chat_id, text, **kwargs)


async def show_page(
    context: BriefContext, message: Message, answer: Answer, page: int, token: str | None
) -> bool:
    """Edit `message` to show `page` of `answer`; False when that page does not exist."""
    pages = render_pages(answer)
    if not 1 <= page <= len(pages):
        return False
    markup, _token = await keyboard(context, message.chat.id, answer, page, len(pages), token)
    try:
        await context.bot.edit_message_text(
            pages[page - 1],
            chat_id=message.chat.id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=_previews(answer),
            reply_markup=markup,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    return True
