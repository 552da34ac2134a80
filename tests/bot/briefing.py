"""Build a briefing directly through the store API, independent of extraction quality.

Facts follow the sample story (test files may use them); `add_article` returns the source
id, `add_event` cites verbatim excerpts by finding them in the article text.
"""

from __future__ import annotations

import hashlib

from store import Store
from store.models import NewEvent, NewSource, PlaceRef

ARTICLE_A = (
    "Gulagu.net published footage from the Saratov tuberculosis hospital on 5 October 2021. "
    "The videos show prisoners being tortured by other inmates. "
    "Investigators opened a criminal case on 6 October 2021, officials said. "
    "Vladimir Osechkin said the archive held more than 1,000 videos."
)
ARTICLE_B = (
    "The Federal Penitentiary Service dismissed the head of the Saratov regional prison "
    "service on 7 October 2021. Officials said an inquiry would follow. "
    "Rights groups alleged that beatings were routine at OTB-1 in 2020."
)


async def add_article(
    store: Store,
    text: str,
    *,
    outlet: str | None = "Meduza",
    title: str | None = "Leaked videos",
    url: str | None = "https://meduza.io/en/feature/2021/10/05/leak",
    published: str | None = "2021-10-05",
    inferred: bool = False,
) -> int:
    async with store.db.transaction() as conn:
        return await store.sources.add(
            conn,
            NewSource(
                outlet=outlet,
                title=title,
                url=url,
                file=None,
                published=published,
                published_inferred=inferred,
                text=text,
                content_hash=hashlib.sha256(text.encode()).hexdigest(),
            ),
        )


async def add_event(
    store: Store,
    source_id: int,
    date: str,
    summary: str,
    excerpts: tuple[str, ...],
    *,
    end: str | None = None,
    status: str = "reported",
    graphic: bool = False,
    places: tuple[PlaceRef, ...] = (),
) -> int:
    source = await store.sources.get(source_id)
    offsets = []
    for excerpt in excerpts:
        start = source.text.index(excerpt)
        offsets.append((start, start + len(excerpt)))
    draft = NewEvent(
        date=date,
        end=end,
        summary=summary,
        status=status,
        graphic=graphic,
        places=places,
        citations=tuple(offsets),
    )
    async with store.db.transaction() as conn:
        return await store.events.add(conn, source_id, source.text, draft)


async def cite(store: Store, event_id: int, source_id: int, excerpt: str) -> None:
    """Add a second article's excerpt to an existing event (as a merge would)."""
    source = await store.sources.get(source_id)
    start = source.text.index(excerpt)
    draft = NewEvent(date="", end=None, summary="", citations=((start, start + len(excerpt)),))
    async with store.db.transaction() as conn:
        await store.events.attach(conn, event_id, source_id, source.text, draft)


SARATOV = PlaceRef(
    "Saratov Oblast", "region", None, ("Saratov", "Saratov region", "Saratov Oblast")
)
OTB1 = PlaceRef(
    "Tuberculosis Hospital No. 1",
    "facility",
    "Saratov Oblast",
    ("OTB-1", "Regional Tuberculosis Hospital No. 1"),
)


async def sample_briefing(store: Store) -> dict[str, int]:
    """Two articles, four events at two places; returns ids by short name."""
    a = await add_article(store, ARTICLE_A)
    b = await add_article(
        store,
        ARTICLE_B,
        outlet="The Moscow Times",
        title="Prison chief dismissed",
        url="https://www.themoscowtimes.com/2021/10/07/chief",
        published="2021-10-07",
    )
    leak = await add_event(
        store,
        a,
        "2021-10-05",
        "Gulagu.net publishes footage from the Saratov tuberculosis hospital",
        ("Gulagu.net published footage from the Saratov tuberculosis hospital",),
        places=(SARATOV, OTB1),
    )
    torture = await add_event(
        store,
        a,
        "2021-10-05",
        "Videos show prisoners tortured by other inmates",
        ("The videos show prisoners being tortured by other inmates.",),
        graphic=True,
        places=(OTB1,),
    )
    case = await add_event(
        store,
        a,
        "2021-10-06",
        "Investigators open a criminal case",
        ("Investigators opened a criminal case on 6 October 2021",),
        places=(SARATOV,),
    )
    dismissal = await add_event(
        store,
        b,
        "2021-10-07",
        "Head of the Saratov regional prison service dismissed",
        ("dismissed the head of the Saratov regional prison service",),
        places=(SARATOV,),
    )
    beatings = await add_event(
        store,
        b,
        "2020",
        "Beatings routine at OTB-1",
        ("Rights groups alleged that beatings were routine at OTB-1 in 2020.",),
        status="alleged",
        places=(OTB1,),
    )
    await cite(store, case, b, "Officials said an inquiry would follow.")
    return {
        "a": a,
        "b": b,
        "leak": leak,
        "torture": torture,
        "case": case,
        "dismissal": dismissal,
        "beatings": beatings,
    }


MUCH_CITED_SUMMARY = (
    "Investigators open a criminal case over the torture of prisoners at the regional "
    "tuberculosis hospital, after the leaked videos were confirmed by the prison service"
)


async def much_cited(store: Store, articles: int) -> tuple[int, list[str]]:
    """One event cited twice by each of `articles` articles (as a story every outlet
    covered); returns its id and every excerpt, in citation order."""
    excerpts: list[str] = []
    event_id = None
    for n in range(1, articles + 1):
        first = f"Outlet {n} reported on 6 October 2021 that investigators opened a criminal case."
        second = f"Officials quoted in report {n} said an inquiry into the hospital would follow."
        source = await add_article(
            store,
            f"{first} {second}",
            outlet=f"Outlet {n}",
            title=f"Report {n}",
            url=f"https://outlet{n}.example/2021/10/06/case",
            published="2021-10-06",
        )
        if event_id is None:
            event_id = await add_event(
                store, source, "2021-10-06", MUCH_CITED_SUMMARY, (first, second), places=(SARATOV,)
            )
        else:
            await cite(store, event_id, source, first)
            await cite(store, event_id, source, second)
        excerpts += [first, second]
    assert event_id is not None
    return event_id, excerpts


async def more_regions(store: Store, events: dict[str, int]) -> None:
    """Regions beside the sample's, each with `events[name]` events: places whose names
    share words ('Oblast', 'Krai') with Saratov Oblast and each other."""
    for name, count in events.items():
        town = name.split()[0]
        text = " ".join(f"Report {n} came from {town}." for n in range(count))
        source = await add_article(store, text, url=f"https://news.test/{town.lower()}")
        region = PlaceRef(name, "region", None, (town, name))
        for n in range(count):
            summary, excerpt = f"{town} report {n}", f"Report {n} came"
            await add_event(store, source, "2022", summary, (excerpt,), places=(region,))
