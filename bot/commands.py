"""The one table of chat commands.

It drives /help (in Telegram, the console and `briefbot ask`), the command menu set with
`set_my_commands`, the usage hints for malformed arguments, and the README's command list
(a test compares them). To add a command, add one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

EVERYONE = "everyone"
CHAT_ADMINS = "chat admins"
MAINTAINERS = "maintainers"
AUDIENCES = (EVERYONE, CHAT_ADMINS, MAINTAINERS)


@dataclass(frozen=True)
class Command:
    name: str  # without the slash; Telegram allows 1-32 of a-z, 0-9 and _
    args: str  # usage of the arguments, "" when there are none
    description: str  # one line, also shown in Telegram's command menu (max 256)
    audience: str = EVERYONE

    @property
    def usage(self) -> str:
        """'/timeline [from] [to]'"""
        return f"/{self.name} {self.args}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "what this bot is and how to use it"),
    Command("help", "", "the list of commands"),
    Command("timeline", "[from] [to]", "the story in date order, e.g. /timeline 2021-10"),
    Command("facility", "NAME", "what happened at a place or facility"),
    Command("facilities", "", "places in the briefing, with how many events each"),
    Command("sources", "", "the articles the briefing rests on"),
    Command("source", "N", "the events one article supports"),
    Command("event", "N", "one event in full, with every citation"),
    Command("search", "WORDS", "search summaries and excerpts"),
    Command("latest", "", "events added most recently"),
    Command("graphic", "on|off", "show or hide graphic excerpts in this chat (groups: admins)"),
    Command("addstory", "URL|TEXT", "add an article: a link, pasted text or a file", MAINTAINERS),
    Command(
        "editevent", "N FIELD VALUE", "correct summary|date|place|status|attribution", MAINTAINERS
    ),
    Command("hideevent", "N", "hide an event from readers", MAINTAINERS),
    Command("mergeevents", "N M", "merge event M into event N", MAINTAINERS),
    Command(
        "splitcitation", "N [K]", "move citation K of event N into its own event", MAINTAINERS
    ),
    Command("removestory", "N", "remove an article and the events only it supports", MAINTAINERS),
    Command("history", "N", "the changes made to an event", MAINTAINERS),
    Command("undo", "", "revert your last change", MAINTAINERS),
    Command("maintainer", "add|remove ID", "add or remove a maintainer (owner only)", MAINTAINERS),
    # Changing a chat's digests is for its admins (in a private chat, its user); anyone may
    # look at the schedule with /digest. bot/telegram/digests.py enforces it.
    Command("subscribe", "[@channel]", "get digests of what is new here", CHAT_ADMINS),
    Command("unsubscribe", "[@channel]", "stop digests here", CHAT_ADMINS),
    Command(
        "digest",
        "[@channel] [daily HH:MM|weekly DAY HH:MM [ZONE]|off|now|empty on|off]",
        "show this chat's digest schedule; admins change it",
    ),
    Command(
        "timezone", "[@channel] ZONE", "time zone of digests, e.g. Europe/Berlin", CHAT_ADMINS
    ),
)

_BY_NAME = {c.name: c for c in COMMANDS}


def find(name: str) -> Command | None:
    """The command called `name` (without the slash, any case), if there is one."""
    return _BY_NAME.get(name.lower())


def usage_hint(name: str) -> str:
    """One line telling how to call a command."""
    command = find(name)
    if command is None:
        return "Unknown command. Send /help for the list."
    return f"Usage: {command.usage} — {command.description}"


def for_audience(*audiences: str) -> list[Command]:
    """Commands meant for any of the audiences, in table order."""
    return [c for c in COMMANDS if c.audience in audiences]
