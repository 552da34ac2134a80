"""Staying inside Telegram's flood limits: the one rate limiter every Bot API request goes through.

Telegram refuses a message (429) when the bot has sent about 30 messages in the last second,
about one a second to one chat for more than a short burst, or 20 in the last minute to one
group. PTB's AIORateLimiter is a leaky bucket: after a quiet moment it lets 30 requests through
at once and then 30 a second more, so one second can carry up to 60, which is fine on average
but refused by a sliding window; and it has no per-chat window for private chats, so one
reader sending commands fast could have 30 replies a second and use the whole bot's budget.

`FloodLimiter` admits a request only while fewer than `budget` requests *may have been accepted
within the last window*: those still in flight and those answered less than a window ago.
Telegram accepted a request somewhere between our sending it and our reading the answer, so a
request answered more than a window ago is certainly outside Telegram's window. Counting all
the others keeps every window on Telegram's clock at or under the budget, however long or
uneven the network's and the server's delays are: delays cost throughput, never a 429. Each
request holds its place for a window plus its round trip, so at 29 per second and 10 ms round
trips the bot sends about 29 / 1.01 = 28.7 messages a second at most.

Every request to a chat goes through that chat's window (1 a second), a group's or channel's
also through its minute (19), then through the bot's second (29). The overall and group
budgets are one below Telegram's stated limits. The guarantee above is exact for a limit
counted when a message is accepted; the one spare message per window is slack for a service
that states its limits as "about" (and counts on its side of the network). The chat's one a
second needs no spare: counted from the answer, two messages to one chat are always more than
a second apart on Telegram's clock. A reply to a reader's first command goes at once; only a
second message within the second waits, so a conversation is not slowed, and a burst of
commands from one chat is answered at one a second while every other chat's replies go as
usual. A digest's parts are a second apart already (bot/delivery.py), so they do not wait.

Replies to people go first: bulk senders (the digest fan-out) pass `rate_limit_args=BULK` and
queue behind every reply that is waiting, so a fan-out at the limit delays a reply until the
next free place in the window, not behind the whole queue of digests.

A 429 anyway is waited out for its retry_after, then the refused request is retried, up to
`max_retries` times, as AIORateLimiter does, ahead of the chat's later requests. Telegram does
not say which limit a 429 is for, so the limiter reads it from what was refused: a request to
a chat holds only that chat (its per-chat limit: other readers are not made to wait); a
request without a chat, or a second chat refused while another is still held, holds every
request (the bot's overall limit, e.g. another client using the same token: the first refusal
costs one more 429, not a stall of the whole bot for one reader).
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

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

OVERALL_LIMIT = 30  # messages a second, the whole bot (Telegram's FAQ)
GROUP_LIMIT = 20  # messages a minute to one group or channel
CHAT_LIMIT = 1  # messages a second to one chat ("avoid more than one", Telegram's FAQ)
MAX_CHAT_WINDOWS = 512  # idle chats' windows are dropped beyond this many

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Result = bool | dict[str, Any] | list[dict[str, Any]]
ChatKey = int | str  # a chat id, or a public chat's @username


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
    async def turn(
        self, priority: int, arrival: int | None = None
    ) -> AsyncIterator[Callable[[], Awaitable[None]]]:
        """Hold the turn inside the block; `await defer()` lets a better waiter go first.
        `arrival` orders waiters of one priority (default: the order they came in)."""
        key = (priority, next(self._order) if arrival is None else arrival)
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

    def __init__(
        self,
        budget: int,
        seconds: float,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.budget = budget
        self.seconds = seconds
        self.clock = clock
        self.sleep = sleep
        self.in_flight = 0
        self.answered: deque[float] = deque()  # when each recent answer came, oldest first
        self.turns = Turns()
        self.held_until = 0.0  # a 429's retry_after: nothing goes before
        self._answer: asyncio.Future[None] | None = None

    def wait_time(self, now: float) -> float:
        """0 when a request may go now; else how long until one may (inf: until an answer)."""
        while self.answered and self.answered[0] <= now - self.seconds:
            self.answered.popleft()
        held = max(self.held_until - now, 0.0)
        if self.in_flight + len(self.answered) < self.budget:
            return held
        if self.answered:
            return max(self.answered[0] + self.seconds - now, held)
        return math.inf  # the whole budget is in flight

    def hold(self, until: float) -> None:
        """Telegram refused (429): no request enters before `until`."""
        self.held_until = max(self.held_until, until)

    def held(self, now: float) -> bool:
        """Inside a hold."""
        return self.held_until > now

    async def enter(self, priority: int, arrival: int | None = None) -> None:
        """Wait for a place, in (priority, arrival) order, and take it."""
        async with self.turns.turn(priority, arrival) as defer:
            while (delay := self.wait_time(self.clock())) > 0:
                if delay == math.inf:
                    self._answer = asyncio.get_running_loop().create_future()
                    await self._answer
                else:
                    await self.sleep(delay)
                await defer()  # a reply that came while we waited goes first
            self.in_flight += 1

    def leave(self, *, counts: bool = True) -> None:
        """The request was answered (or given up on): its place frees a window from now, or
        at once when it `counts` for nothing (Telegram refused it: nothing reached the chat)."""
        self.in_flight -= 1
        if counts:
            self.answered.append(self.clock())
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(None)

    def idle(self) -> bool:
        """Nothing in it any more: forgetting it changes no decision."""
        now = self.clock()
        self.wait_time(now)  # drops the answers older than the window
        return not (self.turns.held or self.in_flight or self.answered or self.held(now))


class ChatWindows:
    """One window per chat, made when the chat is first sent to; once there are many, the
    windows of chats quiet for a whole window are forgotten (a fan-out meets each chat once)."""

    def __init__(self, budget: int, seconds: float, clock: Clock, sleep: Sleep) -> None:
        self.budget = budget
        self.seconds = seconds
        self.clock = clock
        self.sleep = sleep
        self.windows: dict[ChatKey, Window] = {}
        self._prune_above = MAX_CHAT_WINDOWS

    def __getitem__(self, chat: ChatKey) -> Window:
        if len(self.windows) > self._prune_above:
            for key in [k for k, w in self.windows.items() if k != chat and w.idle()]:
                del self.windows[key]
            # Many chats busy within the window (a fan-out): look again when twice as many.
            self._prune_above = max(MAX_CHAT_WINDOWS, 2 * len(self.windows))
        window = self.windows.get(chat)
        if window is None:
            window = Window(self.budget, self.seconds, self.clock, self.sleep)
            self.windows[chat] = window
        return window

    def held(self) -> list[ChatKey]:
        """The chats inside a hold now."""
        now = self.clock()
        return [chat for chat, window in self.windows.items() if window.held(now)]


def retry_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait."""
    value = error.retry_after  # a timedelta with PTB_TIMEDELTA (bot/telegram/__init__.py)
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_key(chat_id: object) -> ChatKey | None:
    """The chat a request is sent to (an id, or a public chat's @username); None: no chat."""
    if chat_id is None:
        return None
    with contextlib.suppress(ValueError, TypeError):
        return int(chat_id)  # type: ignore[call-overload,no-any-return]
    return str(chat_id)


def posts_a_message(endpoint: str) -> bool:
    """A method that adds a message to a chat: what Telegram's one a second per chat counts
    (not an edit, a chat action or a lookup such as getChatMember)."""
    if endpoint.startswith("send"):
        return endpoint != "sendChatAction"
    return endpoint.startswith(("copyMessage", "forwardMessage"))


def is_group(chat: ChatKey) -> bool:
    """Groups, supergroups and channels have negative ids; only public ones have a name."""
    return isinstance(chat, str) or chat < 0


class FloodLimiter(BaseRateLimiter[Priority]):
    """Every request to a chat holds a place in the chat's window, its group's (for groups
    and channels) and the bot's, from the moment it is sent until a window after its answer."""

    def __init__(
        self,
        *,
        overall_budget: int = OVERALL_LIMIT - 1,
        overall_seconds: float = 1.0,
        group_budget: int = GROUP_LIMIT - 1,
        group_seconds: float = 60.0,
        chat_budget: int = CHAT_LIMIT,
        chat_seconds: float = 1.0,
        max_retries: int = 0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.overall = Window(overall_budget, overall_seconds, clock, sleep)
        self.groups = ChatWindows(group_budget, group_seconds, clock, sleep)
        self.chats = ChatWindows(chat_budget, chat_seconds, clock, sleep)
        self.max_retries = max_retries
        self._arrivals = itertools.count()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _windows(self, chat: ChatKey | None, posts: bool) -> list[Window]:
        """The chat's own windows before the bot's, so waiting out a busy chat's second or a
        group's minute does not hold up other chats' turns in the bot's window. The chat's
        second paces the messages it is sent, not edits (a page turned) or lookups."""
        if chat is None:
            return []  # getMe, answerCallbackQuery...: not messages to a chat
        own = [self.groups[chat]] if is_group(chat) else []
        if posts:
            own.append(self.chats[chat])
        return [*own, self.overall]

    async def _wait_out_hold(self, chat: ChatKey | None, windows: list[Window]) -> None:
        """The holds a request waits out outside the windows: every hold for a request
        without a chat, its chat's for a request to a chat that the chat's second does not
        pace (the windows wait out the others)."""
        while True:
            if not windows:
                until = self.overall.held_until
            elif chat is not None and (window := self.chats.windows.get(chat)) not in windows:
                until = window.held_until if window is not None else 0.0
            else:
                return
            if (remaining := until - self.clock()) <= 0:
                return
            await self.sleep(remaining)

    def _hold(self, chat: ChatKey | None, seconds: float, endpoint: str) -> None:
        """Hold the refused chat, or everything when the limit was the bot's (see above)."""
        until = self.clock() + seconds
        others = [held for held in self.chats.held() if held != chat] if chat is not None else []
        if chat is None or others:
            why = "no chat" if chat is None else f"chats {chat} and {others[0]} both refused"
            log.info(
                "%s hit flood control (%s); every request waits %.1f s", endpoint, why, seconds
            )
            self.overall.hold(until)
            return
        log.info(
            "%s to chat %s hit flood control; that chat waits %.1f s", endpoint, chat, seconds
        )
        self.chats[chat].hold(until)

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
        # One arrival for all tries: a refused request goes again before its chat's later ones.
        arrival = next(self._arrivals)
        chat = chat_key(data.get("chat_id"))
        windows = self._windows(chat, posts_a_message(endpoint))
        for attempt in itertools.count():
            await self._wait_out_hold(chat, windows)
            entered: list[Window] = []
            refused = False
            try:
                for window in windows:
                    await window.enter(priority, arrival)
                    entered.append(window)
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                refused = True  # the hold, not the window, says when the chat is sent to next
                # Held before this request leaves its chat's window: with one place a second,
                # no later request to the chat can have gone past the hold.
                self._hold(chat, retry_seconds(exc) + 0.1, endpoint)
                if attempt >= self.max_retries:
                    raise
            except (BadRequest, Forbidden, ChatMigrated):
                # Not delivered: the chat's windows need not count it (so the plain-text
                # fallback of a refused reply goes at once); the bot's window still does.
                refused = True
                raise
            finally:
                for window in entered:
                    window.leave(counts=not refused or window is self.overall)
        raise AssertionError("unreachable")  # pragma: no cover
