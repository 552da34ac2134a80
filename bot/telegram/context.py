"""Typed handler context: `context.services` instead of string keys in `bot_data`."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.answers import ChatContext, Services
from bot.maintenance import Intake, is_maintainer
from bot.story_worker import StoryWorker
from config.settings import Settings
from store import Store
from store.errors import StoreClosed


class BotServices:
    """The application's `bot_data`: settings and the store, owned by the application.

    PTB creates it with no arguments; `build_application` fills in the settings and
    `post_init` the store."""

    def __init__(self) -> None:
        self.settings: Settings | None = None
        self._store: Store | None = None
        self.owns_store = False  # opened in post_init, so closed in post_shutdown
        self.known_chats: set[int] = set()  # chats already recorded in this process
        self.intake: Intake | None = None  # /addstory's HTTP clients (tests set their own)
        self.story_worker: StoryWorker | None = None  # made in post_init when configured

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StoreClosed("the store is not open")
        return self._store

    @store.setter
    def store(self, value: Store | None) -> None:
        self._store = value

    @property
    def config(self) -> Settings:
        assert self.settings is not None, "build_application sets the settings"
        return self.settings

    @property
    def answers(self) -> Services:
        """What `bot.answers` needs."""
        return Services(self.store, self.config, self.story_worker)


class BriefContext(CallbackContext[ExtBot[None], dict, dict, BotServices]):
    """The context every handler receives."""

    @property
    def services(self) -> BotServices:
        return self.bot_data


log = logging.getLogger(__name__)

CONTEXT_TYPES = ContextTypes(context=BriefContext, bot_data=BotServices)


ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


async def is_chat_admin(update: Update, context: BriefContext) -> bool:
    """Whether the sender administers this group (an anonymous admin speaks as the group;
    a failed check counts as no, and is logged)."""
    chat, message, user = update.effective_chat, update.effective_message, update.effective_user
    if chat is None:
        return False
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    if user is None:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not check admin rights in %s: %s", chat.id, exc)
        return False
    return member.status in ADMIN_STATUSES


async def chat_context(
    update: Update, context: BriefContext, *, check_admin: bool = False
) -> ChatContext:
    """Who asks and where, for `bot.answers` (maintainers from settings and the store).
    `check_admin` asks Telegram whether a group sender is an admin (one more request)."""
    chat = update.effective_chat
    user = update.effective_user
    return ChatContext(
        chat_id=chat.id if chat else None,
        chat_type=chat.type if chat else "private",
        user_id=user.id if user else None,
        bot_username=context.bot.username,
        is_maintainer=await is_maintainer(context.services.answers, user.id if user else None),
        is_chat_admin=(
            await is_chat_admin(update, context)
            if check_admin and chat is not None and chat.type in ("group", "supergroup")
            else None
        ),
    )


async def remember_chat(update: Update, context: BriefContext) -> None:
    """Record the chat once per process (title and type may change, so refresh then)."""
    chat = update.effective_chat
    services = context.services
    if chat is None or chat.id in services.known_chats:
        return
    await services.store.chats.ensure(chat.id, chat.type, chat.title, chat.username)
    services.known_chats.add(chat.id)
