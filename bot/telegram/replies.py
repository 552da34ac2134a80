"""Sending answers to Telegram: first page with ◀ n/N ▶ buttons, edits in place, threads.

Callback data is strict and short: "pg:<token>:<page>[:a<key>|:b<key>|:t]" turns a page (a
list read from the store by key carries the key of the item the page follows or precedes;
":t" marks a page of an answer shown as plain text, split into pages of its own),
"go:<token>" runs a suggested command; the token stands for a command stored with the chat
it was sent to (store/callbacks.py), so forged or foreign data finds nothing and gets a
short notice, and a forged key at most shows another page of the same list.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from telegram import (
    CallbackQuery,
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
from bot.pages import PageRequest
from bot.render_html import render_pages
from bot.render_text import render_pages as render_text_pages
from bot.telegram.context import BriefContext

log = logging.getLogger(__name__)

PAGE_DATA = re.compile(
    r"pg:([A-Za-z0-9_-]{12}):([1-9][0-9]{0,5})(?::([ab])([0-9~.-]{1,24})|:(t))?"
)
GO_DATA = re.compile(r"go:([A-Za-z0-9_-]{12})")
NOOP_DATA = "noop"
SERVER_ERROR_PAUSE = 1.0  # seconds before sending again after a Bot API server error


def page_request(match: re.Match[str]) -> PageRequest:
    """The page a PAGE_DATA match asks for."""
    number, side, key = int(match.group(2)), match.group(3), match.group(4)
    return PageRequest(
        number, after=key if side == "a" else None, before=key if side == "b" else None
    )


def plain_requested(match: re.Match[str]) -> bool:
    """Whether a PAGE_DATA match turns the pages of an answer shown as plain text."""
    return match.group(5) is not None


def _page_data(token: str, request: PageRequest, plain: bool = False) -> str:
    data = f"pg:{token}:{request.number}"
    if request.after is not None:
        return f"{data}:a{request.after}"
    if request.before is not None:
        return f"{data}:b{request.before}"
    return f"{data}:t" if plain else data


def _neighbours(
    answer: Answer, page: int, rendered: int
) -> tuple[PageRequest | None, PageRequest | None, str]:
    """(previous, next, label) of the page shown: from the store's paging for a list read
    by page, else among the pages one long answer was split into."""
    if answer.paging is not None:
        paging = answer.paging
        total = f"/{paging.total}" if paging.total else ""
        return paging.previous, paging.next, f"{paging.number}{total}"
    previous = PageRequest(page - 1) if page > 1 else None
    following = PageRequest(page + 1) if page < rendered else None
    return previous, following, f"{page}/{rendered}"


async def keyboard(
    context: BriefContext,
    chat_id: int,
    answer: Answer,
    page: int,
    rendered: int,
    token: str | None,
    plain: bool = False,
) -> tuple[InlineKeyboardMarkup | None, str | None]:
    """Buttons for one page (and the pagination token, created on first need); `plain`:
    the page is one of `rendered` pages of the answer as plain text."""
    rows: list[list[InlineKeyboardButton]] = []
    store = context.services.store
    previous, following, label = _neighbours(answer, page, rendered)
    if (previous or following) and answer.command:
        token = token or await store.callbacks.save(chat_id, answer.command)
        # A page the renderer cut is plain text's when shown as such: ":t" keeps it so.
        split_plain = plain and answer.paging is None
        nav = []
        if previous:
            data = _page_data(token, previous, split_plain)
            nav.append(InlineKeyboardButton("◀", callback_data=data))
        nav.append(InlineKeyboardButton(label, callback_data=NOOP_DATA))
        if following:
            data = _page_data(token, following, split_plain)
            nav.append(InlineKeyboardButton("▶", callback_data=data))
        rows.append(nav)
    for button in answer.buttons:
        go = await store.callbacks.save(chat_id, button.command)
        rows.append([InlineKeyboardButton(button.label[:60], callback_data=f"go:{go}")])
    return (InlineKeyboardMarkup(rows) if rows else None), token


def _previews(answer: Answer) -> LinkPreviewOptions:
    return LinkPreviewOptions(is_disabled=not answer.link_previews)


# 400 answers that mean a forum topic no longer exists: the chat's General topic still
# reaches its readers. Telegram says "message thread not found", or passes on its own
# error code for a deleted topic.
TOPIC_GONE = ("thread not found", "topic_deleted")
# A reply also goes to General when the refusal names the thread in other words, or the
# topic is closed (an admin may still write there, a bot may not). Scheduled digests to a
# closed topic are not moved: they fail, and pause after a few runs (bot/delivery.py).
THREAD_REFUSED = (*TOPIC_GONE, "thread", "topic_closed")


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
        if any(word in exc.message.lower() for word in THREAD_REFUSED):
            thread = None
        # Plain text may take more pages than HTML: its buttons count and turn its own.
        plain = render_text_pages(answer)
        markup, _token = await keyboard(context, chat.id, answer, 1, len(plain), None, True)
        return await _send_retrying(
            context,
            chat.id,
            plain[0],
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


async def answer_press(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press. One Telegram no longer takes (it reached a bot that was
    down, or took too long) is no failure: what the press did still shows in the message,
    so the caller goes on to edit it."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        if "query is too old" not in exc.message.lower():
            raise
        log.warning("a button press came too late to answer: %s", exc.message)


def message_gone(exc: BadRequest) -> bool:
    """Telegram refused an edit because the message was deleted (or can no longer be
    edited): a normal case for a button pressed just before, not a failure of ours."""
    text = exc.message.lower()
    return "message to edit not found" in text or "message can't be edited" in text


async def show_page(
    context: BriefContext,
    message: Message,
    answer: Answer,
    page: int,
    token: str | None,
    plain: bool = False,
) -> bool:
    """Edit `message` to show `page` of `answer` (of its plain-text pages when `plain`);
    False when that page does not exist, or the message no longer does."""
    if answer.page_gone:
        return False
    if answer.paging is not None:
        page = 1  # the store read just this page, the same in either form
    if plain:
        return await _show_plain(context, message, answer, page, token)
    pages = render_pages(answer)
    if not 1 <= page <= len(pages):
        return False
    markup, _token = await keyboard(context, message.chat.id, answer, page, len(pages), token)
    try:
        return await _edit(context, message, pages[page - 1], answer, markup, ParseMode.HTML)
    except BadRequest as exc:
        # Our markup was refused: the page as plain text, as `reply` sends a first page,
        # rather than an apology and the old page. From here on the buttons turn the plain
        # text's pages, which may be more than HTML's.
        log.warning("editMessageText refused (%s); retrying as plain text", exc.message)
        last = len(render_text_pages(answer))
        return await _show_plain(context, message, answer, min(page, last), token)


async def _show_plain(
    context: BriefContext, message: Message, answer: Answer, page: int, token: str | None
) -> bool:
    pages = render_text_pages(answer)
    if not 1 <= page <= len(pages):
        return False
    chat_id = message.chat.id
    markup, _token = await keyboard(context, chat_id, answer, page, len(pages), token, True)
    return await _edit(context, message, pages[page - 1], answer, markup)


async def _edit(
    context: BriefContext,
    message: Message,
    text: str,
    answer: Answer,
    markup: InlineKeyboardMarkup | None,
    parse_mode: str | None = None,
) -> bool:
    """Edit `message` to `text`; False when the message is gone. Other refusals raise."""
    try:
        await context.bot.edit_message_text(
            text,
            chat_id=message.chat.id,
            message_id=message.message_id,
            parse_mode=parse_mode,
            link_preview_options=_previews(answer),
            reply_markup=markup,
        )
    except BadRequest as exc:
        if message_gone(exc):
            log.warning("could not show a page: %s", exc.message)
            return False
        if "not modified" not in exc.message.lower():
            raise
    return True
