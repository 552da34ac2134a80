"""What /subscribe, /unsubscribe, /digest and /timezone do to a chat's digests, as Answers.

No Telegram here: the Telegram handlers decide *who* may act *where* (admins in groups,
channel rights) and then call these with the chat to change. `where` names the chat in
replies: "this chat" or "@channel".
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
)
from config.settings import Settings
from store import Store

DEFAULT_TIME = time(9, 0)


def refusal(text: str) -> Answer:
    return Answer(title=text, is_error=True)


async def chat_zone(store: Store, settings: Settings, chat_id: int) -> str:
    """The chat's own zone (/timezone), else the bot's default."""
    chat = await store.chats.get(chat_id)
    return (chat.timezone if chat else None) or settings.timezone


async def _schedule_lines(store: Store, chat_id: int, now: datetime) -> list[str]:
    record = await store.digests.schedule(chat_id)
    if record is None:
        return ["No schedule: /digest daily 09:00 sets one."]
    schedule = schedule_of(record)
    lines = [f"Schedule: {schedule.describe()}."]
    subscription = await store.digests.subscription(chat_id)
    if subscription is not None and subscription.active:
        lines.append(f"Next digest: {describe_moment(schedule.next_run(now), schedule.zone)}.")
    return lines


async def show(
    store: Store, settings: Settings, chat_id: int, now: datetime, where: str
) -> Answer:
    """`/digest`: the schedule, the next run in the chat's zone, and the chat's state."""
    subscription = await store.digests.subscription(chat_id)
    zone = await chat_zone(store, settings, chat_id)
    chat = await store.chats.get(chat_id)
    lines: list[str] = []
    if subscription is None:
        lines.append(f"Digests are not set up for {where}: /subscribe starts them.")
    elif not subscription.active:
        reason = subscription.paused_reason or "paused"
        if reason == "unsubscribed":
            lines.append(f"Digests are off for {where} (unsubscribed): /subscribe resumes them.")
        else:
            lines.append(f"Digests are paused for {where}: {reason}. /subscribe resumes them.")
    else:
        lines.append(f"Digests are on for {where}.")
    lines.extend(await _schedule_lines(store, chat_id, now))
    if subscription is not None and subscription.last_digest_at:
        lines.append(
            f"Last digest: {describe_moment(from_iso(subscription.last_digest_at), zone)}."
        )
    empty = "a short note" if chat is not None and chat.send_empty_digest else "nothing"
    lines.append(f"When nothing is new: {empty} (/digest empty on|off).")
    lines.append(f"Time zone: {zone} (/timezone ZONE).")
    return Answer(title=f"Digests for {where}", intro=tuple(lines))


async def subscribe(
    store: Store, settings: Settings, chat_id: int, user_id: int | None, now: datetime, where: str
) -> Answer:
    """Start (or resume) digests; a chat without a schedule gets daily at 09:00 local."""
    await store.digests.subscribe(chat_id, at=iso(now))
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
    lines = await _schedule_lines(store, chat_id, now)
    lines.append(
        "Each digest lists what was added or changed since the one before; "
        "/timeline shows the story so far."
    )
    return Answer(title=f"Subscribed {where} to digests.", intro=tuple(lines))


async def unsubscribe(store: Store, chat_id: int, where: str) -> Answer:
    if await store.digests.unsubscribe(chat_id):
        return Answer(title=f"Unsubscribed {where}: no more digests. /subscribe starts again.")
    return Answer(title=f"{where[0].upper()}{where[1:]} is not subscribed to digests.")


async def change(
    store: Store,
    settings: Settings,
    chat_id: int,
    request: DigestRequest,
    user_id: int | None,
    now: datetime,
    where: str,
) -> Answer:
    """`/digest daily|weekly ...`, `off`, `empty on|off` (not `now`: that sends)."""
    if request.action == "off":
        had = await store.digests.clear_schedule(chat_id)
        if not had:
            return Answer(title=f"{where[0].upper()}{where[1:]} has no digest schedule.")
        return Answer(
            title=f"Scheduled digests are off for {where}.",
            intro=("/digest now still sends one on request; /digest daily 09:00 restarts them.",),
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
    await store.digests.subscribe(chat_id, at=iso(now))
    return Answer(
        title=f"Digests for {where}: {schedule.describe()}.",
        intro=(f"Next digest: {describe_moment(schedule.next_run(now), schedule.zone)}.",),
    )


async def set_timezone(
    store: Store, settings: Settings, chat_id: int, text: str, now: datetime, where: str
) -> Answer:
    """`/timezone ZONE`: the chat's zone; its schedule keeps its local time in the new zone."""
    if not text.strip():
        zone = await chat_zone(store, settings, chat_id)
        return Answer(
            title=f"Time zone of {where}: {zone}.",
            intro=("Change it with /timezone ZONE, e.g. /timezone Europe/Berlin.",),
        )
    try:
        zone = parse_zone(text)
    except ScheduleError as exc:
        return refusal(str(exc))
    await store.digests.set_timezone(chat_id, zone, at=iso(now))
    lines = await _schedule_lines(store, chat_id, now)
    return Answer(title=f"Time zone of {where}: {zone}.", intro=tuple(lines))
