"""Maintainers' commands in Telegram: /addstory with its Keep/Undo preview, corrections,
/history, /undo and /maintainer.

Handlers stay thin: who and what, one call into `bot.maintenance`, render, reply. They run
with `block=False`, so fetching a page or reading a large file never holds up anyone
else's command; long work shows a "working" message that is then edited in place.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import commands
from bot.answers import Answer, usage_answer
from bot.maintenance import (
    ADDSTORY_PREFIX,
    NOT_ALLOWED,
    USAGE,
    Intake,
    Outcome,
    add_story,
    article_from_document,
    decide_story,
    is_maintainer,
    run,
    story_from_text,
)
from bot.render_html import render_pages
from bot.story_worker import StoryWorkerFailed
from bot.telegram.context import BriefContext, remember_chat
from bot.telegram.replies import answer_press, message_gone, reply
from ingest.article import Article
from ingest.errors import ArticleRejected
from ingest.fetch import download_limited

log = logging.getLogger(__name__)

CORRECTIONS = tuple(name for name in USAGE if name != "addstory")
STORY_DATA = re.compile(r"story:(keep|undo):([1-9][0-9]{0,11}):([0-9a-f]{8})")
WORKING = "Working… reading the article."
FAILED = "Sorry, adding that article failed."
# An anonymous group admin's message, or a channel's, names no person whose rights to check.
AS_A_CHAT = (
    "Maintainer commands must come from a person, and this one was sent as the group or a"
    " channel: send it from your own account, or in a private chat with the bot."
)
# A forwarded message is someone else's words, or the sender's own from before: run as the
# forwarder's command, someone's "/maintainer add ID" shown to the owner would be done.
FORWARDED = (
    "That message was forwarded: a maintainer command runs only when you send it yourself."
    " To add a forwarded article, reply /addstory to it."
)
CAPTION_UNREAD = (
    "The caption's text after /addstory was not read: a file's title:, outlet:, url: and"
    " published: lines go at its top."
)
OWN_MESSAGE = (
    "Not added: that is the bot's own message; reply /addstory to the article's message or file."
)
UNSHOWN = "The story was added, but its preview could not be shown. Keep it, or Undo it?"


def intake(context: BriefContext) -> Intake:
    """The clients /addstory uses: the ones tests set, else made on first use."""
    services = context.services
    if services.intake is None:
        services.intake = Intake()
    return services.intake


# --- corrections -------------------------------------------------------------------


def _not_sent_as_oneself(message: Message) -> str | None:
    """Why a maintainer's command is not run: sent as a chat (whose sender is unknown),
    or forwarded (someone else's words, shown to the bot)."""
    if message.sender_chat is not None:
        return AS_A_CHAT
    if message.forward_origin is not None:
        return FORWARDED
    return None


async def on_correction(update: Update, context: BriefContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None or not message.text:
        return
    await remember_chat(update, context)
    refusal = _not_sent_as_oneself(message)
    if refusal is not None:
        await reply(update, context, usage_answer(refusal))
        return
    name = message.text.split(maxsplit=1)[0].lstrip("/").split("@", 1)[0].lower()
    args = " ".join(context.args or [])
    in_group = update.effective_chat is not None and update.effective_chat.type != "private"
    services = context.services.answers
    outcome = await run(services, user.id if user else None, name, args, in_group=in_group)
    await reply(update, context, outcome.answer)
    if outcome.menu_user is not None:
        await refresh_menu(context, outcome.menu_user)


def maintainer_menu() -> list[BotCommand]:
    audiences = (commands.EVERYONE, commands.CHAT_ADMINS, commands.MAINTAINERS)
    return [BotCommand(c.name, c.description) for c in commands.for_audience(*audiences)]


async def refresh_menu(context: BriefContext, user_id: int) -> None:
    """A maintainer's private chat gets the maintainers' menu; a removed one loses it."""
    scope = BotCommandScopeChat(user_id)
    try:
        if await is_maintainer(context.services.answers, user_id):
            await context.bot.set_my_commands(maintainer_menu(), scope=scope)
        else:
            await context.bot.delete_my_commands(scope=scope)
    except TelegramError as exc:
        # Someone who never opened a chat with the bot has no chat to scope a menu to.
        log.warning("could not update the command menu of %s: %s", user_id, exc)


# --- /addstory -------------------------------------------------------------------


def _pasted(message: Message) -> str:
    """The text after '/addstory' (or all of it, without one) with its line breaks
    (metadata lines depend on them)."""
    text = message.text or message.caption or ""
    return ADDSTORY_PREFIX.sub("", text, count=1).lstrip(" \t").removeprefix("\n")


async def on_addstory(update: Update, context: BriefContext) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    if _for_another_bot(message, context):
        return
    await remember_chat(update, context)
    refusal = _not_sent_as_oneself(message)
    if refusal is not None:
        await reply(update, context, usage_answer(refusal))
        return
    services = context.services.answers
    user_id = user.id if user else None
    if not await is_maintainer(services, user_id):
        await reply(update, context, usage_answer(NOT_ALLOWED))
        return
    assert user_id is not None
    document, text = _what_to_add(message)
    if _the_bots_own(message, context) and document is None and not _pasted(message).strip():
        await reply(update, context, usage_answer(OWN_MESSAGE))
        return
    if document is None and not text.strip():
        await reply(update, context, usage_answer(f"Usage: {USAGE['addstory']}"))
        return
    limit = services.settings.max_article_bytes
    if document is not None and (document.file_size or 0) > limit:
        # Refused from the size Telegram reports, before downloading a byte of it.
        size = document.file_size or 0
        await reply(
            update,
            context,
            usage_answer(f"Not added: file too large ({size:,} bytes; the limit is {limit:,})."),
        )
        return
    working = await reply(update, context, Answer(title=WORKING))
    try:
        if document is not None:
            article = await _read_document(context, document, limit)
            outcome = await add_story(services, user_id, article)
        else:
            outcome = await story_from_text(services, intake(context), user_id, text)
    except (ArticleRejected, StoryWorkerFailed) as exc:
        outcome = Outcome(usage_answer(f"Not added: {exc}."))
    except Exception:
        # Never leave "Working…" standing; the error handler logs it and apologises.
        await _show(context, working, Outcome(usage_answer(FAILED)))
        raise
    if message.document is not None and _pasted(message).strip():
        # The file is the article; what was typed beside it must not vanish unsaid.
        footer = (*outcome.answer.footer, CAPTION_UNREAD)
        outcome = replace(outcome, answer=replace(outcome.answer, footer=footer))
    await _show(context, working, outcome)


def _for_another_bot(message: Message, context: BriefContext) -> bool:
    """/addstory@otherbot in a caption, which CommandHandler's check of the bot's name
    never sees: in a group with two bots, it is the other bot's."""
    match = ADDSTORY_PREFIX.match(message.text or message.caption or "")
    addressed = match.group(1) if match else None
    return addressed is not None and addressed.casefold() != context.bot.username.casefold()


def _the_bots_own(message: Message, context: BriefContext) -> bool:
    """Whether the message replies to one the bot sent: its answers hold the briefing's
    own text, which added as a story would have the briefing cite itself."""
    replied = message.reply_to_message
    sender = replied.from_user if replied is not None else None
    return sender is not None and sender.id == context.bot.id


def _what_to_add(message: Message) -> tuple[Document | None, str]:
    """A document sent with the command, else text after it, else what it replies to."""
    if message.document is not None:
        return message.document, ""
    pasted = _pasted(message)
    if pasted.strip():
        return None, pasted
    replied = message.reply_to_message
    if replied is not None:
        if replied.document is not None:
            return replied.document, ""
        # An earlier /addstory message holds the article after its command.
        return None, _pasted(replied)
    return None, ""


async def _read_document(context: BriefContext, document: Document, limit: int) -> Article:
    try:
        file = await context.bot.get_file(document.file_id)
    except TelegramError as exc:
        raise ArticleRejected(f"Telegram did not hand over the file ({exc.message})") from None
    if (file.file_size or 0) > limit:
        raise ArticleRejected(f"file too large ({file.file_size:,} bytes; the limit is {limit:,})")
    if not file.file_path:
        raise ArticleRejected("Telegram did not hand over the file")
    data = await download_limited(intake(context).files, file.file_path, limit)
    return await article_from_document(context.services.answers, data, document.file_name)


async def _show(context: BriefContext, working: Message | None, outcome: Outcome) -> None:
    """Replace the working message with the outcome (and Keep/Undo for a preview)."""
    if working is None:
        return
    markup = None
    if outcome.review is not None:
        key = f"{outcome.review.audit_id}:{outcome.review.nonce}"
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Keep", callback_data=f"story:keep:{key}"),
                    InlineKeyboardButton("Undo", callback_data=f"story:undo:{key}"),
                ]
            ]
        )
    try:
        await _edit(context, working, outcome.answer, markup)
    except BadRequest as exc:
        # The story may be stored and awaiting Keep or Undo: when the working message
        # cannot show the outcome (refused, or deleted meanwhile), a new message must.
        log.warning("editing the /addstory message failed (%s); sending a new one", exc.message)
        await _send_outcome(context, working, outcome.answer, markup)


async def _send_outcome(
    context: BriefContext, working: Message, answer: Answer, markup: InlineKeyboardMarkup | None
) -> None:
    """The outcome as a new message in the working message's chat and thread; if even
    that is refused and there are Keep/Undo buttons, a short fixed line carries them."""
    thread = working.message_thread_id if working.is_topic_message else None
    try:
        await context.bot.send_message(
            working.chat.id,
            render_pages(answer)[0],
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
            message_thread_id=thread,
        )
    except BadRequest as exc:
        if markup is None:
            raise
        log.warning("sending the /addstory preview failed (%s); sending a short one", exc.message)
        await context.bot.send_message(
            working.chat.id, UNSHOWN, reply_markup=markup, message_thread_id=thread
        )


async def _edit(
    context: BriefContext,
    message: Message,
    answer: Answer,
    markup: InlineKeyboardMarkup | None = None,
) -> None:
    try:
        await context.bot.edit_message_text(
            render_pages(answer)[0],
            chat_id=message.chat.id,
            message_id=message.message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            reply_markup=markup,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


async def on_story_button(update: Update, context: BriefContext) -> None:
    """Keep or Undo on a preview. Data is checked against the stored review (its nonce
    and who added the story); anything else gets a short notice and changes nothing."""
    query = update.callback_query
    if query is None:
        return
    match = STORY_DATA.fullmatch(query.data or "")
    if match is None:
        await query.answer("This button does not work any more.")
        return
    action, audit_id, nonce = match.groups()
    user_id = query.from_user.id if query.from_user else None
    chat = query.message.chat if query.message else None
    notice, new_answer = await decide_story(
        context.services.answers,
        user_id,
        int(audit_id),
        nonce,
        keep=action == "keep",
        in_group=chat is not None and chat.type != "private",
    )
    await answer_press(query, notice)
    if new_answer is not None and isinstance(query.message, Message):
        try:
            await _edit(context, query.message, new_answer)
        except BadRequest as exc:
            if not message_gone(exc):
                raise
            # Decided all the same, and the notice said so: nothing is left to show it in.
            log.warning("could not show the decision on the preview: %s", exc.message)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(
        CommandHandler("addstory", on_addstory, filters=filters.UpdateType.MESSAGE, block=False)
    )
    # A document (or a photo: then the caption is the text) whose caption is the command:
    # CommandHandler only reads message text.
    app.add_handler(
        MessageHandler(
            filters.UpdateType.MESSAGE & filters.CaptionRegex(ADDSTORY_PREFIX),
            on_addstory,
            block=False,
        )
    )
    app.add_handler(
        CommandHandler(
            list(CORRECTIONS), on_correction, filters=filters.UpdateType.MESSAGE, block=False
        )
    )
    app.add_handler(CallbackQueryHandler(on_story_button, pattern=r"^story:", block=False))
