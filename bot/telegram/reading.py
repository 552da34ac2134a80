"""The reading commands (/start, /timeline, /facility ...) and their buttons.

Handlers stay thin: who and where, `bot.answers.answer`, reply. Pages and suggestion
buttons re-run the stored command, so a page always shows current data.
"""

from __future__ import annotations

import logging

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.answers import answer, parse_command
from bot.maintenance import reread
from bot.pages import FIRST_PAGE
from bot.telegram.context import BriefContext, chat_context, remember_chat
from bot.telegram.replies import (
    GO_DATA,
    NOOP_DATA,
    PAGE_DATA,
    answer_press,
    page_request,
    plain_requested,
    reply,
    show_page,
)

log = logging.getLogger(__name__)

READING_COMMANDS = (
    "start",
    "help",
    "timeline",
    "facility",
    "facilities",
    "sources",
    "source",
    "event",
    "search",
    "latest",
    "graphic",
)

ADMIN_CHECKED = {"graphic"}  # commands that change a group for everyone in it
EXPIRED = "This list has expired. Send the command again."
INVALID = "This button does not work any more."


async def on_command(update: Update, context: BriefContext) -> None:
    """Any command (or private message): answer it as the console would, in HTML."""
    message = update.effective_message
    if message is None or not message.text:
        return
    await remember_chat(update, context)
    parsed = parse_command(message.text)
    # Only chat-wide settings need to know whether a group sender is an admin.
    check_admin = parsed is not None and parsed.name in ADMIN_CHECKED and bool(parsed.args)
    chat = await chat_context(update, context, check_admin=check_admin)
    result = await answer(context.services.answers, chat, message.text)
    await reply(update, context, result)


def _message(query_message: MaybeInaccessibleMessage | None) -> Message | None:
    return query_message if isinstance(query_message, Message) else None


async def on_button(update: Update, context: BriefContext) -> None:
    """Page turns and suggestions; anything unexpected gets a short notice."""
    query = update.callback_query
    if query is None:
        return
    data = query.data or ""
    message = _message(query.message)
    page_match = PAGE_DATA.fullmatch(data)
    go_match = GO_DATA.fullmatch(data)
    # Every answer goes through answer_press: a press Telegram no longer takes an answer
    # for (it came while the bot was down) is no error, whatever the button.
    if data == NOOP_DATA:
        await answer_press(query)
        return
    if message is None or not (page_match or go_match):
        await answer_press(query, INVALID)
        return
    token = (page_match or go_match).group(1)  # type: ignore[union-attr]
    store = context.services.store
    command = await store.callbacks.command(token, message.chat.id)
    if command is None:
        await answer_press(query, EXPIRED)
        return
    request = page_request(page_match) if page_match else FIRST_PAGE
    user = update.effective_user
    # A maintainer's list (/history N, /splitcitation N): only a maintainer may turn it.
    listed = await reread(
        context.services.answers,
        user.id if user else None,
        command,
        in_group=message.chat.type != "private",
    )
    if listed is not None and listed.is_error:
        await answer_press(query, listed.title[:200])
        return
    if listed is not None:
        result = listed
    else:
        chat = await chat_context(update, context)
        result = await answer(context.services.answers, chat, command, request)
    if page_match:
        plain = plain_requested(page_match)
        shown = await show_page(context, message, result, request.number, token, plain)
        await answer_press(query, None if shown else EXPIRED)
    else:
        await show_page(context, message, result, 1, None)
        await answer_press(query)


def register(app: Application) -> None:  # type: ignore[type-arg]
    # Edited too: a reader who corrects a typo in a command ('/facility Samra') by editing
    # it expects the answer to the corrected one, as to a new message. (Only the readers'
    # commands: answering one twice does no harm, /graphic on set twice is set once.)
    app.add_handler(
        CommandHandler(list(READING_COMMANDS), on_command, filters=filters.UpdateType.MESSAGES)
    )
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^(pg:|go:|noop$)"))


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Added after every feature's handlers: unknown commands, stray text, stale buttons."""
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE
            & (filters.COMMAND | (filters.ChatType.PRIVATE & filters.TEXT)),
            on_command,
        )
    )
    app.add_handler(CallbackQueryHandler(on_unknown_button))


async def on_unknown_button(update: Update, context: BriefContext) -> None:
    if update.callback_query is not None:
        await answer_press(update.callback_query, INVALID)
