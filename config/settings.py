"""All runtime settings, read from BRIEFBOT_* environment variables or a `.env` file.

Nothing else in the project reads `os.environ`: code receives a `Settings` object.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    SettingsConfigDict,
)

from config.zones import canonical_zone

ENV_PREFIX = "BRIEFBOT_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Telegram user ids have at most 52 significant bits (Bot API: User.id).
USER_ID_LIMIT = 2**52
# An article is held in memory whole while it is read: 50 MB is far beyond any news page.
MAX_ARTICLE_BYTES = 50_000_000
STORY_LENGTH = 300
# What a value of the type is, for pydantic's errors that do not say ("Input should be a
# valid boolean, unable to interpret input").
EXPECTED = {
    "bool_parsing": "expected true or false (also yes/no, on/off, 1/0)",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
}


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the variable."""


def _port_is_a_number(url: str) -> bool:
    """Whether the URL's port, if it names one, is a port number: `https://host:abc/` or
    `:99999` passed as a URL, and Telegram then refused it with no setting named."""
    try:
        urlsplit(url).port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        return False
    return True


class Settings(BaseSettings):
    """The bot's configuration. See the settings table in README.md."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    token: SecretStr | None = Field(default=None, description="Bot token from @BotFather")
    db: Path = Field(default=Path("briefbot.sqlite3"), description="SQLite database file")
    maintainers: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Comma-separated Telegram user ids; the first is owner"
    )
    timezone: str = Field(default="UTC", description="Default IANA time zone for schedules")
    base_url: str = Field(default="https://api.telegram.org/bot", description="Bot API base URL")
    base_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file download base URL"
    )
    log_level: str = Field(default="INFO", description="Logging level")
    webhook_url: str | None = Field(default=None, description="Public URL; unset means polling")
    webhook_port: int = Field(default=8443, ge=1, le=65535, description="Local webhook port")
    allow_private_urls: bool = Field(
        default=False, description="Let /addstory fetch loopback and private addresses"
    )
    story: str | None = Field(
        default=None, description="One line naming the story, shown by /start (else derived)"
    )
    content_note: str = Field(
        default="some excerpts describe violence in detail; graphic ones stay hidden behind "
        "spoilers unless a chat turns /graphic on.",
        description="Content note shown by /start; empty for none",
    )
    max_article_bytes: int = Field(
        default=2_000_000,
        ge=1_000,
        le=MAX_ARTICLE_BYTES,
        description="Largest article file or page accepted",
    )
    story_worker: bool = Field(
        default=True,
        description="Add /addstory's articles in a child process, which stops when idle",
    )

    @field_validator("maintainers", mode="before")
    @classmethod
    def _split_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("expected comma-separated numeric Telegram user ids")
            return [int(p) for p in parts]
        return value

    @field_validator("maintainers")
    @classmethod
    def _user_ids(cls, value: list[int]) -> list[int]:
        if not all(0 < user_id < USER_ID_LIMIT for user_id in value):
            raise ValueError("a Telegram user id is a positive number of at most 15 digits")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """The zone's own spelling; `europe/berlin` is read as `Europe/Berlin`, as /digest
        reads it, and only a zone /digest would accept (config/zones.py)."""
        zone = canonical_zone(value)
        if zone is None:
            raise ValueError(f"unknown IANA time zone {value[:64]!r}")
        return zone

    @field_validator("db", mode="before")
    @classmethod
    def _named_file(cls, value: Any) -> Any:
        # Read before it becomes a Path: Path("") is ".", the working folder.
        if isinstance(value, str | Path) and not str(value).strip():
            raise ValueError("expected a file name")
        return value

    @field_validator("db")
    @classmethod
    def _home_expanded(cls, value: Path) -> Path:
        # A .env file is read by no shell: "~/briefings/b.sqlite3" made a folder named "~"
        # in the working folder, and a briefing nobody would look for.
        try:
            return value.expanduser()
        except RuntimeError:  # no home folder known for that user
            raise ValueError("the home folder in it cannot be found") from None

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # set but empty: polling, as when unset
        parts = urlsplit(value) if _port_is_a_number(value) else None
        if not re.fullmatch(r"https://[^/\s]+(/\S*)?", value) or not (parts and parts.hostname):
            raise ValueError("expected the public https:// URL Telegram will call")
        return value

    @field_validator("story")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        # /start shows it as "It covers: STORY.": a second line broke that sentence in two,
        # and a page of text pushed the rest of /start out of its message.
        if value is not None and (len(value) > STORY_LENGTH or len(value.splitlines()) > 1):
            raise ValueError(
                f"expected one line naming the story, at most {STORY_LENGTH} characters"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return level

    @field_validator("base_url", "base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value) if _port_is_a_number(value) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected an http:// or https:// URL with a host")
        if not parts.path and "{token}" not in value:
            # The token is appended to it as written: "http://localhost:8081" became a
            # host and port "8081123456:ABC...", and the bot failed on an invalid URL.
            raise ValueError(
                "expected the address the token is appended to, with its path: "
                "https://api.telegram.org/bot (file downloads: https://api.telegram.org/file/bot)"
            )
        return value

    @property
    def owner(self) -> int | None:
        """The first maintainer id: the one who may add and remove other maintainers."""
        return self.maintainers[0] if self.maintainers else None

    def require_token(self) -> str:
        """The token, or a SettingsError naming the variable when it is not set."""
        if self.token is None or not self.token.get_secret_value().strip():
            raise SettingsError(f"{ENV_PREFIX}TOKEN is not set: get a token from @BotFather")
        return self.token.get_secret_value().strip()


def _unknown_names(env_file: Any) -> list[str]:
    """`BRIEFBOT_*` variables, in the environment or the .env file, that name no setting: a
    misspelt one (BRIEFBOT_MAINTAINER) was ignored, and the bot ran without it. The
    benchmarks' own BRIEFBOT_BENCH_* are theirs (benchmarks/)."""
    names = {*EnvSettingsSource(Settings).env_vars}
    if env_file is not None:
        names |= {*DotEnvSettingsSource(Settings, env_file=env_file).env_vars}
    prefix = ENV_PREFIX.lower()
    return sorted(
        name.upper()
        for name in names
        if name.lower().startswith(prefix)
        and name.lower()[len(prefix) :] not in Settings.model_fields
        and not name.lower().startswith(f"{prefix}bench_")
    )


def _not_a_setting(name: str) -> SettingsError:
    # Compared without the prefix, which every name shares.
    known = [field.upper() for field in Settings.model_fields]
    meant = difflib.get_close_matches(name[len(ENV_PREFIX) :], known, n=1)
    hint = f"did you mean {ENV_PREFIX}{meant[0]}?" if meant else "README.md lists the settings"
    return SettingsError(f"{name[:64]} is not a setting: {hint}")


def load_settings(**overrides: Any) -> Settings:
    """Read settings, turning validation errors into one line that names the variable."""
    try:
        unknown = _unknown_names(overrides.get("_env_file", Settings.model_config["env_file"]))
        if unknown:
            raise _not_a_setting(unknown[0])
        return Settings(**overrides)
    except UnicodeDecodeError:
        raise SettingsError(".env is not UTF-8 text: save it as UTF-8") from None
    except OSError as exc:
        raise SettingsError(f".env cannot be read: {exc.strerror or exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "settings"
        # The message never echoes the input value, so a mistyped token cannot leak.
        expected = EXPECTED.get(first["type"], first["msg"].removeprefix("Value error, "))
        raise SettingsError(f"{ENV_PREFIX}{field.upper()} is invalid: {expected}") from None
