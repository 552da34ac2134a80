"""The flood limiter keeps every sliding window inside its budget, whatever the delays,
lets replies pass queued digests, and keeps a busy group from holding up other chats."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import timedelta
from typing import Any

import pytest
from telegram.error import BadRequest, RetryAfter

from bot.telegram.digests import telegram_sender
from bot.telegram.flood import BULK, FloodLimiter, Priority, Window


class Ticks:
    """A clock the test moves by hand; `sleep` returns when the test has moved it on."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        until = self.now + seconds
        while self.now < until:
            await asyncio.sleep(0.001)


async def request(
    limiter: FloodLimiter,
    chat_id: int | str | None,
    callback: Any,
    priority: Priority | None = None,
) -> Any:
    data = {} if chat_id is None else {"chat_id": chat_id}
    return await limiter.process_request(callback, (), {}, "sendMessage", data, priority)


async def test_a_place_frees_a_window_after_the_answer_not_after_the_send() -> None:
    ticks = Ticks()
    window = Window(budget=2, seconds=1.0, clock=ticks)
    await window.enter(Priority.BULK)
    await window.enter(Priority.BULK)
    assert window.wait_time(ticks.now) == float("inf")  # both may still be accepted any time
    ticks.now += 5.0  # a slow answer: Telegram may have accepted it just now
    window.leave()
    assert window.wait_time(ticks.now) == pytest.approx(1.0)
    ticks.now += 0.999
    assert window.wait_time(ticks.now) == pytest.approx(0.001)
    ticks.now += 0.001
    assert window.wait_time(ticks.now) == 0.0


async def test_no_window_on_the_servers_clock_exceeds_the_budget_whatever_the_delays() -> None:
    budget, seconds = 4, 0.05
    limiter = FloodLimiter(overall_budget=budget, overall_seconds=seconds)
    shuffle = random.Random(7)
    accepted: list[float] = []

    async def server_accepts_somewhere_in_the_round_trip() -> bool:
        await asyncio.sleep(shuffle.uniform(0, 0.02))  # the way there
        accepted.append(time.monotonic())
        await asyncio.sleep(shuffle.uniform(0, 0.02))  # the way back
        return True

    await asyncio.gather(
        *(
            request(limiter, 1000 + i, server_accepts_somewhere_in_the_round_trip)
            for i in range(40)
        )
    )
    accepted.sort()
    busiest = max(sum(1 for other in accepted if at - seconds < other <= at) for at in accepted)
    assert len(accepted) == 40
    assert busiest <= budget


async def test_replies_go_before_queued_bulk_sends() -> None:
    limiter = FloodLimiter(overall_budget=1, overall_seconds=0.01)
    release = asyncio.Event()
    order: list[str] = []

    def sender(name: str, *, hold: bool = False) -> Any:
        async def send() -> bool:
            order.append(name)
            if hold:
                await release.wait()
            return True

        return send

    first = asyncio.create_task(request(limiter, 1, sender("digest 1", hold=True), BULK))
    await asyncio.sleep(0)
    queued = [
        asyncio.create_task(request(limiter, c, sender(f"digest {c}"), BULK)) for c in (2, 3)
    ]
    await asyncio.sleep(0)
    answer = asyncio.create_task(request(limiter, 9, sender("reply")))
    await asyncio.sleep(0)
    assert order == ["digest 1"]  # the one place is in flight; the others wait for its answer
    release.set()
    await asyncio.gather(first, *queued, answer)
    assert order == ["digest 1", "reply", "digest 2", "digest 3"]


async def test_a_group_at_its_limit_waits_without_holding_up_other_chats() -> None:
    limiter = FloodLimiter(overall_budget=10, group_budget=2, group_seconds=60.0)

    async def ok() -> bool:
        return True

    for _ in range(2):
        assert await request(limiter, -500, ok)
    third = asyncio.create_task(request(limiter, -500, ok))
    assert await asyncio.wait_for(request(limiter, 42, ok), timeout=5)
    assert await asyncio.wait_for(request(limiter, "@channel", ok), timeout=5)
    assert not third.done()  # the group's minute is not over
    third.cancel()
    with pytest.raises(asyncio.CancelledError):
        await third
    group = limiter.groups.windows[-500]
    assert (group.in_flight, group.turns.held) == (0, False)  # nothing leaked by the cancel


async def test_a_429_retries_the_refused_request_up_to_max_retries() -> None:
    limiter = FloodLimiter(max_retries=2)
    calls: list[str] = []

    async def refused_once() -> bool:
        calls.append("try")
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=0))
        return True

    assert await request(limiter, 5, refused_once)
    assert calls == ["try", "try"]

    async def always_refused() -> bool:
        calls.append("again")
        raise RetryAfter(timedelta(seconds=0))

    with pytest.raises(RetryAfter):
        await request(limiter, 6, always_refused)
    assert calls.count("again") == 3  # the first try and max_retries more
    assert limiter.overall.in_flight == 0


class Recorder:
    """Callbacks that record, in order, which chat's request reached the server."""

    def __init__(self) -> None:
        self.order: list[str] = []
        self.refuse: dict[str, int] = {}  # name -> how many 429s to answer first

    def __call__(self, name: str) -> Any:
        async def send() -> bool:
            if self.refuse.get(name, 0) > 0:
                self.refuse[name] -= 1
                self.order.append(f"{name} refused")
                raise RetryAfter(timedelta(seconds=5))
            self.order.append(name)
            return True

        return send


async def until(condition: Any) -> None:
    """Let the limiter's tasks run until `condition()` holds."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the limiter never got there")


async def test_a_429_to_one_chat_holds_that_chat_only_then_sends_its_message_first() -> None:
    ticks = Ticks()  # the hold ends when the test moves the clock, not after real seconds
    limiter = FloodLimiter(max_retries=3, clock=ticks, sleep=ticks.sleep)
    server = Recorder()
    server.refuse["46 first"] = 1
    first = asyncio.create_task(request(limiter, 46, server("46 first")))
    await until(lambda: server.order == ["46 first refused"])
    later = asyncio.create_task(request(limiter, 46, server("46 later")))
    assert await asyncio.wait_for(request(limiter, 47, server("47")), timeout=5)
    assert await asyncio.wait_for(request(limiter, -500, server("group")), timeout=5)
    await asyncio.sleep(0.05)
    assert server.order == ["46 first refused", "47", "group"]  # 46 waits, nobody else
    ticks.now += 5.2  # retry_after, and the 0.1 s of slack
    assert await asyncio.wait_for(first, timeout=5)
    # The refused message went once more, before the chat's later one, which waits its second.
    assert server.order == ["46 first refused", "47", "group", "46 first"]
    ticks.now += 1.0
    assert await asyncio.wait_for(later, timeout=5)
    assert server.order == ["46 first refused", "47", "group", "46 first", "46 later"]


@pytest.mark.parametrize("refused_chat", [None, 47], ids=["no-chat", "a-second-chat"])
async def test_a_429_without_a_chat_or_for_a_second_chat_holds_everything(
    refused_chat: int | None,
) -> None:
    ticks = Ticks()
    limiter = FloodLimiter(max_retries=3, clock=ticks, sleep=ticks.sleep)
    server = Recorder()
    server.refuse = {"46": 1, "second": 1}
    tasks = [asyncio.create_task(request(limiter, 46, server("46")))]
    await until(lambda: server.order == ["46 refused"])
    tasks.append(asyncio.create_task(request(limiter, refused_chat, server("second"))))
    await until(lambda: server.order == ["46 refused", "second refused"])
    tasks.append(asyncio.create_task(request(limiter, 48, server("48"))))
    await asyncio.sleep(0.05)
    assert server.order == ["46 refused", "second refused"]  # the bot's limit: all wait
    ticks.now += 5.2
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert sorted(server.order[2:]) == ["46", "48", "second"]


async def test_one_chat_gets_a_message_a_second_while_other_chats_go_at_once() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(clock=ticks, sleep=ticks.sleep)
    server = Recorder()
    burst = [asyncio.create_task(request(limiter, 46, server(f"46 #{n}"))) for n in (1, 2, 3)]
    await until(lambda: server.order == ["46 #1"])  # the first reply goes at once
    assert await asyncio.wait_for(request(limiter, 47, server("47")), timeout=5)
    assert await asyncio.wait_for(request(limiter, 48, server("48")), timeout=5)
    await asyncio.sleep(0.05)
    assert server.order == ["46 #1", "47", "48"]
    ticks.now += 1.0
    await until(lambda: len(server.order) == 4)
    await asyncio.sleep(0.05)
    assert server.order == ["46 #1", "47", "48", "46 #2"]  # one more, not the rest
    ticks.now += 1.0
    await asyncio.wait_for(asyncio.gather(*burst), timeout=5)
    assert server.order == ["46 #1", "47", "48", "46 #2", "46 #3"]


async def test_edits_and_refused_messages_do_not_use_the_chats_second() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(clock=ticks, sleep=ticks.sleep)
    server = Recorder()

    async def refused() -> bool:
        server.order.append("refused")
        raise BadRequest("Can't parse entities")

    with pytest.raises(BadRequest):
        await request(limiter, 46, refused)
    assert await asyncio.wait_for(request(limiter, 46, server("plain text")), timeout=5)
    data = {"chat_id": 46}
    for page in (2, 3):
        edit = server(f"page {page}")
        assert await asyncio.wait_for(
            limiter.process_request(edit, (), {}, "editMessageText", data, None), timeout=5
        )
    assert server.order == ["refused", "plain text", "page 2", "page 3"]
    assert limiter.chats.windows[46].wait_time(ticks.now) == pytest.approx(1.0)


async def test_requests_without_a_chat_are_not_counted() -> None:
    limiter = FloodLimiter(overall_budget=1)

    async def ok() -> bool:
        return True

    for _ in range(3):
        assert await asyncio.wait_for(request(limiter, None, ok), timeout=5)
    assert (limiter.overall.in_flight, len(limiter.overall.answered)) == (0, 0)


class RecordingBot:
    def __init__(self, limiter: object) -> None:
        self.rate_limiter = limiter
        self.options: list[dict[str, object]] = []

    async def send_message(self, chat_id: int, text: str, **options: object) -> None:
        self.options.append(options)


@pytest.mark.parametrize(
    ("limiter", "expected"),
    [(FloodLimiter(), BULK), (None, None)],
    ids=["flood-limiter", "no-limiter"],
)
async def test_digests_are_sent_as_bulk_behind_replies(
    limiter: object, expected: Priority | None
) -> None:
    bot = RecordingBot(limiter)
    await telegram_sender(bot)(42, "digest")
    assert bot.options[0].get("rate_limit_args") == expected


async def test_windows_of_groups_quiet_for_a_minute_are_dropped() -> None:
    ticks = Ticks()
    limiter = FloodLimiter(overall_budget=10_000, clock=ticks)

    async def ok() -> bool:
        return True

    for group in range(600):
        await request(limiter, -1 - group, ok)
    assert len(limiter.groups.windows) == 600  # all sent to within the minute: kept
    ticks.now += 60.0
    later = [-10_000 - group for group in range(500)]
    for group in later:
        await request(limiter, group, ok)
    assert sorted(limiter.groups.windows) == sorted(later)
