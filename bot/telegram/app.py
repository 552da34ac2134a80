"""Building and running the Telegram application.

`build_application(settings)` wires everything: Bot API base URLs from settings, the flood
limiter (bot/telegram/flood.py; it also waits out 429 retry_after), the job queue, typed
context, the store's lifetime (opened in post_init, closed in post_shutdown), each feature's
handlers and the one error handler. `run_bot(settings)` polls, or serves a webhook when
BRIEFBOT_WEBHOOK_URL is set.

To add a feature: a module under bot/telegram/ with `register(app)`, and one line in
FEATURES below.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import commands
from bot.maintenance import maintainer_ids
from bot.story_worker import StoryWorker
from bot.telegram import digests, maintainers, reading
from bot.telegram.context import CONTEXT_TYPES, BotServices, BriefContext
from bot.telegram.flood import FloodLimiter
from bot.telegram.webhook import guard_webhook
from config.settings import Settings
from store import Store

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong. Please try again later."
RATE_LIMIT_RETRIES = 3  # 429s waited out (retry_after) before giving up on a request
STORE_CLOSE_WAIT_S = 10.0  # see _release

# Each feature registers its handlers; order matters only within one update group.
FEATURES: list[Callable[[Application], None]] = [  # type: ignore[type-arg]
    reading.register,
    maintainers.register,
    digests.register,
]


def build_application(
    settings: Settings,
    store: Store | None = None,
    *,
    request: BaseRequest | None = None,
    rate_limited: bool = True,
    limiter: FloodLimiter | None = None,
) -> Application:  # type: ignore[type-arg]
    """The configured application; `store` is used as is (and not closed) when given.
    `request` replaces the HTTP client (the latency benchmark answers in process),
    `rate_limited=False` drops Telegram's flood limits, which have nothing to pace there, and
    `limiter` replaces the production one (tests that ask one chat a lot drop its second)."""
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if rate_limited:
        limiter = limiter or FloodLimiter(max_retries=RATE_LIMIT_RETRIES)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if request is not None:
        builder = builder.request(request)
    app = builder.build()
    services: BotServices = app.bot_data
    services.settings = settings
    if store is not None:
        services.store = store
    # Before every feature: a channel's post that Telegram copies into the channel's
    # discussion group by itself is no command of the group's (a channel's /subscribe drew
    # a refusal there, "Only this group's administrators...").
    app.add_handler(MessageHandler(filters.IS_AUTOMATIC_FORWARD, _not_for_us), group=-1)
    for register in FEATURES:
        register(app)
    reading.register_fallbacks(app)
    app.add_error_handler(on_error)
    return app


async def _not_for_us(update: Update, context: BriefContext) -> None:
    raise ApplicationHandlerStop


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    services: BotServices = app.bot_data
    if services._store is None:
        services.store = await Store.open(services.config.db)
        services.owns_store = True
    if services.config.story_worker:
        # Nothing starts yet: the child is started by the first /addstory.
        services.story_worker = StoryWorker(services.config.db, services.config.log_level)
    await set_command_menus(app)


async def _post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    services: BotServices = app.bot_data
    await _release(services)
    if services.intake is not None:
        await services.intake.aclose()
        services.intake = None


async def _release(services: BotServices, *, store_wait_s: float | None = None) -> None:
    """Stop what would keep the process from ever exiting: the story worker's child and
    the store's connection thread (each waits to be closed). `store_wait_s` bounds the
    wait for the store after a stop cut short: a read the loop's end interrupted may have
    ended its thread (aiosqlite's dies handing a result to a closed loop), and a close sent
    to it would never be answered."""
    if services.story_worker is not None:
        await services.story_worker.close()
        services.story_worker = None
    if services.owns_store and services._store is not None:
        store, services.store, services.owns_store = services.store, None, False
        try:
            await asyncio.wait_for(store.close(), store_wait_s)
        except TimeoutError:
            log.warning(
                "the store's thread did not answer within %.0f s: exiting without closing"
                " it (what was committed is kept)",
                store_wait_s,
            )


def _menu(*audiences: str) -> list[BotCommand]:
    return [BotCommand(c.name, c.description) for c in commands.for_audience(*audiences)]


async def set_command_menus(app: Application) -> None:  # type: ignore[type-arg]
    """Everyone's commands by default; chat admins' commands too in private chats (whose
    user is their admin) and for group admins; maintainers' only in each maintainer's
    private chat. A menu Telegram refuses is logged, never fatal."""
    everyone = [commands.EVERYONE]
    admins = [*everyone, commands.CHAT_ADMINS]
    menus: list[tuple[list[BotCommand], object]] = [
        (_menu(*everyone), BotCommandScopeDefault()),
        (_menu(*admins), BotCommandScopeAllPrivateChats()),
        (_menu(*admins), BotCommandScopeAllChatAdministrators()),
    ]
    for user_id in await maintainer_ids(app.bot_data.answers):
        menus.append((_menu(*admins, commands.MAINTAINERS), BotCommandScopeChat(user_id)))
    for menu, scope in menus:
        try:
            await app.bot.set_my_commands(menu, scope=scope)  # type: ignore[arg-type]
        except TelegramError as exc:
            # A maintainer who never opened a chat with the bot has no chat to scope to.
            log.warning("could not set the command menu for %s: %s", scope, exc)


async def on_error(update: object, context: BriefContext) -> None:
    """The one error handler: log with the traceback, tell the user only that it failed."""
    error = context.error
    if isinstance(error, Forbidden):
        # Blocked by the user or removed from the group: nobody to apologise to.
        log.warning("Telegram refused to deliver: %s", error.message)
        return
    if isinstance(error, Conflict):
        return  # another process polls with the token: run_bot stops and says so
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(APOLOGY)
        elif update.effective_chat is not None:
            message = update.effective_message
            thread = message.message_thread_id if message and message.is_topic_message else None
            await context.bot.send_message(
                update.effective_chat.id, APOLOGY, message_thread_id=thread
            )
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)


def webhook_path(settings: Settings) -> str:
    """The URL path of the webhook: from BRIEFBOT_WEBHOOK_URL, else derived from the token
    (a hash, so the path is unguessable without revealing the token)."""
    path = urlsplit(settings.webhook_url or "").path.strip("/")
    if path:
        return path
    return hashlib.sha256(settings.require_token().encode()).hexdigest()[:32]


def webhook_address(settings: Settings) -> str:
    """The URL Telegram is told to call. A BRIEFBOT_WEBHOOK_URL without a path gets the
    derived one the bot listens on: given as is, Telegram called "/", which the bot
    answered 404, and no update ever arrived."""
    url = settings.webhook_url or ""
    parts = urlsplit(url)
    if parts.path.strip("/"):
        return url
    return parts._replace(path="/" + webhook_path(settings)).geturl()


def webhook_secret(settings: Settings) -> str:
    """The secret Telegram sends back in each webhook request's header."""
    return hashlib.sha256(b"briefbot-webhook:" + settings.require_token().encode()).hexdigest()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Where and how the webhook listens (the arguments of `run_webhook`)."""
    return {
        "listen": "0.0.0.0",
        "port": settings.webhook_port,
        # PTB routes the path as a regular expression: "hook+1" would match "hookk1" only.
        "url_path": re.escape(webhook_path(settings)),
        "webhook_url": webhook_address(settings),
        "secret_token": webhook_secret(settings),
        "allowed_updates": Update.ALL_TYPES,
    }


class TelegramUnavailable(Exception):
    """The bot could not start: Telegram refused the token or could not be reached, or the
    webhook's port cannot be listened on."""


def check_webhook_port(listen: str, port: int) -> None:
    """Fail in one line when the webhook cannot listen (the port is taken, or needs rights),
    before Telegram is told to call it: tornado would fail later, with a traceback."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds
        try:
            probe.bind((listen, port))
        except OSError as exc:
            raise TelegramUnavailable(
                f"the webhook cannot listen on port {port} (BRIEFBOT_WEBHOOK_PORT): "
                f"{exc.strerror or exc}"
            ) from exc


class _StartFailureInOneLine(logging.Filter):
    """PTB logs a failed start with its traceback, then raises the error, which `briefbot
    run` reports in one line: the log keeps PTB's line, and the traceback only at DEBUG.
    So with the last poll PTB makes when stopping, which fails again when another process
    polls with the token (the reason `briefbot run` stopped, said in its last line)."""

    PREFIXES = ("Network Retry Loop (Bootstrap", "Error while calling `get_updates` one more")

    def filter(self, record: logging.LogRecord) -> bool:
        starting = record.getMessage().startswith(self.PREFIXES)
        if starting and not log.isEnabledFor(logging.DEBUG):
            record.exc_info = record.exc_text = None
        return True


def run_bot(settings: Settings) -> None:
    """Run until interrupted: long polling, or a webhook when settings.webhook_url is set."""
    app = build_application(settings)
    for name in ("telegram.ext", "telegram.ext.Updater"):  # a filter sees its own logger's
        logging.getLogger(name).addFilter(_StartFailureInOneLine())
    conflicts: list[Conflict] = []

    async def stop_on_conflict(update: object, context: BriefContext) -> None:
        # Another process polls with this token: Telegram gives each update to one of the
        # two, so each answered some readers, and this one logged a traceback every poll.
        if isinstance(context.error, Conflict) and not conflicts:
            conflicts.append(context.error)
            context.application.stop_running()

    app.add_error_handler(stop_on_conflict)
    try:
        if settings.webhook_url:
            options = webhook_options(settings)
            check_webhook_port(options["listen"], options["port"])
            guard_webhook(options["secret_token"])
            log.info("starting the webhook on port %s", settings.webhook_port)
            app.run_webhook(**options)
        else:
            log.info("starting long polling")
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken as exc:
        raise TelegramUnavailable(f"Telegram refused the token (BRIEFBOT_TOKEN): {exc}") from exc
    except BadRequest as exc:
        # A NetworkError too in PTB, but Telegram was reached: it refused what it was asked,
        # at start the webhook ("bad webhook: ... only on ports 80, 88, 443 or 8443").
        what = "the webhook (BRIEFBOT_WEBHOOK_URL)" if settings.webhook_url else "the bot's start"
        raise TelegramUnavailable(f"Telegram refused {what}: {exc}") from exc
    except NetworkError as exc:
        raise TelegramUnavailable(f"Telegram cannot be reached: {exc}") from exc
    finally:
        # A second Ctrl-C while stopping cuts the application's shutdown short, before
        # post_shutdown: the process would then wait for the store's thread for ever.
        asyncio.run(_release(app.bot_data, store_wait_s=STORE_CLOSE_WAIT_S))
    if conflicts:
        raise TelegramUnavailable(
            "another process is running this bot (BRIEFBOT_TOKEN): Telegram gives updates to "
            f"one of them only; stop the other first ({conflicts[0]})"
        )
