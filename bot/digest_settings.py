"""What /subscribe, /unsubscribe, /digest and /timezone do to a chat's digests, as Answers.

No Telegram here: the Telegram handlers decide *who* may act *where* (admins in groups,
channel rights) and then call these with the chat to change. `where` names the chat in
replies: "this chat", "@channel" or a channel's title. `target` is what names a channel in a
command ("@channel" or its id): every command a reply suggests carries it, since the same
command without it, sent in the private chat as told, would change the private chat.
"""

from __future__ import annotations

from datetime import datetime, time

from bot.answers import Answer
from bot.schedule import (
    DigestRequest,
    Schedule,
    ScheduleError,
    describe_moment,
    from_iso,
    iso,
    parse_zone,
    schedule_of,
    zone_note,
)
from config.settings import Settings
from config.zones import zone_loads
from store import Store
from store.models import Chat, DigestSchedule, Subscription

DEFAULT_TIME = time(9, 0)


def refusal(text: str) -> Answer:
    return Answer(title=text, is_error=True)


def hint(command: str, target: str | None) -> str:
    """`command` as the reader should send it: '/digest empty on|off' for a channel becomes
    '/digest @channel empty on|off'."""
    if target is None:
        return command
    name, _, rest = command.partition(" ")
    return f"{name} {target} {rest}".rstrip()


async def chat_zone(store: Store, settings: Settings, chat_id: int) -> str:
    """The chat's own zone (/timezone), else (or when this system cannot read it) the bot's
    default."""
    chat = await store.chats.get(chat_id)
    zone = chat.timezone if chat else None
    return zone if zone and zone_loads(zone) else settings.timezone


def _zone_notes(zone: str) -> list[str]:
    """A warning about the zone's name, when it reads as another offset (Etc/GMT+3)."""
    note = zone_note(zone)
    return [note] if note else []


def next_digest_line(record: DigestSchedule, now: datetime) -> str:
    """When the chat's next digest comes. A slot that has passed but is still owed (the
    scheduler looks every 30 seconds) is the next one, not the slot after it."""
    schedule = schedule_of(record)
    owed = schedule.due_slot(now, from_iso(record.updated_at))
    if owed is not None and not (record.last_run_at and record.last_run_at >= iso(owed)):
        return f"Next digest: {describe_moment(owed, schedule.zone)} (being sent)."
    return f"Next digest: {describe_moment(schedule.next_run(now), schedule.zone)}."


async def _schedule_lines(
    store: Store, chat_id: int, now: datetime, target: str | None
) -> list[str]:
    record = await store.digests.schedule(chat_id)
    if record is None:
        return [f"No schedule: {hint('/digest daily 09:00', target)} sets one."]
    schedule = schedule_of(record)
    lines = [f"Schedule: {schedule.describe()}."]
    if not zone_loads(schedule.zone):
        # The fan-out skips such a chat (bot.delivery): say so, and how to mend it.
        zone = hint("/timezone ZONE", target)
        lines.append(
            f"Time zone {schedule.zone} is not known on this server any more: {zone} sets"
            " one; no digests until then."
        )
        return lines
    subscription = await store.digests.subscription(chat_id)
    if subscription is not None and subscription.active:
        lines.append(next_digest_line(record, now))
    return lines


async def show(
    store: Store,
    settings: Settings,
    chat_id: int,
    now: datetime,
    where: str,
    target: str | None = None,
) -> Answer:
    """`/digest`: the schedule, the next run in the chat's zone, and the chat's state."""
    subscription = await store.digests.subscription(chat_id)
    zone = await chat_zone(store, settings, chat_id)
    chat = await store.chats.get(chat_id)
    scheduled = await store.digests.schedule(chat_id) is not None
    lines = [_state_line(subscription, scheduled, where, target)]
    lines.extend(await _failure_lines(store, chat_id, zone))
    lines.extend(await _schedule_lines(store, chat_id, now, target))
    if subscription is not None and subscription.last_digest_at:
        lines.append(
            f"Last digest: {describe_moment(from_iso(subscription.last_digest_at), zone)}."
        )
    empty = "a short note" if chat is not None and chat.send_empty_digest else "nothing"
    lines.append(f"When nothing is new: {empty} ({hint('/digest empty on|off', target)}).")
    lines.append(f"Time zone: {zone} ({hint('/timezone ZONE', target)}).")
    return Answer(title=f"Digests for {where}", intro=tuple(lines))


def _state_line(
    subscription: Subscription | None, scheduled: bool, where: str, target: str | None
) -> str:
    """Whether digests are on, off or paused (and why), with how to start them."""
    subscribe = hint("/subscribe", target)
    if subscription is None:
        return f"Digests are not set up for {where}: {subscribe} starts them."
    if subscription.active and not scheduled:
        # After /digest off: subscribed still, but nothing comes unless asked for.
        return f"Digests are on for {where}, on request only ({hint('/digest now', target)})."
    if subscription.active:
        return f"Digests are on for {where}."
    reason = subscription.paused_reason or "paused"
    if reason == "unsubscribed":
        return f"Digests are off for {where} (unsubscribed): {subscribe} resumes them."
    return f"Digests are paused for {where}: {reason}. {subscribe} resumes them."


async def _failure_lines(store: Store, chat_id: int, zone: str) -> list[str]:
    """The failures since the last digest that went out: a run Telegram keeps refusing for
    a reason that does not pause the chat (a closed topic, say) is otherwise invisible."""
    failures = await store.digests.failures_since_success(chat_id)
    if not failures:
        return []
    latest = failures[0]
    when = describe_moment(from_iso(latest.updated_at), zone)
    runs = f" ({len(failures)} runs in a row)" if len(failures) > 1 else ""
    return [f"Last attempt failed on {when}: {latest.error or 'unknown error'}{runs}."]


def paused_notice(chat: Chat, reason: str) -> str:
    """What a chat is told, in plain text, when its digests pause because Telegram keeps
    refusing them: why, how they resume, and that nothing is lost."""
    if chat.type == "channel":
        target = f"@{chat.username}" if chat.username else str(chat.id)
        resume = (
            f"An administrator can resume them by sending me {hint('/subscribe', target)}"
            " in a private chat"
        )
    elif chat.type in ("group", "supergroup"):
        resume = (
            "An administrator can resume them by sending /subscribe here (in a group with"
            " topics, in the topic they should go to)"
        )
    else:
        resume = "Send /subscribe to resume them"
    return (
        f"Digests are paused: {reason}. {resume}; the next digest then brings everything"
        " since the last one that arrived."
    )


async def subscribe(
    store: Store,
    settings: Settings,
    chat_id: int,
    user_id: int | None,
    now: datetime,
    where: str,
    target: str | None = None,
    thread_id: int | None = None,
) -> Answer:
    """Start (or resume) digests, to the forum topic `thread_id` the command came from;
    a chat without a schedule gets daily at 09:00 local."""
    await store.digests.subscribe(chat_id, at=iso(now), thread_id=thread_id)
    if await store.digests.schedule(chat_id) is None:
        zone = await chat_zone(store, settings, chat_id)
        await store.digests.set_schedule(
            chat_id,
            frequency="daily",
            weekday=None,
            time_of_day=DEFAULT_TIME.strftime("%H:%M"),
            timezone=zone,
            configured_by=user_id,
            at=iso(now),
        )
    lines = await _schedule_lines(store, chat_id, now, target)
    lines.append(
        "Each digest lists what was added or changed since the one before; "
        "/timeline shows the story so far."
    )
    return Answer(title=f"Subscribed {where} to digests.", intro=tuple(lines))


async def unsubscribe(store: Store, chat_id: int, where: str, target: str | None = None) -> Answer:
    if await store.digests.unsubscribe(chat_id):
        return Answer(
            title=f"Unsubscribed {where}: no more digests. "
            f"{hint('/subscribe', target)} starts again."
        )
    return Answer(title=f"{where[0].upper()}{where[1:]} is not subscribed to digests.")


async def change(
    store: Store,
    settings: Settings,
    chat_id: int,
    request: DigestRequest,
    user_id: int | None,
    now: datetime,
    where: str,
    target: str | None = None,
    thread_id: int | None = None,
) -> Answer:
    """`/digest daily|weekly ...`, `off`, `empty on|off` (not `now`: that sends). A new
    schedule also sends the digests to the forum topic `thread_id` it was set in."""
    if request.action == "off":
        had = await store.digests.clear_schedule(chat_id)
        if not had:
            return Answer(title=f"{where[0].upper()}{where[1:]} has no digest schedule.")
        return Answer(
            title=f"Scheduled digests are off for {where}.",
            intro=(
                f"{hint('/digest now', target)} still sends one on request; "
                f"{hint('/digest daily 09:00', target)} restarts them.",
            ),
        )
    if request.action == "empty":
        await store.digests.set_send_empty(chat_id, bool(request.flag))
        note = "a short note" if request.flag else "nothing"
        return Answer(title=f"When nothing is new, {where} gets {note}.")
    assert request.action == "set"
    if request.zone is not None:
        # A zone named here becomes the chat's zone, so later changes keep using it.
        await store.digests.set_timezone(chat_id, request.zone, at=iso(now))
    schedule: Schedule = request.schedule(await chat_zone(store, settings, chat_id))
    await store.digests.set_schedule(
        chat_id,
        frequency=schedule.frequency,
        weekday=schedule.weekday,
        time_of_day=schedule.time_of_day,
        timezone=schedule.zone,
        configured_by=user_id,
        at=iso(now),
    )
    # Resuming a paused chat makes the schedule count from now (store.digests.subscribe).
    await store.digests.subscribe(chat_id, at=iso(now), thread_id=thread_id)
    record = await store.digests.schedule(chat_id)
    assert record is not None
    return Answer(
        title=f"Digests for {where}: {schedule.describe()}.",
        intro=(next_digest_line(record, now), *_zone_notes(schedule.zone)),
    )


async def set_timezone(
    store: Store,
    settings: Settings,
    chat_id: int,
    text: str,
    now: datetime,
    where: str,
    target: str | None = None,
) -> Answer:
    """`/timezone ZONE`: the chat's zone; its schedule keeps its local time in the new zone."""
    if not text.strip():
        zone = await chat_zone(store, settings, chat_id)
        return Answer(
            title=f"Time zone of {where}: {zone}.",
            intro=(
                f"Change it with {hint('/timezone ZONE', target)}, "
                f"e.g. {hint('/timezone Europe/Berlin', target)}.",
            ),
        )
    try:
        zone = parse_zone(text)
    except ScheduleError as exc:
        return refusal(str(exc))
    await store.digests.set_timezone(chat_id, zone, at=iso(now))
    lines = await _schedule_lines(store, chat_id, now, target)
    return Answer(title=f"Time zone of {where}: {zone}.", intro=(*lines, *_zone_notes(zone)))
