"""`make demo` loads the sample story from a folder, or by URL, or explains why it cannot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import demo
from ingest.fetch import FetchOptions
from store import Store
from tests.fakes.web import FakeWeb

PAGE = (
    "<html><head><title>Flood hits the river town</title></head><body><article>"
    "<p>On Monday, March 3, 2025, a flood hit the river town, the mayor said.</p>"
    "<p>Rescue teams evacuated two hundred residents by boat over the following days.</p>"
    "</article></body></html>"
)


def test_loads_from_a_corpus_folder(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main([str(corpus)]) == 0
    assert "5 articles: 5 added" in capsys.readouterr().out


async def test_fetches_listed_urls_when_there_is_no_folder(db_path: Path) -> None:
    web = FakeWeb()
    web.page("https://news.test/ok", PAGE)
    urls = ["https://news.test/ok", "https://news.test/missing"]
    async with web.client() as client:
        loaded = await demo.fetch_and_ingest(db_path, urls, client, resolver=web.resolve)
    assert loaded == 1
    async with await Store.open(db_path) as store:
        sources = await store.sources.list_all()
    assert [s.url for s in sources] == ["https://news.test/ok"]
    assert "flood hit the river town" in sources[0].text


async def test_a_fetched_page_over_the_size_cap_is_refused_as_addstory_refuses_it(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo read any page whole, however large (and from any address), unlike every
    other fetch: a site sending gigabytes filled the memory of the machine running it."""
    web = FakeWeb()
    web.stream("https://news.test/huge", chunks=50, size=1000)  # no content-length
    web.page("https://news.test/ok", PAGE)
    options = FetchOptions(max_bytes=5_000)
    urls = ["https://news.test/huge", "https://news.test/ok"]
    async with web.client() as client:
        loaded = await demo.fetch_and_ingest(db_path, urls, client, options, web.resolve)
    assert loaded == 1
    out = capsys.readouterr().out
    assert "could not load https://news.test/huge: the page is too large (over 5,000 bytes)" in out
    async with await Store.open(db_path) as store:
        assert [s.url for s in await store.sources.list_all()] == ["https://news.test/ok"]


def test_the_demo_fetches_within_the_settings_cap(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[FetchOptions | None] = []

    async def record(db_path: Path, urls: list[str], *args: object, **kwargs: Any) -> int:
        seen.append(kwargs.get("options"))
        return 1

    monkeypatch.setattr(demo, "fetch_and_ingest", record)
    monkeypatch.setenv("BRIEFBOT_MAX_ARTICLE_BYTES", "12345")
    assert demo.main([str(tmp_path / "no-such-folder")]) == 0
    assert [o.max_bytes if o else None for o in seen] == [12345]
    assert seen[0] is not None and not seen[0].allow_private


def test_explains_when_nothing_can_be_loaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def unreachable(db_path: Path, urls: list[str], *args: object, **kwargs: Any) -> int:
        return 0

    monkeypatch.setattr(demo, "fetch_and_ingest", unreachable)
    assert demo.main([str(tmp_path / "no-such-folder")]) == 0
    out = capsys.readouterr().out
    assert "No corpus folder" in out and "Could not load any sample article" in out


@pytest.mark.parametrize("from_folder", [True, False], ids=["folder", "links"])
def test_a_database_that_cannot_be_used_is_one_line(
    tmp_path: Path,
    corpus: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    from_folder: bool,
) -> None:
    """A store that is no database (or one from a newer checkout) was a traceback."""
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("my notes\n")
    monkeypatch.setenv("BRIEFBOT_DB", str(notes))
    assert demo.main([str(corpus if from_folder else tmp_path / "no-such-folder")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"briefbot: BRIEFBOT_DB: {notes} cannot be opened: file is not a database"
    ]
    assert notes.read_text() == "my notes\n"


def test_ctrl_c_while_loading_is_one_line(
    corpus: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """make demo interrupted while loading ended in a KeyboardInterrupt traceback."""

    async def interrupted(*_: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "cmd_ingest", interrupted)
    assert demo.main([str(corpus)]) == 130
    assert capsys.readouterr().err == "briefbot: interrupted\n"
