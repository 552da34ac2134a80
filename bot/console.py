"""The bot's commands in a terminal: `briefbot ask` and `briefbot console`."""

from __future__ import annotations

import asyncio
import contextlib

from config.settings import Settings
from store import Store

HELP = "/help - this list\n/timeline - the story in date order"


async def answer_plain(store: Store, settings: Settings, message: str) -> str:
    """What a reader would see in reply to `message`, as plain text."""
    command = message.strip().split(maxsplit=1)[0].lower() if message.strip() else ""
    if command in ("/help", "/start"):
        return HELP
    if command == "/timeline":
        events = await store.events.all()
        if not events:
            return "The briefing is empty: no events yet."
        return "\n".join(f"{e.date}  {e.summary}" for e in events)
    return "Unknown command. Send /help for the list."


async def run_console(store: Store, settings: Settings) -> None:
    """Read commands until Ctrl-D; arrow-key history where readline is available."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (imported for its side effect: line editing)
    print("briefbot console: type /help, Ctrl-D to leave.")
    loop = asyncio.get_running_loop()
    while True:
        try:
            line = await loop.run_in_executor(None, input, "you> ")
        except EOFError:
            print()
            return
        if line.strip():
            print(await answer_plain(store, settings, line))
