"""Digests on Telegram: /subscribe, /unsubscribe, /digest, /timezone, the scheduler tick,
the Bot API sender for the fan-out engine, group-to-supergroup migrations, and the bot's
removal from a chat.

Who may change what: anyone in a private chat (it is theirs); in groups only the chat's
administrators, including anonymous ones (their messages come with `sender_chat` set to
the group itself); a channel is configured from a private chat with `/digest @channel ...`
after `getChatMember` shows that the user administers the channel and the bot is an
administrator allowed to post there.

Scheduling: one repeating JobQueue job ("digests", every TICK_SECONDS) asks the engine for
what is owed and delivers it, rather than one job per chat. SQLite stays the only record of
schedules: a change takes effect at the next tick without re-registering jobs, the first
tick after startup *is* the re-registration (it reads every schedule from SQLite), and the
catch-up after downtime is the same code path as a normal run (the latest missed slot of
each chat, once). Its cost is one scan of the schedules per tick, cheap at 10,000 chats.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from telegram import Bot, ChatFullInfo, LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    Application,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import digest_settings
from bot.answers import Answer
from bot.delivery import (
    ChatGone,
    ChatMoved,
    Clock,
    DeliveryEngine,
    MessageRejected,
    Outcome,
    RetryLater,
    RetryPolicy,
    Send,
    TransientError,
)
from bot.digest import digest_messages
from bot.digest_settings import hint, refusal
from bot.schedule import MAX_CITY_WORDS, ScheduleError, parse_digest_args, parse_target
from bot.telegram.context import ADMIN_STATUSES, BriefContext, is_chat_admin, remember_chat
from bot.telegram.flood import BULK, FloodLimiter, retry_seconds
from bot.telegram.replies import TOPIC_GONE, reply
from config.settings import Settings
from config.zones import zone_loads
from store import Store
from store.digests import UNSUBSCRIBED
from store.models import Chat

log = logging.getLogger(__name__)

TICK_SECONDS = 30
# Digest sends are spread evenly at 29/s, no bursts. The window itself is kept by FloodLimiter
# (bot/telegram/flood.py): at most 29 messages that may count in any second of Telegram's ~30,
# whatever the network's delays, so a fan-out sustains about 28.7/s with no 429. Answers to
# commands share that window but go before queued digests, so they need no rate set aside.
DIGEST_POLICY = RetryPolicy(messages_per_second=29.0)
COMPOSED_CACHE = 64
FIRST_TICK_SECONDS = 1.0
JOB_NAME = "digests"
# What /digest does that makes the bot post in the chat, so a channel must let it post first.
POSTING_ACTIONS = ("set", "now")
# 400 answers that mean the bot may not write to the chat any more: pause, like a 403.
LOST_RIGHTS = (
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "chat not found",
    "bot is not a member",
)


# --- sending through the Bot API ------------------------------------------------------------


def telegram_sender(
    bot: object,
    *,
    timeout: float | None = None,
    thread_of: Callable[[int], Awaitable[int | None]] | None = None,
    thread_gone: Callable[[int, int], Awaitable[None]] | None = None,
) -> Send:
    """`send(chat_id, html)` over the Bot API, with PTB's errors turned into the engine's;
    `thread_of(chat_id)` names the forum topic a chat's digests go to, and
    `thread_gone(chat_id, thread)` is told when Telegram no longer knows that topic."""
    # Digests queue behind replies to people in the flood limiter's window.
    limiter = getattr(bot, "rate_limiter", None)
    bulk = {"rate_limit_args": BULK} if isinstance(limiter, FloodLimiter) else {}

    async def post(chat_id: int, text: str, thread: int | None) -> None:
        await bot.send_message(  # type: ignore[attr-defined]
            chat_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            message_thread_id=thread,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            **bulk,
        )

    async def send(chat_id: int, text: str) -> None:
        thread = await thread_of(chat_id) if thread_of is not None else None
        try:
            try:
                await post(chat_id, text, thread)
            except BadRequest as exc:
                if thread is None or not any(
                    phrase in exc.message.lower() for phrase in TOPIC_GONE
                ):
                    raise
                # The topic was deleted: the chat itself (General) still reaches its readers.
                await post(chat_id, text, None)
                if thread_gone is not None:  # and later messages go there at once
                    await thread_gone(chat_id, thread)
        except RetryAfter as exc:
            raise RetryLater(retry_seconds(exc)) from exc
        except ChatMigrated as exc:
            raise ChatMoved(exc.new_chat_id) from exc
        except Forbidden as exc:
            raise ChatGone(exc.message) from exc
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass
            if any(phrase in exc.message.lower() for phrase in LOST_RIGHTS):
                raise ChatGone(exc.message) from exc
            raise MessageRejected(_description(exc)) from exc
        except (TimedOut, NetworkError) as exc:  # timeouts, connection errors, 5xx
            raise TransientError(exc.message) from exc
        except TelegramError as exc:
            raise MessageRejected(exc.message) from exc

    return send


def paused_notifier(
    bot: object, store: Store, *, timeout: float | None = None
) -> Callable[[int, str], Awaitable[None]]:
    """`notify(chat_id, reason)`: tell the chat its digests paused, in the chat itself (a
    forum's General topic, not the topic that refuses them), as plain text. Best effort:
    if Telegram refuses this too, the admins still see the reason with /digest."""
    limiter = getattr(bot, "rate_limiter", None)
    bulk = {"rate_limit_args": BULK} if isinstance(limiter, FloodLimiter) else {}

    async def notify(chat_id: int, reason: str) -> None:
        chat = await store.chats.get(chat_id)
        if chat is None:
            return
        try:
            await bot.send_message(  # type: ignore[attr-defined]
                chat_id,
                digest_settings.paused_notice(chat, reason),
                read_timeout=timeout,
                write_timeout=timeout,
                connect_timeout=timeout,
                **bulk,
            )
        except TelegramError as exc:
            log.info("chat %s not told of its paused digests: %s", chat_id, exc.message)

    return notify


def _description(exc: TelegramError) -> str:
    """The error as Telegram wrote it, as far as it can be told: python-telegram-bot
    capitalizes a 400's description, which turns an error code such as TOPIC_CLOSED into
    'Topic_closed'; /digest shows it to admins, who would look the code up as written."""
    if re.fullmatch(r"[A-Z][a-z0-9]*(_[a-z0-9]+)+", exc.message):
        return exc.message.upper()
    return exc.message


# --- the engine of a running application ------------------------------------------------------

_engines: weakref.WeakKeyDictionary[Application, DeliveryEngine] = (  # type: ignore[type-arg]
    weakref.WeakKeyDictionary()
)


def _start_link(bot: object) -> str | None:
    """The address that opens a chat with the bot at an answer (t.me/<bot>?start=...)."""
    try:
        username = getattr(bot, "username", None)
    except RuntimeError:  # PTB's Bot before initialize(): no getMe answer yet
        return None
    return f"https://t.me/{username}?start=" if username else None


def build_engine(
    bot: object,
    store: Store,
    settings: Settings,
    *,
    clock: Clock | None = None,
    policy: RetryPolicy | None = None,
    timeout: float | None = None,
    concurrency: int = 8,
    on_chat_done: object = None,
) -> DeliveryEngine:
    """The fan-out engine sending through `bot`, composing with the digest renderer."""
    composed: OrderedDict[tuple[object, ...], list[str]] = OrderedDict()

    async def compose(chat: Chat, since: str | None, until: str, manual: bool) -> list[str]:
        schedule = await store.digests.schedule(chat.id)
        # The first zone this system can read: a chat's stored zone may be one it lacks.
        zones = (chat.timezone, schedule.timezone if schedule else None, settings.timezone)
        zone = next((name for name in zones if name and zone_loads(name)), settings.timezone)
        # A digest depends on its window and the chat's options, not on the chat itself:
        # in a fan-out most chats share all of them, so each distinct digest is built once.
        start_link = _start_link(bot) if chat.type == "channel" else None
        key = (since, until, manual, zone, chat.graphic, chat.send_empty_digest, start_link)
        if key not in composed:
            composed[key] = await digest_messages(
                store, chat, since, until, zone=zone, manual=manual, start_link=start_link
            )
            if len(composed) > COMPOSED_CACHE:
                composed.popitem(last=False)
        return composed[key]

    async def thread_of(chat_id: int) -> int | None:
        subscription = await store.digests.subscription(chat_id)
        return subscription.thread_id if subscription else None

    return DeliveryEngine(
        store,
        telegram_sender(
            bot, timeout=timeout, thread_of=thread_of, thread_gone=store.digests.forget_thread
        ),
        compose,
        clock=clock,
        policy=policy or DIGEST_POLICY,
        concurrency=concurrency,
        on_chat_done=on_chat_done,  # type: ignore[arg-type]
        notify_paused=paused_notifier(bot, store, timeout=timeout),
    )


def install_engine(app: Application, **options: object) -> DeliveryEngine:  # type: ignore[type-arg]
    """Create the application's engine (tests pass a clock, a policy, timeouts)."""
    services = app.bot_data
    engine = build_engine(app.bot, services.store, services.config, **options)  # type: ignore[arg-type]
    _engines[app] = engine
    return engine


def engine_for(app: Application) -> DeliveryEngine:  # type: ignore[type-arg]
    return _engines.get(app) or install_engine(app)


async def digest_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The scheduler's tick: deliver every digest owed now (and resume interrupted ones)."""
    app = context.application
    # Stopping the bot waits for running jobs: end a long fan-out between chats instead.
    report = await engine_for(app).run_due(keep_going=lambda: app.running)
    if report.outcomes:
        log.info(
            "digests: %s; %d messages, %d flood waits, %d transient errors",
            dict(report.outcomes),
            report.messages,
            report.flood_waits,
            report.transient_errors,
        )


# --- who may change a chat's digests -----------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """The chat a digest command acts on: its id, how replies name it, and the argument that
    names it in a command (None for the chat the command was sent in)."""

    chat_id: int
    label: str
    target: str | None = None


async def _find_channel(bot: Bot, target: str) -> ChatFullInfo | Answer:
    """The channel `target` (@username or -100... id) names, or why it can't be used."""
    try:
        channel = await bot.get_chat(target if target.startswith("@") else int(target))
    except (BadRequest, Forbidden):
        what = "username" if target.startswith("@") else "id"
        return refusal(
            f"I can't find {target}. Check the {what}, and add me to the channel as an "
            "administrator allowed to post messages."
        )
    if channel.type != ChatType.CHANNEL:
        return refusal(
            f"{target} is not a channel. For a group, send the command in the group itself."
        )
    return channel


async def _bot_problem(bot: Bot, channel_id: int, label: str) -> str | None:
    """Why the bot may not post in the channel, or None when it may."""
    try:
        mine = await bot.get_chat_member(channel_id, bot.id)
    except TelegramError:
        return f"I am not an administrator of {label}: add me as one"
    if mine.status != ChatMemberStatus.ADMINISTRATOR:
        return f"I am not an administrator of {label}: add me as one"
    if not getattr(mine, "can_post_messages", False):
        return (
            f"I am an administrator of {label} but may not post: turn on "
            "\u201cPost messages\u201d for me"
        )
    return None


async def _user_problem(
    context: BriefContext, channel_id: int, user_id: int | None, label: str, posting: bool
) -> str | None:
    """Why the user may not manage the channel's digests, or None when they may. What
    makes the bot post needs an admin who may post: otherwise an admin without that right
    could post through the bot."""
    if user_id is None:
        return "I can't tell who you are"
    try:
        member = await context.bot.get_chat_member(channel_id, user_id)
    except TelegramError:
        # A bot that lost its rights may not read the channel's members any more; whoever
        # set the digests up may still look at them and stop them.
        schedule = await context.services.store.digests.schedule(channel_id)
        if schedule is not None and schedule.configured_by == user_id:
            return None
        return f"I can't check that you administer {label}"
    if member.status not in ADMIN_STATUSES:
        return f"you are not an administrator of {label}"
    may_post = member.status == ChatMemberStatus.OWNER or getattr(
        member, "can_post_messages", False
    )
    if posting and not may_post:
        return f"you may not post in {label}, so you cannot have me post there"
    return None


def _channel_label(channel: ChatFullInfo) -> str:
    """How replies name a channel: @username, else its title, else its id."""
    if channel.username:
        return f"@{channel.username}"
    return channel.title or str(channel.id)


async def _channel_target(
    update: Update, context: BriefContext, target: str, *, changing: bool, posting: bool
) -> Where | Answer:
    """The channel when the user administers it (and, for what posts, the bot may post
    there); otherwise an answer saying exactly what is missing. Looking at and stopping
    the digests of a channel that paused because the bot lost its rights needs no rights of
    the bot's, so its admins can still see why and unsubscribe."""
    found = await _find_channel(context.bot, target)
    if isinstance(found, Answer):
        return found
    label = _channel_label(found)
    user = update.effective_user
    missing = [await _bot_problem(context.bot, found.id, label)] if posting else []
    user_id = user.id if user else None
    missing.append(await _user_problem(context, found.id, user_id, label, posting))
    reasons = [reason for reason in missing if reason is not None]
    if reasons:
        prefix = "Not changed" if changing else f"I can't show the digests of {label}"
        return refusal(f"{prefix}: {'; '.join(reasons)}.")
    await context.services.store.chats.ensure(found.id, found.type, found.title, found.username)
    return Where(found.id, label, label if found.username else str(found.id))


async def _target(
    update: Update,
    context: BriefContext,
    target: str | None,
    *,
    changing: bool,
    posting: bool = False,
) -> Where | Answer:
    """The chat a digest command acts on, or the refusal to send back. `posting`: the
    command makes the bot post (subscribe, a schedule, `now`), so a channel's rights for
    the bot are checked too."""
    chat = update.effective_chat
    assert chat is not None
    if target is not None:
        if chat.type != ChatType.PRIVATE:
            return refusal("Configure a channel from a private chat with me.")
        return await _channel_target(update, context, target, changing=changing, posting=posting)
    in_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    if changing and in_group and not await is_chat_admin(update, context):
        return refusal("Only this group's administrators can change its digests.")
    return Where(chat.id, "this chat")


# --- handlers -----------------------------------------------------------------------------------


def _args(context: BriefContext) -> list[str]:
    return list(context.args or [])


async def _parsed_target(
    update: Update, context: BriefContext
) -> tuple[str | None, list[str]] | None:
    """The optional @channel and the other arguments; a malformed target is answered here."""
    try:
        return parse_target(_args(context))
    except ScheduleError as exc:
        await reply(update, context, refusal(str(exc)))
        return None


def _topic(update: Update, where: Where) -> int | None:
    """The forum topic a command came from, where the chat's digests then go (a reply
    thread in an ordinary group is no topic; a channel set up from a private chat has none)."""
    message = update.effective_message
    if where.target is not None or message is None or not message.is_topic_message:
        return None
    return message.message_thread_id


def _now(context: BriefContext) -> datetime:
    """The scheduler's clock (so tests that move it see consistent next-run times)."""
    return engine_for(context.application).clock.now()


async def on_subscribe(update: Update, context: BriefContext, *, stop: bool = False) -> None:
    await remember_chat(update, context)
    services = context.services
    parsed = await _parsed_target(update, context)
    if parsed is None:
        return
    target, rest = parsed
    if rest:
        name = "unsubscribe" if stop else "subscribe"
        await reply(update, context, refusal(f"Usage: /{name} [@channel]"))
        return
    # Stopping posts nothing: a channel paused because the bot lost its rights can stop.
    where = await _target(update, context, target, changing=True, posting=not stop)
    if isinstance(where, Answer):
        await reply(update, context, where)
        return
    user = update.effective_user
    if stop:
        answer = await digest_settings.unsubscribe(
            services.store, where.chat_id, where.label, where.target
        )
    else:
        answer = await digest_settings.subscribe(
            services.store, services.config, where.chat_id, user.id if user else None,
            _now(context), where.label, where.target, _topic(update, where),
        )  # fmt: skip
    await reply(update, context, answer)


async def on_unsubscribe(update: Update, context: BriefContext) -> None:
    await on_subscribe(update, context, stop=True)


async def on_digest(update: Update, context: BriefContext) -> None:
    await remember_chat(update, context)
    services = context.services
    try:
        request = parse_digest_args(_args(context))
    except ScheduleError as exc:
        await reply(update, context, refusal(str(exc)))
        return
    where = await _target(
        update,
        context,
        request.target,
        changing=request.action != "show",
        posting=request.action in POSTING_ACTIONS,
    )
    if isinstance(where, Answer):
        await reply(update, context, where)
        return
    user = update.effective_user
    answer: Answer | None
    if request.action == "show":
        answer = await digest_settings.show(
            services.store, services.config, where.chat_id, _now(context), where.label,
            where.target,
        )  # fmt: skip
    elif request.action == "now":
        answer = await _send_now(context, where, _topic(update, where))
    else:
        answer = await digest_settings.change(
            services.store, services.config, where.chat_id, request,
            user.id if user else None, _now(context), where.label, where.target,
            _topic(update, where),
        )  # fmt: skip
    if answer is not None:
        await reply(update, context, answer)


async def _send_now(context: BriefContext, where: Where, topic: int | None) -> Answer | None:
    """Deliver a digest at once; None when the digest itself is the reply (it came where
    the command was sent, not to a channel or another forum topic)."""
    label = where.label
    subscription = await context.services.store.digests.subscription(where.chat_id)
    if subscription is None:
        # Without one there is no last digest to start from: it would be the whole briefing.
        subscribe = digest_settings.hint("/subscribe", where.target)
        return Answer(title=f"No digests for {label} yet: {subscribe} first.", is_error=True)
    outcome = await engine_for(context.application).deliver_now(where.chat_id)
    if outcome == Outcome.SENT:
        # A digest that went out on request does not resume paused ones: an admin trying
        # it after a pause would otherwise take the chat for mended and wait in vain.
        paused = not subscription.active and subscription.paused_reason != UNSUBSCRIBED
        still = (
            (f"Scheduled digests are still paused: {hint('/subscribe', where.target)}"
             " resumes them.",)
            if paused
            else ()
        )  # fmt: skip
        if where.target is not None:
            return Answer(title=f"Sent the digest to {label}.", intro=still)
        if subscription.thread_id != topic:
            return Answer(
                title="Sent the digest to the topic this chat's digests go to.", intro=still
            )
        return Answer(title=still[0]) if still else None
    if outcome == Outcome.SKIPPED:
        return Answer(title="A digest is being sent right now; try again in a minute.")
    if outcome == Outcome.PAUSED:
        return refusal(f"I can't post to {label} any more, so its digests are paused.")
    # Why, as /digest would show it: a refusal such as a closed topic is not worth retrying
    # until someone changes the chat, and the admin who asked is the one who can.
    failures = await context.services.store.digests.failures_since_success(where.chat_id)
    why = f" ({failures[0].error})" if failures and failures[0].error else ""
    return refusal(f"The digest could not be sent to {label}{why}; try again later.")


async def on_timezone(update: Update, context: BriefContext) -> None:
    await remember_chat(update, context)
    services = context.services
    parsed = await _parsed_target(update, context)
    if parsed is None:
        return
    target, rest = parsed
    if len(rest) > MAX_CITY_WORDS:  # a zone is one word, a city's name ("New York") a few
        await reply(
            update, context, refusal("Usage: /timezone [@channel] ZONE, e.g. Europe/Berlin")
        )
        return
    where = await _target(update, context, target, changing=bool(rest))
    if isinstance(where, Answer):
        await reply(update, context, where)
        return
    answer = await digest_settings.set_timezone(
        services.store, services.config, where.chat_id, " ".join(rest), _now(context),
        where.label, where.target,
    )  # fmt: skip
    await reply(update, context, answer)


async def on_migrate(update: Update, context: BriefContext) -> None:
    """A group became a supergroup: its digests move to the new chat id."""
    message = update.effective_message
    if message is None:
        return
    store = context.services.store
    if message.migrate_to_chat_id:
        await store.digests.migrate_chat(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await store.digests.migrate_chat(message.migrate_from_chat_id, message.chat.id)


# What /digest shows as the reason digests paused when the bot left the chat.
REMOVED = "the bot was removed from this chat"
BLOCKED = "the bot was blocked here"


async def on_my_membership(update: Update, context: BriefContext) -> None:
    """The bot was removed from a chat (or blocked in a private one): its digests pause at
    once, with the reason /digest shows, rather than at the next run Telegram refuses.
    Being added again resumes nothing: the chat's admins decide that with /subscribe."""
    change = update.my_chat_member
    if change is None:
        return
    if change.new_chat_member.status not in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        return
    reason = BLOCKED if change.chat.type == ChatType.PRIVATE else REMOVED
    if await context.services.store.digests.pause(change.chat.id, reason):
        log.info("chat %s paused: %s", change.chat.id, reason)


def register(app: Application) -> None:  # type: ignore[type-arg]
    # A channel's own posts too: only its admins can post there, and an admin who sent
    # /subscribe in the channel got no answer at all.
    only_messages = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    app.add_handler(CommandHandler("subscribe", on_subscribe, filters=only_messages))
    app.add_handler(CommandHandler("unsubscribe", on_unsubscribe, filters=only_messages))
    app.add_handler(CommandHandler("digest", on_digest, filters=only_messages))
    app.add_handler(CommandHandler("timezone", on_timezone, filters=only_messages))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(ChatMemberHandler(on_my_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            digest_tick, interval=TICK_SECONDS, first=FIRST_TICK_SECONDS, name=JOB_NAME
        )
