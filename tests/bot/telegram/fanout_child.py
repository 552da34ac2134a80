"""One digest fan-out in a separate process, so a test can kill it for real (SIGKILL).

python -m tests.bot.telegram.fanout_child DB BASE_URL NOW [--die-after N] [--concurrency C]

Built like the running bot: `build_application` (FloodLimiter, HTTP to BASE_URL) and the
engine `bot.telegram.digests` installs; NOW is the scheduler's clock at start (it then runs
in real time). With --die-after N the process SIGKILLs itself right after the N-th chat's
delivery finished, i.e. between chats. Prints the outcome counts as JSON when it completes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import time
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from bot.delivery import Outcome
from bot.schedule import from_iso
from bot.telegram.app import build_application
from bot.telegram.digests import install_engine
from config.settings import Settings
from store import Store
from tests.fakes.bot_api import TOKEN


class RunningClock:
    """Starts at a given instant and runs in real time."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def now(self) -> datetime:
        return (self.start + timedelta(seconds=time.monotonic() - self.t0)).astimezone(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def main(args: argparse.Namespace) -> None:
    settings = Settings(  # type: ignore[call-arg]
        db=args.db,
        token=SecretStr(TOKEN),
        base_url=args.base_url + "/bot",
        base_file_url=args.base_url + "/file/bot",
        _env_file=None,
    )
    store = await Store.open(args.db)
    app = build_application(settings, store=store)
    await app.initialize()
    finished = 0

    async def on_chat_done(chat_id: int, outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        if args.die_after and finished >= args.die_after:
            os.kill(os.getpid(), signal.SIGKILL)

    engine = install_engine(
        app,
        clock=RunningClock(from_iso(args.now)),
        concurrency=args.concurrency,
        on_chat_done=on_chat_done,
    )
    report = await engine.run_due()
    print(json.dumps(report.outcomes), flush=True)
    await app.shutdown()
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("base_url")
    parser.add_argument("now")
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--concurrency", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
