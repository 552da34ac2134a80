from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRIEFBOT_DB")
    settings = load_settings()
    assert settings.db == Path("briefbot.sqlite3")
    assert settings.base_url == "https://api.telegram.org/bot"
    assert settings.timezone == "UTC"
    assert settings.maintainers == []
    assert settings.owner is None


def test_env_and_dotenv_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BRIEFBOT_MAINTAINERS=42, 7\nBRIEFBOT_TIMEZONE=Europe/Moscow\n")
    monkeypatch.setenv("BRIEFBOT_LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.maintainers == [42, 7]
    assert settings.owner == 42
    assert settings.timezone == "Europe/Moscow"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BRIEFBOT_MAINTAINERS", "1,two"),
        ("BRIEFBOT_TIMEZONE", "Europe/Atlantis"),
        ("BRIEFBOT_TIMEZONE", "Europe"),
        # Copies a system may ship apart or drop, and the server's own zone: as /digest.
        ("BRIEFBOT_TIMEZONE", "posix/Europe/Berlin"),
        ("BRIEFBOT_TIMEZONE", "right/UTC"),
        ("BRIEFBOT_TIMEZONE", "posixrules"),
        ("BRIEFBOT_TIMEZONE", "localtime"),
        ("BRIEFBOT_TIMEZONE", "Factory"),  # tzdata's "not set" placeholder
        ("BRIEFBOT_LOG_LEVEL", "LOUD"),
        ("BRIEFBOT_BASE_URL", "ftp://example.test/bot"),
        ("BRIEFBOT_BASE_URL", "http://"),
        ("BRIEFBOT_BASE_URL", "https://api.example.test:port/bot"),
        # The token is appended as written: it would become part of the host or the port.
        ("BRIEFBOT_BASE_URL", "http://localhost:8081"),
        ("BRIEFBOT_BASE_FILE_URL", "https://api.telegram.org"),
        ("BRIEFBOT_WEBHOOK_PORT", "99999"),
        ("BRIEFBOT_MAINTAINERS", "42,0"),
        ("BRIEFBOT_MAINTAINERS", "-5"),
        ("BRIEFBOT_MAINTAINERS", "99999999999999999999999999"),
        ("BRIEFBOT_WEBHOOK_URL", "notaurl"),
        ("BRIEFBOT_WEBHOOK_URL", "http://bot.example.org/hook"),
        ("BRIEFBOT_WEBHOOK_URL", "https://bot.example.org:abc/hook"),
        ("BRIEFBOT_WEBHOOK_URL", "https://bot.example.org:99999/hook"),
        ("BRIEFBOT_WEBHOOK_URL", "https://:8443/hook"),
        ("BRIEFBOT_DB", "   "),
        ("BRIEFBOT_DB", ""),
        ("BRIEFBOT_MAX_ARTICLE_BYTES", "1000000000000"),
        ("BRIEFBOT_STORY", "Floods in the valley\nand what followed"),
        ("BRIEFBOT_STORY", "Floods in the valley " * 20),
    ],
)
def test_malformed_setting_is_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(name) and "\n" not in message


def test_token_is_secret_and_required_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    with pytest.raises(SettingsError, match="BRIEFBOT_TOKEN"):
        settings.require_token()
    monkeypatch.setenv("BRIEFBOT_TOKEN", "123:very-secret")
    settings = load_settings()
    assert "very-secret" not in repr(settings) and "very-secret" not in str(settings)
    assert settings.require_token() == "123:very-secret"


def test_a_dotenv_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes(b"BRIEFBOT_STORY=caf\xe9\n")
    with pytest.raises(SettingsError, match=r"^\.env is not UTF-8 text: save it as UTF-8$"):
        load_settings()


def test_a_zone_in_other_letter_case_is_read_as_the_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_TIMEZONE", "europe/berlin")
    assert load_settings().timezone == "Europe/Berlin"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("BRIEFBOT_MAINTAINER", "did you mean BRIEFBOT_MAINTAINERS?"),
        ("briefbot_time_zone", "did you mean BRIEFBOT_TIMEZONE?"),
        ("BRIEFBOT_XYZZY", "README.md lists the settings"),
    ],
    ids=["misspelt", "lower-case", "no-likeness"],
)
def test_a_variable_that_names_no_setting_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, message: str
) -> None:
    """A misspelt setting was ignored: the bot ran without the maintainers it was given."""
    monkeypatch.setenv(name, "42")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == f"{name.upper()} is not a setting: {message}"


def test_a_dotenv_line_that_names_no_setting_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("EDITOR=vi\nBRIEFBOT_TIMEZON=Europe/Berlin\n")
    with pytest.raises(SettingsError, match=r"^BRIEFBOT_TIMEZON is not a setting: did you mean"):
        load_settings()
    (tmp_path / ".env").write_text("EDITOR=vi\nBRIEFBOT_TIMEZONE=Europe/Berlin\n")
    assert load_settings().timezone == "Europe/Berlin"  # other programs' lines are theirs


def test_the_benchmarks_variables_are_theirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_BENCH_SIZES", "10000")
    assert load_settings().timezone == "UTC"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "BRIEFBOT_ALLOW_PRIVATE_URLS",
            "maybe",
            "expected true or false (also yes/no, on/off, 1/0)",
        ),
        ("BRIEFBOT_WEBHOOK_PORT", "eighty", "expected a whole number"),
        ("BRIEFBOT_MAX_ARTICLE_BYTES", "2.5e6", "expected a whole number"),
        ("BRIEFBOT_TIMEZONE", "Mars/Olympus", "unknown IANA time zone 'Mars/Olympus'"),
    ],
    ids=["boolean", "port", "bytes", "zone"],
)
def test_a_malformed_setting_says_what_is_expected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    """It said 'Input should be a valid boolean, unable to interpret input', or began
    'Value error, '."""
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value) == f"{name} is invalid: {message}"


def test_a_database_in_the_home_folder_is_found_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No shell reads .env: '~/...' was a folder named '~' in the working folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / ".env").write_text("BRIEFBOT_DB=~/briefings/briefbot.sqlite3\n")
    monkeypatch.delenv("BRIEFBOT_DB")
    assert load_settings().db == tmp_path / "home" / "briefings" / "briefbot.sqlite3"
    monkeypatch.setenv("BRIEFBOT_DB", "~no-such-user-here/briefbot.sqlite3")
    with pytest.raises(SettingsError, match="^BRIEFBOT_DB is invalid: the home folder"):
        load_settings()


def test_a_local_bot_api_server_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFBOT_BASE_URL", "http://localhost:8081/bot")
    monkeypatch.setenv("BRIEFBOT_BASE_FILE_URL", "http://localhost:8081/file/bot")
    assert load_settings().base_url == "http://localhost:8081/bot"
