"""Rendering: Telegram's length limit, escaping of hostile text, spoilers.

Pages are checked with the fake Bot API's parser, which accepts only the HTML Telegram
accepts and measures the visible text in UTF-16 code units as Telegram does.
"""

from __future__ import annotations

import re

import pytest

from bot.answers import Answer, CitationView, EventItem, LineItem, SourceItem
from bot.render_html import clip_html, render_pages
from bot.render_text import render_pages as render_text_pages
from bot.render_text import render_text
from tests.fakes.bot_api import MESSAGE_LIMIT, parse_html, utf16_len


def event(
    n: int,
    summary: str = "Something happened",
    excerpt: str = "An excerpt.",
    *,
    outlet: str = "Outlet",
    url: str | None = "https://example.org/a",
    graphic: bool = False,
    citations: int = 1,
) -> EventItem:
    return EventItem(
        id=n,
        when="5 Oct 2021",
        summary=summary,
        status=None,
        attribution=None,
        places=(),
        citations=tuple(
            CitationView(excerpt, outlet, url, source_id=1, published="5 Oct 2021")
            for _ in range(citations)
        ),
        more_citations=0,
        graphic=graphic,
    )


def listing(*items: EventItem, graphic_shown: bool = False) -> Answer:
    return Answer(title="Timeline", items=items, command="/timeline", graphic_shown=graphic_shown)


def visible_pages(answer: Answer) -> list[str]:
    """Each page's visible text; parse_html raises as Telegram would on bad markup."""
    return [parse_html(page) for page in render_pages(answer)]


# --- the length limit ---------------------------------------------------------------

CYRILLIC = "Заключённые рассказали о пытках в больнице; "
EMOJI = "🚨🔥👩‍⚖️ "  # astral-plane characters count twice in UTF-16, ZWJ sequences more


@pytest.mark.parametrize(
    "filler", [CYRILLIC, EMOJI, "a & b < c > d "], ids=["cyrillic", "emoji", "entities"]
)
def test_pages_stay_under_the_limit_and_keep_items_whole(filler: str) -> None:
    items = [event(n, f"{n}: " + filler * 5, filler * 20, citations=2) for n in range(1, 40)]
    pages = visible_pages(listing(*items))
    assert len(pages) > 3
    for page in pages:
        assert utf16_len(page) <= MESSAGE_LIMIT
    # Every event appears exactly once, whole (both excerpts on the same page).
    for n in range(1, 40):
        holding = [p for p in pages if f"/event_{n}\n" in p]
        assert len(holding) == 1, n
        assert holding[0].count(filler * 20) >= 2 * sum(
            1 for m in re.finditer(r"/event_\d+\n", holding[0])
        )


def test_a_page_that_is_almost_full_in_utf16_but_not_in_characters() -> None:
    # 1,500 emoji are 1,500 characters for Python but 3,000 units for Telegram.
    items = [event(n, "🚨" * 1500) for n in range(1, 4)]
    pages = visible_pages(listing(*items))
    assert len(pages) == 3
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in pages)


@pytest.mark.parametrize("filler", ["я", "🚨", "&<>"], ids=["cyrillic", "emoji", "markup"])
def test_one_huge_item_is_cut_with_a_pointer_to_the_full_event(filler: str) -> None:
    huge = event(7, filler * 3000, filler * 9000, citations=3)
    pages = render_pages(listing(huge))
    assert len(pages) == 1
    visible = parse_html(pages[0])
    assert utf16_len(visible) <= MESSAGE_LIMIT
    assert "…" in visible and "/event_7" in visible
    assert len(pages[0]) <= 3 * MESSAGE_LIMIT  # the raw markup stays bounded too


@pytest.mark.parametrize("filler", ["я", "🚨", "&<>"], ids=["cyrillic", "emoji", "markup"])
def test_an_item_too_long_even_at_its_shortest_still_fits(filler: str) -> None:
    # 3,000 citations are too many even with every text cut to "…": the item is clipped.
    crowded = event(9, filler * 50, filler * 10, citations=3000, graphic=True)
    for pages in (render_pages(listing(crowded)), render_text_pages(listing(crowded))):
        [page] = pages
        visible = parse_html(page) if page.startswith("<b>") else page
        assert 1000 < utf16_len(visible) <= MESSAGE_LIMIT and visible.endswith("…")
        assert re.search(r"/event[ _]9", visible)  # tappable in Telegram
    # The graphic excerpts stay hidden: every opened spoiler is closed.
    html_page = render_pages(listing(crowded))[0]
    assert html_page.count("<tg-spoiler>") == html_page.count("</tg-spoiler>") > 100


@pytest.mark.parametrize("filler", ["я", "🚨", "&<>"], ids=["cyrillic", "emoji", "markup"])
def test_a_header_too_long_still_fits(filler: str) -> None:
    answer = Answer(title=filler * 5000, items=(LineItem("a line"),), footer=("the end",))
    for page in render_pages(answer):
        assert utf16_len(parse_html(page)) <= MESSAGE_LIMIT
    for page in render_text_pages(answer):
        assert len(page) <= 4000 and page.startswith(filler * 100)


@pytest.mark.parametrize(
    ("length", "clipped"),
    [
        (0, "<b>…</b>"),
        (3, "<b>Hea…</b>"),
        (9, "<b>Headline</b> <tg-spoiler>…</tg-spoiler>"),
        (13, "<b>Headline</b> <tg-spoiler>a &lt;…</tg-spoiler>"),
        (99, '<b>Headline</b> <tg-spoiler>a &lt; b</tg-spoiler> <a href="https://x.org">x</a>'),
    ],
)
def test_clipped_html_keeps_its_tags_balanced(length: int, clipped: str) -> None:
    rendered = '<b>Headline</b> <tg-spoiler>a &lt; b</tg-spoiler> <a href="https://x.org">x</a>'
    assert clip_html(rendered, length) == clipped


def test_plain_text_pages_match_telegram_pages() -> None:
    items = [event(n, CYRILLIC * 5, CYRILLIC * 20) for n in range(1, 30)]
    assert len(render_text_pages(listing(*items))) == len(render_pages(listing(*items)))
    text = render_text(listing(*items))
    assert "— page 1/" in text and "<" not in text


# --- hostile input ----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "<b>unbalanced",
    "</blockquote></a>",
    "fish & chips &amp; &lt;",
    "\"quotes\" and 'apostrophes'",
    "<a href='javascript:alert(1)'>x</a>",
    "<tg-spoiler>",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_shown_literally_everywhere(hostile: str) -> None:
    item = event(1, f"Summary {hostile}", f"Excerpt {hostile}", outlet=f"Outlet {hostile}")
    answer = Answer(
        title=f"Title {hostile}",
        intro=(f"Intro {hostile}",),
        items=(
            item,
            SourceItem(2, f"Out {hostile}", f"T {hostile}", None, None, False, 1),
            LineItem(f"Line {hostile}"),
        ),
        footer=(f"Footer {hostile}",),
    )
    [page] = render_pages(answer)
    visible = parse_html(page)  # Telegram would accept it
    for label in ("Summary", "Excerpt", "Outlet", "Title", "Intro", "Out", "T", "Line"):
        assert f"{label} {hostile}" in visible, label
    assert "<script" not in page


def test_characters_that_reverse_text_never_reach_readers() -> None:
    """U+202E in a title, outlet, summary or excerpt would show readers the rest of the
    line backwards (a title 'gnp.exe' reading 'exe.png'); the words themselves stay."""
    rlo, lri, pdi = "\u202e", "\u2066", "\u2069"
    item = event(1, f"Summary {rlo}gnp.exe", f"Excerpt {lri}x{pdi}", outlet=f"Out{rlo}let")
    answer = Answer(
        title=f"Search: {rlo}abc",
        items=(item, SourceItem(2, f"{rlo}Outlet", f"{rlo}Title", None, None, False, 1)),
    )
    [page] = render_pages(answer)
    visible = parse_html(page)
    assert not {rlo, lri, pdi} & set(page)
    for shown in ("Search: abc", "Summary gnp.exe", "Excerpt x", "Outlet", "Title"):
        assert shown in visible


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,<b>x</b>",
        "ftp://example.org/file",
        "//example.org/no-scheme",
        "https://exa mple.org/space",
        "https://example.org/\nnewline",
        "https://news.example@evil.example/a",
        "https://user:secret@example.org/a",
        "",
    ],
)
def test_only_http_urls_become_links(url: str) -> None:
    [page] = render_pages(listing(event(1, url=url or None)))
    assert "<a " not in page
    assert "Outlet" in parse_html(page)


def test_urls_are_escaped_inside_the_attribute() -> None:
    url = 'https://example.org/a?x=1&y="><script>'
    [page] = render_pages(listing(event(1, url=url)))
    assert 'href="https://example.org/a?x=1&amp;y=&quot;&gt;&lt;script&gt;"' in page
    parse_html(page)


# --- spoilers ---------------------------------------------------------------------------


def test_graphic_excerpts_are_spoilers_unless_the_chat_chose_otherwise() -> None:
    graphic = event(1, "Beating", "He was beaten", graphic=True)
    plain = event(2, "Statement", "They said so")
    [hidden] = render_pages(listing(graphic, plain))
    assert "<tg-spoiler>He was beaten</tg-spoiler>" in hidden
    assert "<tg-spoiler>Beating</tg-spoiler>" in hidden  # the summary retells it
    assert "<tg-spoiler>They said so" not in hidden and "<tg-spoiler>Statement" not in hidden
    [shown] = render_pages(listing(graphic, plain, graphic_shown=True))
    assert "tg-spoiler" not in shown and "He was beaten" in shown


def test_plain_text_hides_graphic_excerpts_behind_a_notice() -> None:
    graphic = event(1, "Beating", "He was beaten", graphic=True)
    hidden = render_text(listing(graphic))
    assert "He was beaten" not in hidden and "/graphic on" in hidden
    assert "Beating" not in hidden
    shown = render_text(listing(graphic, graphic_shown=True))
    assert "He was beaten" in shown and "Beating" in shown


@pytest.mark.parametrize(
    ("excerpt", "shown"),
    [
        ("He resigned.", "“He resigned.” — Outlet"),
        ("“He resigned,” a source said.", "“He resigned,” a source said. — Outlet"),
        ("“He resigned.", "“He resigned. — Outlet"),  # verbatim, though the quote runs on
        ("«Он ушёл», — сказал источник.", "«Он ушёл», — сказал источник. — Outlet"),
    ],
)
def test_plain_text_quotes_an_excerpt_that_is_not_a_quotation_already(
    excerpt: str, shown: str
) -> None:
    """An excerpt that opens with a quotation mark began with two (““He resigned…”)."""
    text = render_text(listing(event(1, "x", excerpt)))
    assert f"  {shown}, 5 Oct 2021 https://example.org/a" in text


def test_ignored_answers_render_nothing() -> None:
    assert render_pages(Answer(title="", ignored=True)) == []
