"""One table drives /help, the Telegram command menu and the README's command list."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot import commands
from bot.answers import HANDLERS
from bot.console import answer_plain
from config.settings import Settings
from store import Store
from tests.fakes.telegram import RunningBot

README = Path(__file__).resolve().parents[2] / "README.md"
TABLE = {c.name for c in commands.COMMANDS}


def readme_commands() -> set[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Chat commands", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `/([a-z0-9_]+)", section, flags=re.M))


def test_readme_lists_exactly_the_table() -> None:
    assert readme_commands() == TABLE


def test_table_is_valid_for_telegram() -> None:
    for command in commands.COMMANDS:
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command.name), command
        assert 3 <= len(command.description) <= 256, command
        assert command.audience in commands.AUDIENCES, command
    assert len(TABLE) == len(commands.COMMANDS), "a command is listed twice"


def test_every_everyone_command_has_an_answer() -> None:
    # Commands for everyone must work in the console too, so they live in bot.answers.
    for command in commands.for_audience(commands.EVERYONE):
        assert command.name in HANDLERS, command.name


async def test_help_in_console_names_every_command(store: Store, settings: Settings) -> None:
    text = await answer_plain(store, settings, "/help")
    named = set(re.findall(r"^/([a-z0-9_]+)", text, flags=re.M))
    assert named == TABLE  # the console is run by the operator: every audience


async def test_help_and_menus_over_telegram_match_the_table(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.user_sends("/help", chat=77)
    [help_message] = await api.sent("sendMessage", 1)
    menus = {
        json.loads(scope)["type"] + str(json.loads(scope).get("chat_id", "")): {
            c["command"] for c in cmds
        }
        for scope, cmds in api.commands.items()
    }
    everyone = {c.name for c in commands.for_audience(commands.EVERYONE)}
    admins = everyone | {c.name for c in commands.for_audience(commands.CHAT_ADMINS)}
    assert menus["default"] == everyone
    assert menus["all_chat_administrators"] == admins
    assert menus["all_private_chats"] == admins  # a private chat's user is its admin
    for maintainer in telegram_bot.settings.maintainers:
        assert menus[f"chat{maintainer}"] == TABLE
    named = set(re.findall(r"^/([a-z0-9_]+)", help_message.text, flags=re.M))
    assert named == admins  # user 77 is not a maintainer


async def test_maintainers_added_at_run_time_get_their_menu(telegram_bot: RunningBot) -> None:
    from bot.telegram.app import set_command_menus

    store = telegram_bot.store
    async with store.db.transaction() as conn:
        await store.maintainers.add(conn, 3003, added_by=1001)
    await set_command_menus(telegram_bot.app)
    scope = json.dumps({"chat_id": 3003, "type": "chat"}, sort_keys=True)
    assert {c["command"] for c in telegram_bot.api.commands[scope]} == TABLE


async def test_a_refused_menu_is_logged_not_fatal(telegram_bot: RunningBot) -> None:
    from bot.telegram.app import set_command_menus

    api = telegram_bot.api
    api.fail("setMyCommands", 400, "Bad Request: chat not found", times=-1)
    before = len(api.of("setMyCommands"))
    await set_command_menus(telegram_bot.app)  # no exception
    refused = api.of("setMyCommands")[before:]
    assert len(refused) == 5 and all(r.answered.startswith("Bad Request") for r in refused)
    api.user_sends("/help", chat=78)
    assert "/timeline" in (await api.sent("sendMessage", 1))[0].text


async def test_help_shows_maintainer_commands_to_maintainers_only(
    telegram_bot: RunningBot,
) -> None:
    store = telegram_bot.store
    async with store.db.transaction() as conn:
        await store.maintainers.add(conn, 3004, added_by=1001)
    api = telegram_bot.api
    api.user_sends("/help", chat=3004)  # added at run time
    api.user_sends("/help", chat=1002)  # from settings
    api.user_sends("/help", chat=3005)  # a reader
    await api.sent("sendMessage", 3)
    named = {
        r.chat_id: set(re.findall(r"^/([a-z0-9_]+)", r.text, flags=re.M))
        for r in api.of("sendMessage")
    }
    maintainer_only = {c.name for c in commands.for_audience(commands.MAINTAINERS)}
    assert maintainer_only <= named[3004] and maintainer_only <= named[1002]
    assert not maintainer_only & named[3005]
