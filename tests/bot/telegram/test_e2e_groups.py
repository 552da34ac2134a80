"""Groups and forum threads: /cmd@botname, commands for other bots, replies in threads."""

from __future__ import annotations

import pytest

from tests.bot.telegram.helpers import ask, ask_text
from tests.fakes.bot_api import BOT_USERNAME
from tests.fakes.telegram import RunningBot

GROUP = -100123


async def test_command_addressed_to_us_in_a_group(telegram_bot: RunningBot) -> None:
    sent = await ask(telegram_bot, f"/help@{BOT_USERNAME}", chat=GROUP, chat_type="group")
    assert "/timeline" in sent.text
    command = telegram_bot.api.messages
    # The answer quotes the command so it is found in a busy group.
    quoted = sent.params["reply_parameters"]["message_id"]
    assert command[(GROUP, quoted)].text == f"/help@{BOT_USERNAME}"


async def test_commands_for_other_bots_get_no_answer(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    api.user_sends("/help@some_other_bot", chat=GROUP, chat_type="group")
    api.user_sends("/frobnicate", chat=GROUP, chat_type="group")  # unknown, unaddressed
    api.user_sends("/timeline@some_other_bot 2021", chat=GROUP, chat_type="group")
    # Then one for us: once it is answered, the earlier ones were handled too.
    await ask(telegram_bot, "/help", chat=GROUP, chat_type="group")
    await api.settle(0.3)
    assert len(api.of("sendMessage")) == 1


async def test_unknown_command_addressed_to_us_in_a_group(telegram_bot: RunningBot) -> None:
    text = await ask_text(
        telegram_bot, f"/frobnicate@{BOT_USERNAME}", chat=GROUP, chat_type="group"
    )
    assert text == "Unknown command /frobnicate. Send /help for the list."


async def test_answers_go_to_the_thread_of_the_command(telegram_bot: RunningBot) -> None:
    sent = await ask(telegram_bot, "/timeline", chat=-100777, chat_type="supergroup", thread_id=42)
    assert int(sent.params["message_thread_id"]) == 42
    other = await ask(telegram_bot, "/sources", chat=-100777, chat_type="supergroup", thread_id=43)
    assert int(other.params["message_thread_id"]) == 43


async def test_private_answers_do_not_quote(telegram_bot: RunningBot) -> None:
    sent = await ask(telegram_bot, "/help", chat=555)
    assert "reply_parameters" not in sent.params
    assert "message_thread_id" not in sent.params


async def test_group_chats_are_recorded(telegram_bot: RunningBot) -> None:
    await ask(telegram_bot, "/help", chat=GROUP, chat_type="group")
    chat = await telegram_bot.store.chats.get(GROUP)
    assert chat is not None and chat.type == "group" and chat.title == f"Group {GROUP}"


@pytest.mark.parametrize(
    "refusal",
    [
        "Bad Request: message thread not found",
        # An admin may still write in a topic that is closed or deleted, a bot may not:
        # it answered nothing, and logged a traceback.
        "Bad Request: TOPIC_CLOSED",
        "Bad Request: TOPIC_DELETED",
    ],
)
async def test_a_thread_that_is_gone_gets_the_answer_in_the_chat(
    telegram_bot: RunningBot, refusal: str
) -> None:
    api = telegram_bot.api
    api.fail("sendMessage", 400, refusal)
    sent = await ask(telegram_bot, "/help", chat=-100778, chat_type="supergroup", thread_id=9)
    assert "message_thread_id" not in sent.params
    assert sent.text.startswith("Commands\n")


async def test_only_group_admins_change_graphic(telegram_bot: RunningBot) -> None:
    api = telegram_bot.api
    group = -100999
    refused = await ask_text(telegram_bot, "/graphic on", chat=group, chat_type="group", user=11)
    assert refused == "Only the group's admins can change this for the group."
    [check] = api.of("getChatMember")
    assert (int(check.params["chat_id"]), int(check.params["user_id"])) == (group, 11)
    assert not await telegram_bot.store.chats.graphic_shown(group)
    api.member_status[(group, 12)] = "administrator"
    done = await ask_text(telegram_bot, "/graphic on", chat=group, chat_type="group", user=12)
    assert done == "Graphic excerpts will be shown in full in this chat."
    assert await telegram_bot.store.chats.graphic_shown(group)
    # Reading commands never ask Telegram about rights.
    await ask(telegram_bot, "/help", chat=group, chat_type="group", user=11)
    assert len(api.of("getChatMember")) == 2
