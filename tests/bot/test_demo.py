"""`make demo` loads the sample story from a folder, or by URL, or explains why it cannot."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bot import demo
from store import Store

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
    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/ok":
            return httpx.Response(200, text=PAGE, headers={"content-type": "text/html"})
        return httpx.Response(404)

    urls = ["https://news.test/ok", "https://news.test/missing"]
    loaded = await demo.fetch_and_ingest(db_path, urls, httpx.MockTransport(serve))
    assert loaded == 1
    async with await Store.open(db_path) as store:
        sources = await store.sources.list_all()
    assert [s.url for s in sources] == ["https://news.test/ok"]
    assert "flood hit the river town" in sources[0].text


def test_explains_when_nothing_can_be_loaded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async def unreachable(db_path: Path, urls: list[str]) -> int:
        return 0

    monkeypatch.setattr(demo, "fetch_and_ingest", unreachable)
    assert demo.main([str(tmp_path / "no-such-folder")]) == 0
    out = capsys.readouterr().out
    assert "No corpus folder" in out and "Could not load any sample article" in out
