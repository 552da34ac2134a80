"""`briefbot console` and `briefbot ask` answer like the Telegram bot, in plain text."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.console import answer_plain
from config.settings import Settings
from store import Store
from tests.bot.briefing import sample_briefing

REPO = Path(__file__).resolve().parents[2]


def briefbot(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=60,
    )


async def test_console_session(store: Store) -> None:
    await sample_briefing(store)
    result = briefbot("console", stdin="/timeline 2020\n/facility Саратов\n/graphic on\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Beatings routine at OTB-1" in out and "[alleged]" in out
    assert "Events at Saratov Oblast" in out
    assert "Graphic excerpts will be shown in full" in out
    assert "Traceback" not in out + result.stderr


async def test_ask_matches_the_console(store: Store, settings: Settings) -> None:
    await sample_briefing(store)
    result = briefbot("ask", "/event 2")
    assert result.returncode == 0
    assert result.stdout.strip() == (await answer_plain(store, settings, "/event 2")).strip()
    assert "[graphic excerpt hidden; /graphic on shows it]" in result.stdout


async def test_ask_with_bad_input_answers_with_a_hint(store: Store) -> None:
    for message, expected in [
        ("/event x", "'x' is not a number"),
        ("/nope", "Unknown command /nope"),
        ("/timeline 2021-99", "Usage: /timeline"),
    ]:
        result = briefbot("ask", message)
        # A refusal is a non-zero exit, so a script can tell (it was 0, as for an answer).
        assert result.returncode == 1 and expected in result.stdout, message
        assert "Traceback" not in result.stderr


async def test_maintainer_list_without_maintainers_says_none_are_set(
    store: Store, settings: Settings
) -> None:
    """In the terminal, with BRIEFBOT_MAINTAINERS unset, the list was a bare heading."""
    unset = settings.model_copy(update={"maintainers": []})
    assert (await answer_plain(store, unset, "/maintainer list")).strip().splitlines() == [
        "Maintainers:",
        "",
        "None: BRIEFBOT_MAINTAINERS is not set (its first id is the owner).",
    ]


async def test_bytes_a_terminal_could_not_decode_are_answered(
    store: Store, settings: Settings
) -> None:
    """`briefbot ask "/facility Z\xfcrich"` from a Latin-1 terminal reached the store as a
    lone surrogate, and the reply was an apology (with a traceback in the log)."""
    await sample_briefing(store)
    facility = await answer_plain(store, settings, "/facility Z\udcfcrich")
    assert facility.startswith("No place called “Z?rich”")
    added = await answer_plain(
        store, settings, "/addstory On 5 October 2021 the court in Z\udcfcrich opened a case."
    )
    assert added.startswith("Added story ")
    assert "Z?rich" in (await store.sources.list_all())[-1].text


def read_until(master: int, wanted: bytes, seconds: float) -> bytes:
    """What the terminal shows until `wanted` appears (or the time is up, or it closes)."""
    shown = b""
    deadline = time.monotonic() + seconds
    while wanted not in shown and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                shown += os.read(master, 65536)
            except OSError:  # the console ended and closed the terminal
                break
    return shown


@pytest.mark.skipif(
    signal.getsignal(signal.SIGINT) is signal.SIG_IGN, reason="Ctrl-C is ignored here"
)
async def test_ctrl_c_at_the_prompt_leaves_the_console(store: Store) -> None:
    """asyncio.run's Ctrl-C handler only cancelled the task waiting for a line read in a
    worker thread: the console answered nothing more and never ended."""
    await sample_briefing(store)
    master, terminal = pty.openpty()
    console = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    os.close(terminal)
    try:
        assert b"you> " in read_until(master, b"you> ", 60)
        shown = b""
        # What Ctrl-C sends. Again after a while: a signal that comes between the prompt
        # and the read it waits in is seen only by the next one (a person presses later).
        for _press in range(6):
            console.send_signal(signal.SIGINT)
            shown += read_until(master, b"never shown", 5)  # until the console closes it
            if console.poll() is not None:
                break
        assert console.wait(timeout=5) == 0
        assert b"Traceback" not in shown
    finally:
        if console.poll() is None:
            console.kill()
            console.wait()
        os.close(master)


async def test_a_line_in_another_encoding_is_read_with_question_marks(store: Store) -> None:
    """A Latin-1 'é' typed into a UTF-8 console ended it with a UnicodeDecodeError."""
    await sample_briefing(store)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console"],
        input=b"/search caf\xe9\n/help\n",
        capture_output=True,
        # Strict decoding, as a UTF-8 locale other than C.UTF-8 gives standard input.
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "Search: caf?" in out and "/timeline" in out  # and the next line was answered
    assert b"Traceback" not in result.stderr
