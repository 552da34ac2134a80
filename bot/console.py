"""The bot's commands in a terminal: `briefbot ask` and `briefbot console`.

Both go through the same `bot.answers.answer` as Telegram and render with the plain-text
renderer. Long answers print every page, each ending with a "page n/N" line, so nothing
needs a button to be read.
"""

from __future__ import annotations

import contextlib
import logging
import signal

from bot.answers import Answer, ChatContext, Services, every_page
from bot.maintenance import operator_answer
from bot.render_text import render_answers
from config.settings import Settings
from store import Store
from store.errors import StoreReadOnly

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong."
READ_ONLY = "This user cannot write the briefing (BRIEFBOT_DB), and that command changes it."

# The terminal is one chat of its own (so /graphic on|off persists), run by the operator.
CONSOLE_CHAT = ChatContext(chat_id=0, chat_type="console", is_maintainer=True)


async def answers_for(store: Store, settings: Settings, message: str) -> list[Answer]:
    """The answer to `message` and each following page of it."""
    # A terminal whose encoding is not UTF-8 hands Python undecodable bytes as lone
    # surrogates, which no store or encoder takes: each becomes "?".
    message = message.encode("utf-8", "replace").decode("utf-8")
    services = Services(store, settings)
    reply = await operator_answer(services, message)
    if reply is not None:
        return [reply]
    return await every_page(services, CONSOLE_CHAT, message)


async def answer_plain(store: Store, settings: Settings, message: str) -> str:
    """What a reader would see in reply to `message`, as plain text."""
    return render_answers(await answers_for(store, settings, message))


def _read_line(prompt: str) -> str:
    """A line typed at the prompt; Ctrl-C raises KeyboardInterrupt. asyncio.run's own Ctrl-C
    handler only cancels the running task, which waits for a line read in a worker thread:
    the console then answered nothing and never ended, its thread still waiting. So the
    line is read here, in the main thread (nothing else runs on the loop meanwhile), with
    Python's own handler."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return input(prompt)
    finally:
        signal.signal(signal.SIGINT, previous)


async def run_console(store: Store, settings: Settings) -> None:
    """Read commands until Ctrl-D; arrow-key history where readline is available."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (imported for its side effect: line editing)
    print("briefbot console: type /help, Ctrl-D to leave.")
    while True:
        try:
            line = _read_line("you> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if not line.strip():
            continue
        try:
            reply = await answer_plain(store, settings, line)
        except StoreReadOnly:  # opened read-only: see bot/cli.py's _open_to_read
            reply = READ_ONLY
        except Exception:
            # A bug in one command must not end the session (as in Telegram, where the
            # one error handler logs it and apologises); the store rolled the change back.
            log.exception("the console command %r failed", line[:200])
            reply = APOLOGY
        print(reply)
