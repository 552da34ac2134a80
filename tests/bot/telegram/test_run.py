"""The production entry points: `briefbot run` polling in its own process, and the webhook."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.telegram.app import build_application, webhook_options
from bot.telegram.webhook import MAX_UPDATE_BYTES, SECRET_HEADER
from config.settings import Settings
from store import Store
from tests.bot.briefing import sample_briefing
from tests.fakes.bot_api import FakeBotAPI, visible_text
from tests.fakes.telegram import settings_for, stop_polling
from tests.processes import children, eventually, gone

REPO = Path(__file__).resolve().parents[3]


async def start_briefbot_run(
    bot_api: FakeBotAPI, db_path: Path, *, new_session: bool = False, **settings: str
) -> asyncio.subprocess.Process:
    """`briefbot run` in a process of its own, against the fake Bot API, its log piped.
    `settings` are BRIEFBOT_* variables by their names after the prefix (token=...);
    `new_session` makes it lead a process group of its own, to be signalled as a whole."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BRIEFBOT_TOKEN": bot_api.token,
        "BRIEFBOT_BASE_URL": bot_api.url + "/bot",
        "BRIEFBOT_DB": str(db_path),
        **{f"BRIEFBOT_{name.upper()}": value for name, value in settings.items()},
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=new_session,
    )


async def stop_briefbot_run(process: asyncio.subprocess.Process) -> str:
    """Stop it as Ctrl-C does (unless it has ended already); its log."""
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    return err.decode()


async def listening(port: int, timeout: float = 30.0) -> None:
    """Wait until something accepts connections on the local port."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert asyncio.get_running_loop().time() < deadline, f"nothing listens on {port}"
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return


def help_update(bot_api: FakeBotAPI, chat: int) -> dict[str, object]:
    """A webhook update: /help sent in a private chat."""
    return {
        "update_id": 1,
        "message": {
            "message_id": 5,
            "date": 0,
            "chat": bot_api.chat(chat),
            "from": bot_api.user(chat),
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Webhook:
    """A `briefbot run` serving its webhook (see `serving_webhook`)."""

    port: int
    hook: dict[str, Any]  # what it told Telegram: setWebhook's parameters
    log: str = ""  # its log, once it has stopped


@asynccontextmanager
async def serving_webhook(
    bot_api: FakeBotAPI, db_path: Path, url: str = "https://bot.example.org/tg/hook"
) -> AsyncIterator[Webhook]:
    """`briefbot run` with its webhook on a free port, once it has told Telegram and
    listens; stopped as Ctrl-C does after the block, and it must end with exit 0."""
    port = free_port()
    process = await start_briefbot_run(bot_api, db_path, webhook_url=url, webhook_port=str(port))
    served = None
    try:
        await bot_api.until(lambda: bot_api.of("setWebhook"), timeout=30)
        [set_hook] = bot_api.of("setWebhook")
        await listening(port)  # the server listens just after Telegram is told of it
        served = Webhook(port, set_hook.params)
        yield served
    finally:
        log = await stop_briefbot_run(process)
        if served is not None:
            served.log = log
    assert process.returncode == 0, log


async def test_briefbot_run_polls_answers_and_stops_cleanly(
    bot_api: FakeBotAPI, db_path: Path, store: Store
) -> None:
    await sample_briefing(store)
    # DEBUG: PTB then logs the API URLs it builds, token and all.
    process = await start_briefbot_run(bot_api, db_path, log_level="DEBUG")
    try:
        await bot_api.until(lambda: bot_api.of("deleteWebhook"), timeout=30)
        bot_api.user_sends("/timeline 2021-10", chat=901)
        [sent] = await bot_api.sent("sendMessage", 1, timeout=30)
        assert "criminal case" in visible_text(sent.text)
        assert bot_api.of("setMyCommands")  # the menu was set in post_init
    finally:
        log = await stop_briefbot_run(process)
    assert process.returncode == 0, log
    assert "Traceback" not in log
    assert bot_api.token not in log and bot_api.token.split(":")[1] not in log
    assert "/bot***" in log  # the URLs were logged, with the token written over


async def _briefbot_run_with_a_story_child(
    bot_api: FakeBotAPI, db_path: Path
) -> tuple[asyncio.subprocess.Process, list[int]]:
    """`briefbot run` leading a process group of its own, once it has added a story through
    its child; and its children then."""
    process = await start_briefbot_run(bot_api, db_path, new_session=True, maintainers="903")
    await bot_api.until(lambda: bot_api.of("deleteWebhook"), timeout=30)
    assert children(process.pid) == []  # nothing started before the first story
    bot_api.user_sends(
        "/addstory On 5 October 2021, prosecutors opened a criminal case into the "
        "hospital. The ministry said on 6 October 2021 that two officials were suspended.",
        chat=903,
    )
    [edit] = await bot_api.sent("editMessageText", 1, timeout=60)
    assert visible_text(edit.text).startswith("Added story 1:")
    started = children(process.pid)
    assert started  # the story worker (and multiprocessing's resource tracker)
    return process, started


async def _ended(process: asyncio.subprocess.Process, started: list[int]) -> str:
    """Its log, once it has ended by itself; its children must be gone with it
    (multiprocessing's resource tracker ends a moment after it)."""
    try:
        _out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGKILL)
    await eventually(lambda: all(gone(pid) for pid in started), seconds=10)
    return err.decode()


async def _one_story_stored(store: Store) -> None:
    [source] = await store.sources.list_all()
    events = await store.events.all()
    assert [c.source_id for e in events for c in e.citations] == [source.id, source.id]


# Ctrl-C in a terminal signals the whole foreground process group, and systemd's stop
# every process of the service: the child ignores both, and the bot stops it itself.
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
async def test_briefbot_run_adds_a_story_in_a_child_and_stops_it_with_itself(
    bot_api: FakeBotAPI, db_path: Path, store: Store, stop: signal.Signals
) -> None:
    process, started = await _briefbot_run_with_a_story_child(bot_api, db_path)
    os.killpg(process.pid, stop)
    log = await _ended(process, started)
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    await _one_story_stored(store)


async def test_a_second_ctrl_c_while_stopping_still_ends_everything(
    bot_api: FakeBotAPI, db_path: Path, store: Store
) -> None:
    """A second Ctrl-C cuts the bot's shutdown short: it then waited for ever for its store's
    connection thread, and its child for its own."""
    process, started = await _briefbot_run_with_a_story_child(bot_api, db_path)
    os.killpg(process.pid, signal.SIGINT)
    await asyncio.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    log = await _ended(process, started)
    # 0, or ended by the second SIGINT itself, Python's way after a KeyboardInterrupt.
    assert process.returncode in (0, -signal.SIGINT), log
    await _one_story_stored(store)


@asynccontextmanager
async def _serving_webhook(
    bot_api: FakeBotAPI, settings: Settings, store: Store, url: str
) -> AsyncIterator[int]:
    """The bot listening on a local port (yielded) for BRIEFBOT_WEBHOOK_URL=`url`."""
    port = free_port()
    configured = settings_for(bot_api, settings).model_copy(
        update={"webhook_url": url, "webhook_port": port}
    )
    app = build_application(configured, store=store)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(**webhook_options(configured) | {"listen": "127.0.0.1"})
    try:
        yield port
    finally:
        await stop_polling(app)


async def test_webhook_answers_updates_with_the_secret_only(
    bot_api: FakeBotAPI, settings: Settings, store: Store
) -> None:
    await sample_briefing(store)
    url = "https://bot.example.org/tg/hook"
    async with _serving_webhook(bot_api, settings, store, url) as port:
        [set_hook] = bot_api.of("setWebhook")
        assert set_hook.params["url"] == "https://bot.example.org/tg/hook"
        secret = set_hook.params["secret_token"]
        assert bot_api.token not in secret
        update = help_update(bot_api, 902)
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=update)
            assert refused.status_code == 403
            forged = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret[::-1]}
            )
            assert forged.status_code == 403
            garbled = await client.post(
                url,
                content=b'{"update_id": 1, "mess',
                headers={
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                    "Content-Type": "application/json",
                },
            )
            assert garbled.status_code >= 400  # refused, and the bot still serves
            accepted = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
            )
            assert accepted.status_code == 200
        [sent] = await bot_api.sent("sendMessage", 1)
        assert "/timeline" in visible_text(sent.text)
        await bot_api.settle(0.2)
        assert len(bot_api.of("sendMessage")) == 1  # the refused update was not handled


async def test_webhook_path_with_regex_characters_is_matched_as_written(
    bot_api: FakeBotAPI, settings: Settings, store: Store
) -> None:
    url = "https://bot.example.org/tg/hook+1.(x)"
    async with _serving_webhook(bot_api, settings, store, url) as port:
        [set_hook] = bot_api.of("setWebhook")
        assert set_hook.params["url"] == "https://bot.example.org/tg/hook+1.(x)"
        headers = {"X-Telegram-Bot-Api-Secret-Token": set_hook.params["secret_token"]}
        base = f"http://127.0.0.1:{port}/tg/"
        async with httpx.AsyncClient() as client:
            update = help_update(bot_api, 903)
            other = await client.post(base + "hookk1Ax", json=update, headers=headers)
            assert other.status_code == 404  # what the path read as a pattern matched
            accepted = await client.post(base + "hook+1.(x)", json=update, headers=headers)
            assert accepted.status_code == 200
        [sent] = await bot_api.sent("sendMessage", 1)
        assert "/timeline" in visible_text(sent.text)


async def test_briefbot_run_refused_token_says_so_without_the_token(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    wrong = "987654321:WRONG-token-the-fake-refuses"
    process = await start_briefbot_run(bot_api, db_path, token=wrong)
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert process.returncode == 1, log
    assert log.splitlines()[-1].startswith("briefbot: Telegram refused the token"), log
    assert wrong not in log and wrong.split(":")[1] not in log
    assert "Traceback" not in log


async def test_briefbot_run_webhook_on_a_port_in_use_says_so_in_one_line(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_briefbot_run(
            bot_api,
            db_path,
            webhook_url="https://bot.example.org/tg/hook",
            webhook_port=str(port),
        )
        _out, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert process.returncode == 1, log
    assert log.splitlines()[-1] == (
        f"briefbot: the webhook cannot listen on port {port} (BRIEFBOT_WEBHOOK_PORT): "
        "Address already in use"
    ), log
    assert "Traceback" not in log
    assert not bot_api.of("setWebhook")  # Telegram was not pointed at a bot that is not there


async def test_briefbot_run_webhook_refuses_a_body_over_a_megabyte_unread(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    async with serving_webhook(bot_api, db_path) as served:
        headers = {"X-Telegram-Bot-Api-Secret-Token": served.hook["secret_token"]}
        update = help_update(bot_api, 903)
        url = f"http://127.0.0.1:{served.port}/tg/hook"
        async with httpx.AsyncClient() as client:
            # A valid update with the secret, padded past the cap: refused all the same.
            padded = {**update, "padding": "x" * MAX_UPDATE_BYTES}
            try:
                huge = await client.post(url, json=padded, headers=headers)
                assert huge.status_code >= 400
            except httpx.TransportError:
                pass  # tornado may close the connection without an answer
            accepted = await client.post(url, json={**update, "update_id": 2}, headers=headers)
            assert accepted.status_code == 200
        [sent] = await bot_api.sent("sendMessage", 1, timeout=30)
        assert "/timeline" in visible_text(sent.text)
        await bot_api.settle(0.2)
        assert len(bot_api.of("sendMessage")) == 1  # the padded update was never handled


async def post_by_hand(port: int, head: str, body: bytes) -> bytes:
    """A webhook POST over a socket: the headers with `Expect: 100-continue`, then the
    body only if the server says to go on. What the server wrote, until it closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            (
                "POST /tg/hook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n{head}\r\n"
            ).encode()
        )
        await writer.drain()
        first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
        if not first.startswith(b"HTTP/1.1 100"):
            return first + await asyncio.wait_for(reader.read(), timeout=10)
        writer.write(body)
        await writer.drain()
        return first + await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    finally:
        writer.close()


async def test_briefbot_run_webhook_refuses_a_request_without_the_secret_unread(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    """The secret was checked once the whole body was read (up to the cap): now a request
    without it is answered 403 on its headers, and the connection closed, the body never
    asked for nor sent. With it, the same request goes on and is answered."""
    async with serving_webhook(bot_api, db_path) as served:
        port, secret = served.port, served.hook["secret_token"]
        large = b" " * (MAX_UPDATE_BYTES - 1)  # under the cap: the secret is what refuses
        for head in ("", f"{SECRET_HEADER}: {secret[::-1]}\r\n", f"{SECRET_HEADER}: é\r\n"):
            answer = await post_by_hand(port, head, large)
            assert answer.startswith(b"HTTP/1.1 403 "), answer[:100]
            assert b"100 (Continue)" not in answer
        update = json.dumps(help_update(bot_api, 905)).encode()
        answer = await post_by_hand(port, f"{SECRET_HEADER}: {secret}\r\n", update)
        assert answer.startswith(b"HTTP/1.1 100 (Continue)\r\n\r\nHTTP/1.1 200 "), answer
        [sent] = await bot_api.sent("sendMessage", 1, timeout=30)
        assert "/timeline" in visible_text(sent.text)
        await bot_api.settle(0.2)
        assert len(bot_api.of("sendMessage")) == 1
    assert "Traceback" not in served.log


async def test_briefbot_run_webhook_url_without_a_path_is_called_where_the_bot_listens(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    """Telegram calls exactly the URL it is given: one without a path must carry the path
    the bot listens on, or every update is answered 404."""
    async with serving_webhook(bot_api, db_path, "https://bot.example.org/") as served:
        called = httpx.URL(served.hook["url"])
        assert called.host == "bot.example.org" and called.path.strip("/")
        headers = {"X-Telegram-Bot-Api-Secret-Token": served.hook["secret_token"]}
        async with httpx.AsyncClient() as client:
            # What the reverse proxy forwards: the path Telegram was told.
            answered = await client.post(
                f"http://127.0.0.1:{served.port}{called.path}",
                json=help_update(bot_api, 904),
                headers=headers,
            )
        assert answered.status_code == 200
        [sent] = await bot_api.sent("sendMessage", 1, timeout=30)
        assert "/timeline" in visible_text(sent.text)
        assert bot_api.token not in served.hook["url"]


async def test_briefbot_run_webhook_telegram_refuses_names_the_setting_in_one_line(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    refusal = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
    bot_api.fail("setWebhook", 400, refusal, times=-1)
    process = await start_briefbot_run(
        bot_api,
        db_path,
        webhook_url="https://bot.example.org:8080/tg/hook",
        webhook_port=str(free_port()),
    )
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    log = err.decode()
    assert process.returncode == 1, log
    assert log.splitlines()[-1] == (
        "briefbot: Telegram refused the webhook (BRIEFBOT_WEBHOOK_URL): "
        "Bad webhook: webhook can be set up only on ports 80, 88, 443 or 8443"
    ), log
    assert "Traceback" not in log


async def test_briefbot_run_beside_another_instance_stops_and_says_so(
    bot_api: FakeBotAPI, db_path: Path
) -> None:
    """Telegram gives each update to one of two processes polling with one token: this one
    logged a traceback at every poll and ran on, each answering some readers."""
    conflict = (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    bot_api.fail("getUpdates", 409, conflict, times=-1)
    process = await start_briefbot_run(bot_api, db_path)
    try:
        _out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err.decode()
    assert process.returncode == 1, log
    assert log.splitlines()[-1] == (
        "briefbot: another process is running this bot (BRIEFBOT_TOKEN): Telegram gives "
        f"updates to one of them only; stop the other first ({conflict})"
    ), log
    assert "Traceback" not in log
