"""Staying inside Telegram's flood limits: the one rate limiter every Bot API request goes through.

Telegram refuses a message (429) when the bot has sent about 30 messages in the last second,
or 20 in the last minute to one group. PTB's AIORateLimiter is a leaky bucket: after a quiet
moment it lets 30 requests through at once and then 30 a second more, so one second can carry
up to 60, which is fine on average but refused by a sliding window.

`FloodLimiter` admits a request only while fewer than `budget` requests *may have been accepted
within the last window*: those still in flight and those answered less than a window ago.
Telegram accepted a request somewhere between our sending it and our reading the answer, so a
request answered more than a window ago is certainly outside Telegram's window. Counting all
the others keeps every window on Telegram's clock at or under the budget, however long or
uneven the network's and the server's delays are: delays cost throughput, never a 429. Each
request holds its place for a window plus its round trip, so at 29 per second and 10 ms round
trips the bot sends about 29 / 1.01 = 28.7 messages a second at most.

The budgets are one below Telegram's stated limits. The guarantee above is exact for a limit
counted when a message is accepted; the one spare message per window is slack for a service
that states its limits as "about" (and counts on its side of the network).

Replies to people go first: bulk senders (the digest fan-out) pass `rate_limit_args=BULK` and
queue behind every reply that is waiting, so a fan-out at the limit delays a reply until the
next free place in the window, not behind the whole queue of digests.

A 429 anyway (another client using the same token) holds every request for its retry_after,
then retries the refused one, up to `max_retries` times, as AIORateLimiter does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import timedelta
from enum import IntEnum
from heapq import heappop, heappush
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_LIMIT = 30  # messages a second, the whole bot (Telegram's FAQ)
GROUP_LIMIT = 20  # messages a minute to one group or channel
MAX_GROUP_WINDOWS = 512  # idle groups' windows are dropped beyond this many

Clock = Callable[[], float]
Result = bool | dict[str, Any] | list[dict[str, Any]]


class Priority(IntEnum):
    """Who goes first when both wait: lower values."""

    REPLY = 0
    BULK = 1


BULK = Priority.BULK


class Turns:
    """Whose turn it is to wait for room: the waiter with the lowest (priority, arrival).
    The holder of the turn gives it up to a better waiter that came meanwhile (`defer`)."""

    def __init__(self) -> None:
        self._waiting: list[tuple[tuple[int, int], asyncio.Future[None]]] = []
        self._order = itertools.count()
        self.held = False

    @contextlib.asynccontextmanager
    async def turn(self, priority: int) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Hold the turn inside the block; `await defer()` lets a better waiter go first."""
        key = (priority, next(self._order))
        holding = False

        async def defer() -> None:
            nonlocal holding
            best = self._best()
            if best is None or best >= key:
                return
            holding = False
            self._pass()
            await self._wait(key)
            holding = True

        await self._wait(key)
        holding = True
        try:
            yield defer
        finally:
            if holding:
                self._pass()

    def _best(self) -> tuple[int, int] | None:
        while self._waiting and self._waiting[0][1].done():
            heappop(self._waiting)  # cancelled waiters
        return self._waiting[0][0] if self._waiting else None

    async def _wait(self, key: tuple[int, int]) -> None:
        if not self.held:
            self.held = True
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heappush(self._waiting, (key, future))
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._pass()  # handed the turn just as we were cancelled: hand it on
            raise

    def _pass(self) -> None:
        while self._waiting:
            _, future = heappop(self._waiting)
            if not future.done():
                future.set_result(None)
                return
        self.held = False


class Window:
    """Requests that may count in a sliding window of `seconds` on the server's clock."""

    def __init__(self, budget: int, seconds: float, clock: Clock = time.monotonic) -> None:
        self.budget = budget
        self.seconds = seconds
        self.clock = clock
        self.in_flight = 0
        self.answered: deque[float] = deque()  # when each recent answer came, oldest first
        self.turns = Turns()
        self._answer: asyncio.Future[None] | None = None

    def wait_time(self, now: float) -> float:
        """0 when a request may go now; else how long until one may (inf: until an answer)."""
        while self.answered and self.answered[0] <= now - self.seconds:
            self.answered.popleft()
        if self.in_flight + len(self.answered) < self.budget:
            return 0.0
        if self.answered:
            return self.answered[0] + self.seconds - now
        return math.inf  # the whole budget is in flight

    async def enter(self, priority: int) -> None:
        """Wait for a place, in priority order, and take it."""
        async with self.turns.turn(priority) as defer:
            while (delay := self.wait_time(self.clock())) > 0:
                if delay == math.inf:
                    self._answer = asyncio.get_running_loop().create_future()
                    await self._answer
                else:
                    await asyncio.sleep(delay)
                await defer()  # a reply that came while we waited goes first
            self.in_flight += 1

    def leave(self) -> None:
        """The request was answered (or given up on): its place frees a window from now."""
        self.in_flight -= 1
        self.answered.append(self.clock())
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(None)

    def idle(self) -> bool:
        """Nothing in it any more: forgetting it changes no decision."""
        self.wait_time(self.clock())  # drops the answers older than the window
        return not (self.turns.held or self.in_flight or self.answered)


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait."""
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA (bot/telegram/__init__.py)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class FloodLimiter(BaseRateLimiter[Priority]):
    """Every request to a chat holds a place in the bot's window (and its group's, for groups
    and channels) from the moment it is sent until a window after its answer."""

    def __init__(
        self,
        *,
        overall_budget: int = OVERALL_LIMIT - 1,
        overall_seconds: float = 1.0,
        group_budget: int = GROUP_LIMIT - 1,
        group_seconds: float = 60.0,
        max_retries: int = 0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.clock = clock
        self.overall = Window(overall_budget, overall_seconds, clock)
        self.group_budget = group_budget
        self.group_seconds = group_seconds
        self.max_retries = max_retries
        self._groups: dict[int | str, Window] = {}
        self._prune_above = MAX_GROUP_WINDOWS
        self._hold_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _group(self, chat: int | str) -> Window:
        if len(self._groups) > self._prune_above:
            for key in [k for k, w in self._groups.items() if k != chat and w.idle()]:
                del self._groups[key]
            # Many groups busy within the minute (a fan-out): look again when twice as many.
            self._prune_above = max(MAX_GROUP_WINDOWS, 2 * len(self._groups))
        window = self._groups.get(chat)
        if window is None:
            window = self._groups[chat] = Window(self.group_budget, self.group_seconds, self.clock)
        return window

    def _windows(self, chat_id: object) -> list[Window]:
        """The group's window before the bot's, so waiting out a busy group's minute does not
        hold up other chats' turns in the bot's window."""
        if chat_id is None:
            return []  # getMe, answerCallbackQuery...: not messages to a chat
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[call-overload]
        if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
            return [self._group(chat_id), self.overall]
        return [self.overall]

    async def _wait_out_flood(self) -> None:
        while (remaining := self._hold_until - self.clock()) > 0:
            await asyncio.sleep(remaining)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Result]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> Result:
        """Send when there is room, replies before bulk; wait out and retry 429s."""
        priority = Priority.REPLY if rate_limit_args is None else rate_limit_args
        windows = self._windows(data.get("chat_id"))
        for attempt in itertools.count():
            await self._wait_out_flood()
            entered: list[Window] = []
            try:
                for window in windows:
                    await window.enter(priority)
                    entered.append(window)
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= self.max_retries:
                    raise
                wait = retry_seconds(exc) + 0.1
                log.info("%s hit flood control; every request waits %.1f s", endpoint, wait)
                self._hold_until = max(self._hold_until, self.clock() + wait)
            finally:
                for window in entered:
                    window.leave()
        raise AssertionError("unreachable")  # pragma: no cover
