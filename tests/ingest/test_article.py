from __future__ import annotations

import codecs
from datetime import date, timedelta

import pytest

from ingest.article import date_from_url, parse_article, parse_day
from ingest.errors import ArticleRejected
from ingest.events import extract_events


def test_front_matter_is_read_and_body_kept_verbatim() -> None:
    raw = (
        b'---\noutlet: Daily\ntitle: "A: title"\nurl: https://x.test/a\n'
        b"published: 2021-10-05\n---\nBody  text.\n"
    )
    article = parse_article(raw, "a.txt")
    assert (article.outlet, article.title, article.url, article.published) == (
        "Daily",
        "A: title",
        "https://x.test/a",
        "2021-10-05",
    )
    assert article.text == "Body  text.\n"
    assert article.file == "a.txt"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"PK\x03\x04 zip content", "binary"),
        (b"abc\x00\x01\x02def", "binary"),
        (b"---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        (b"---\ntitle: x\nbody with no closing line", "no closing"),
        (b"---\npublished: yesterday\n---\nbody", "published must be a date"),
        (b"---\npublished: 2021-02-30\n---\nbody", "published must be a date"),
        (b"---\npublished: !!timestamp 2021-13-01\n---\nbody", "published must be a date"),
        (b"---\nurl: javascript:alert(1)\n---\nbody", "url must start with http"),
        (b"---\nurl: https://x.test/a b\n---\nbody", "url must be one address"),
        (b'---\nurl: "https://x.test/a\\n<b>"\n---\nbody', "url must be one address"),
        (b"---\n- a list\n---\nbody", "key: value"),
        (b"---\ntitle: x\n---\n   \n", "no article text"),
    ],
    ids=[
        "empty",
        "blank",
        "zip",
        "nul-bytes",
        "bad-yaml",
        "unclosed",
        "bad-date",
        "no-such-day",
        "no-such-month-tagged",
        "bad-url",
        "url-with-space",
        "url-with-newline",
        "list",
        "no-body",
    ],
)
def test_bad_input_is_rejected_with_a_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(ArticleRejected, match=reason):
        parse_article(raw, "bad.txt")


@pytest.mark.parametrize(
    ("front_matter", "title", "outlet", "published"),
    [
        ("outlet: NO\ntitle: yes", "yes", "NO", None),
        ("title: 1.50\noutlet: .inf", "1.50", ".inf", None),
        ("title: !!int abc\noutlet: !!float abc", "abc", "abc", None),
        ("title: !!timestamp hello", "hello", None, None),
        ("published: 2021-10-05T25:99:00", None, None, "2021-10-05"),
        ("published: 2021-10-05 10:00:00+03:00", None, None, "2021-10-05"),
        ("title: ~\noutlet: null\npublished:", None, None, None),
        ("", None, None, None),
    ],
    ids=["yes-no", "numbers", "tags", "timestamp-tag", "bad-time", "time", "nulls", "empty"],
)
def test_front_matter_values_are_read_as_written(
    front_matter: str, title: str | None, outlet: str | None, published: str | None
) -> None:
    """YAML's implicit types are not ours: `outlet: NO` is the outlet NO, not False, and a
    value YAML cannot make a timestamp or number of is text, never a crash."""
    block = f"{front_matter}\n" if front_matter else ""
    article = parse_article(f"---\n{block}---\nBody.\n".encode(), "a.md")
    assert (article.title, article.outlet, article.published) == (title, outlet, published)
    assert article.text == "Body.\n"


def test_a_publication_date_in_the_future_is_refused() -> None:
    """A typo (2201 for 2021) dated the article, and its "last week", two centuries on."""
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert parse_article(f"---\npublished: {tomorrow}\n---\nBody.".encode()).published == (
        tomorrow
    )
    with pytest.raises(ArticleRejected, match="published 2201-10-05 is in the future"):
        parse_article(b"---\npublished: 2201-10-05\n---\nBody.")


def test_titles_and_outlets_are_kept_on_one_line() -> None:
    """A title holding line breaks drew lines of its own in /sources (a made-up source)."""
    raw = (
        b'---\ntitle: "Real title\\n\\n2. Made up \\u2014 Wire, 5 Oct 2021"\n'
        b'outlet: "Out\\tlet\\r\\nX"\n---\nOn 5 October 2021 it began.\n'
    )
    article = parse_article(raw, "a.md")
    assert (article.title, article.outlet) == (
        "Real title 2. Made up — Wire, 5 Oct 2021",
        "Out let X",
    )
    assert parse_article(b'---\ntitle: " \\n "\n---\nBody.', "a.md").title is None


def test_a_user_name_and_password_in_a_url_are_not_kept() -> None:
    raw = b"---\nurl: https://user:secret@x.test/a?b=1\n---\nOn 5 October 2021 it began.\n"
    assert parse_article(raw, "a.md").url == "https://x.test/a?b=1"


def test_a_page_naming_itself_at_a_url_with_a_user_name_names_no_site() -> None:
    """`https://known.outlet@other.host/` names a site the page is not on: the reader must
    see neither it as the outlet nor the link as given."""
    raw = (
        b'<html><head><link rel="canonical" href="https://known.example@other.example/a">'
        b"<title>A page</title></head><body><article><p>On 5 October 2021 the regional court"
        b" opened a case against the governor of the prison.</p><p>Officials said on 7"
        b" October 2021 that an inquiry had begun into the claims.</p></article></body></html>"
    )
    article = parse_article(raw, "page.html")
    assert article.url == "https://other.example/a"
    assert article.outlet is None or "known.example" not in article.outlet


def test_invisible_characters_that_split_words_are_dropped() -> None:
    """Soft hyphens and zero-width spaces (pasted from web pages) cut a word in two for the
    search index and the place finder: "tor\u00adture" was never found by /search torture,
    and "Sara\u00adtov" was no place. Joiners that shape emoji stay."""
    raw = (
        "---\ntitle: Zero\u200bwidth\n---\nOn 5 October 2021 the court in Sara\u00adtov opened"
        " a tor\u00adture\u2060case \ufeffagainst the governor 👩\u200d⚖️, officials said.\r\n"
    ).encode()
    article = parse_article(raw, "a.txt")
    assert article.title == "Zerowidth"
    assert article.text == (
        "On 5 October 2021 the court in Saratov opened a torturecase against the governor"
        " 👩\u200d⚖️, officials said.\n"
    )
    [event] = extract_events(article.text, "2021-10-06")
    assert [place.name for place in event.places] == ["Saratov Oblast"]


def test_oversized_input_is_rejected() -> None:
    with pytest.raises(ArticleRejected, match="too large"):
        parse_article(b"a" * 5000, max_bytes=1000)


def test_html_is_reduced_to_text_without_scripts() -> None:
    raw = (
        b"<html><head><title>T</title><script>alert('x')</script></head><body>"
        b"<p>First paragraph of the story.</p><script>evil()</script></body></html>"
    )
    article = parse_article(raw, "page.html")
    assert "First paragraph of the story." in article.text
    assert "alert" not in article.text and "evil" not in article.text


PARAGRAPH = (
    "<p>The regional court in Tver opened a case against the prison governor on 5 October"
    " 2021, officials said.</p>"
)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (f"<!-- saved from url=(0019)https://x.example/ -->\n<html>{PARAGRAPH}", "a.html"),
        (f'<?xml version="1.0" encoding="utf-8"?>\n<html><p hidden>x</p>{PARAGRAPH}', "a.htm"),
        (f'<meta charset="utf-8"><title>T</title>{PARAGRAPH}', "a.txt"),
        (f"<h1>T</h1>{PARAGRAPH}", "a.md"),
        (f"<span>T</span>{PARAGRAPH}", "a.HTML"),
    ],
    ids=["saved-by-a-browser", "xhtml", "meta-first", "heading-first", "named-html"],
)
def test_html_is_read_as_html_however_it_starts(raw: str, name: str) -> None:
    """Such pages were stored as their markup, and readers saw tags in the excerpts."""
    text = parse_article(raw.encode(), name).text
    assert text.startswith("The regional court in Tver opened a case"), text
    assert "<" not in text


def test_a_document_type_declaring_entities_is_not_read_as_text() -> None:
    """Entities declared in the page (an entity bomb, a file on disk) are never expanded,
    and the declarations leave nothing in the text ("]>" opened it once hidden elements
    were taken out)."""
    raw = (
        b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file:///etc/passwd">'
        b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<html><body><p>On 5 October 2021 the court in Tver opened a case &x;&b; against"
        b" the governor, officials said.</p><p hidden>Hidden.</p></body></html>"
    )
    text = parse_article(raw, "page.html").text
    assert text.startswith("On 5 October 2021 the court in Tver opened a case")
    assert "root:" not in text and "aaaaaaaaaa" not in text


def test_text_a_browser_would_not_show_is_not_read() -> None:
    """A hostile page can hide text (`hidden`, `display: none`, `visibility: hidden`) that
    none of its readers sees: the briefing must not cite it as the outlet's words."""
    raw = (
        b"<html><body><article><p>The regional court in Tver opened a case against the"
        b" prison governor on 5 October 2021, officials said in a statement.</p>"
        b"<div HIDDEN>Injected: the governor was cleared on 6 October 2021.</div>"
        b'<p style="Visibility : Hidden">Injected: the prosecutor resigned on 7 October.</p>'
        b'<p style="color: red; display:none">Injected: a third claim.</p>'
        b"<p>The governor denied the claims on 8 October 2021 and said he"
        b" <span hidden>never</span> would appeal against the decision.</p>"
        b'<p aria-hidden="true">Shown to sighted readers.</p></article></body></html>'
    )
    text = parse_article(raw, "page.html").text
    assert "Injected" not in text and "never" not in text
    assert "opened a case against the prison governor" in text
    assert "said he would appeal against the decision" in text
    assert "Shown to sighted readers." in text


def test_an_article_hidden_until_a_script_runs_is_read() -> None:
    """Some sites hide the body or the article until their scripts have run."""
    for tag in ("body", "article", "main"):
        raw = (
            f'<html><body><{tag} style="display: none"><p>The regional court in Tver opened'
            " a case against the prison governor on 5 October 2021, officials said.</p>"
            f"<div hidden>Injected.</div></{tag}></body></html>"
        ).encode()
        text = parse_article(raw, "page.html").text
        assert text.startswith("The regional court in Tver opened a case"), tag
        assert "Injected" not in text
    folded = (
        b"<html><body><article><p>The regional court in Tver opened a case against the prison"
        b" governor on 5 October 2021, officials said.</p><section hidden=until-found><p>The"
        b" governor denied the claims on 8 October 2021, his lawyer said.</p></section>"
        b"</article></body></html>"
    )
    assert "The governor denied the claims" in parse_article(folded, "page.html").text


def test_latin1_text_is_decoded() -> None:
    article = parse_article("Café in Zürich reported.".encode("latin-1"), "x.txt")
    assert "Zürich" in article.text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        # The detector alone read this as Big5: "Z僡ich".
        ("Am Montag brannte ein Lager in Zürich.", "latin-1"),
        # ... and these as Windows-1250, whose ń sits where Latin-1 has ñ, and č where it
        # has è: "seńora", "Genčve".
        (
            "El lunes 4 de octubre de 2021 ardió un almacén en Málaga. La policía investiga a"
            " tres hombres; según el alcalde, el daño es pequeño y nadie resultó herido.",
            "latin-1",
        ),
        ("Lundi 4 octobre 2021, un entrepôt a brûlé à Genève.", "latin-1"),
        ("O incêndio em São Paulo destruiu o armazém; a polícia não comentou.", "latin-1"),
        ("La señora dijo “no” al juez en Logroño, según el acta del 5 de octubre.", "cp1252"),
        # Read by Mac Roman, Windows' “quotes” became "ìquotesî".
        ("The minister said “we will act” on Monday – and the price rose to €5.", "cp1252"),
        ("Mieszkańcy Łodzi protestowali w poniedziałek.", "cp1250"),
        ("Český soud v Brně rozhodl o žalobě.", "cp1250"),
        ("Budapesten hétfőn leégett egy raktár, a rendőrség őrizetbe vett.", "cp1250"),
        ("4 Ekim 2021 Pazartesi günü İzmir'de bir depo yandı.", "cp1254"),
        ("Пожар в Омске.", "cp1251"),
        ("В понедельник, 4 октября 2021 года, в Саратове полиция задержала трёх.", "koi8-r"),
        ("2021年10月4日、東京の倉庫で火災が発生した。警察は三人を逮捕した。", "shift_jis"),
        # One sign or letter beyond ASCII, where Windows-1250 has a letter of Polish: read
        # in the detector's order, "£5" became "Ł5", "¥500" "Ą500" and "Niño" "Nińo".
        ("Tickets cost £5 each, the council said on 4 October 2021.", "cp1252"),
        ("The price rose to ¥500 on Monday.", "cp1252"),
        ("Enrique Peña Nieto spoke about El Niño and La Niña on Monday.", "cp1252"),
        ("El 1º de octubre y la 2ª vez.", "cp1252"),
        # Letters that each fit a language in two code pages: read as Windows-1250 (Slovak,
        # whose rarest letter is ŕ) or Windows-1252 (French, as çî): "fermée ŕ la", "Mçrs".
        ("Le maire a déclaré lundi que la rue resterait fermée à la circulation.", "cp1252"),
        ("Mērs pirmdien sacīja, ka iela paliks slēgta.", "cp1257"),
    ],
    ids=[
        "latin1-short",
        "latin1-spanish",
        "latin1-french",
        "latin1-portuguese",
        "cp1252-spanish",
        "cp1252-quotes",
        "cp1250-polish",
        "cp1250-czech",
        "cp1250-hungarian",
        "cp1254",
        "cp1251-short",
        "koi8",
        "shift-jis",
        "cp1252-pound",
        "cp1252-yen",
        "cp1252-one-letter",
        "cp1252-ordinals",
        "cp1252-french-a-grave",
        "cp1257-latvian",
    ],
)
def test_one_byte_encodings_are_read_as_written(text: str, codec: str) -> None:
    assert parse_article(text.encode(codec), "x.txt").text == text


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_text_saved_as_utf16_or_utf32_with_a_byte_order_mark_is_read(codec: str) -> None:
    raw = "---\ntitle: Café\n---\nВ Зürich 5 октября.\r\n".encode(codec)
    if codec == "utf-16-be":
        raw = codecs.BOM_UTF16_BE + raw
    article = parse_article(raw, "x.txt")
    assert (article.title, article.text) == ("Café", "В Зürich 5 октября.\n")


def test_a_byte_order_mark_over_broken_text_is_refused() -> None:
    with pytest.raises(ArticleRejected, match="not valid UTF-16-LE text"):
        parse_article(codecs.BOM_UTF16_LE + b"a\x00\x00\xdc", "x.txt")


def test_utf16_that_hides_binary_is_refused() -> None:
    raw = codecs.BOM_UTF16_LE + "text\x01\x02\x03\x04".encode("utf-16-le") * 10
    with pytest.raises(ArticleRejected, match="binary"):
        parse_article(raw, "x.txt")


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("https://news.test/en/news/2022/01/18/slug", "2022-01-18"),
        ("https://news.test/2021/10/06/slug-a75218", "2021-10-06"),
        ("https://news.test/slug", None),
        ("https://news.test/2021/13/45/x", None),
    ],
)
def test_date_from_url(url: str, day: str | None) -> None:
    assert date_from_url(url) == day


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2021-10-05", "2021-10-05"),
        ("5 October 2021", "2021-10-05"),
        ("Oct 5, 2021", "2021-10-05"),
        ("05.10.2021", "2021-10-05"),
        ("Tue, 5 Oct 2021 10:00:00 GMT", "2021-10-05"),
        ("yesterday", None),
        ("October 2021", None),
        ("31.02.2021", None),
        ("2021-13-01", None),
        ("2021-31-12", None),
        ("banana 2021", None),
    ],
)
def test_metadata_days_in_common_forms(written: str, day: str | None) -> None:
    assert parse_day(written) == day


def test_front_matter_date_in_words() -> None:
    article = parse_article(b"---\npublished: 5 October 2021\n---\nBody.\n")
    assert article.published == "2021-10-05"


def test_a_page_that_breaks_the_extractor_is_read_as_its_visible_text() -> None:
    """An <svg> holding a script as the page's root made trafilatura's date finder fail an
    lxml assertion: /addstory answered 'Sorry, adding that article failed.' and `briefbot
    ingest` stopped with a traceback. Read as visible text, it has none."""
    page = b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script><text>1</text></svg>"
    with pytest.raises(ArticleRejected, match="no article text"):
        parse_article(page, "page.html")
