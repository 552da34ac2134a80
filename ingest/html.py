"""HTML pages to article text, with the metadata the page declares."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements a browser does not show (the `hidden` attribute, `display: none`, `visibility:
# hidden`): a page can hide text there that none of its readers sees, and the briefing would
# cite it as the outlet's words. (aria-hidden only hides from screen readers: it stays.)
_STYLE = "translate(@style, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ \t\n', 'abcdefghijklmnopqrstuvwxyz')"
# The page's body and its article are kept even so: some sites hide them until a script
# has run, and the whole article would be lost. So are sections folded with
# hidden="until-found", which a browser opens when a reader searches the page.
HIDDEN = (
    "//*[not(self::html or self::body or self::main or self::article)]"
    "[@hidden and @hidden != 'until-found'"
    f" or contains({_STYLE}, 'display:none')"
    f" or contains({_STYLE}, 'visibility:hidden')]"
)
log = logging.getLogger(__name__)

XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# A document type with declarations of its own (`<!DOCTYPE html [<!ENTITY ...>]>`, the way
# to an entity bomb): HTML parsers read none of it, and its "]>" became the article's start.
INTERNAL_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.I | re.S)
# A page's first tag, after any XML declaration and comments (browsers that save a page
# put `<!-- saved from url=... -->` first; XHTML starts with `<?xml ...?>`).
HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*|<!--.*?-->\s*)*"
    r"(?:<!doctype html|<(?:html|head|body|meta|title|article|main|section|div|p|h[1-6]|table)"
    r"[\s>/])",
    re.I | re.S,
)


@dataclass(frozen=True)
class PageText:
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None


def looks_like_html(text: str) -> bool:
    return bool(HTML_START.match(text[:2000]))


class _TextCollector(HTMLParser):
    """Fallback extractor: visible text only, scripts and styles dropped, blocks on lines."""

    SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _plain_text(html: str) -> str:
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n\n".join(line for line in lines if line)


def without_hidden(html: str) -> str:
    """The page without the elements a browser would not show (unchanged when it has none,
    or when it cannot be parsed: trafilatura then reads it as it is)."""
    import lxml.etree
    import lxml.html

    try:
        # lxml refuses text that declares its own encoding; the text is decoded already.
        tree = lxml.html.document_fromstring(XML_DECLARATION.sub("", html, count=1))
    except (ValueError, lxml.etree.LxmlError):
        return html
    hidden = tree.xpath(HIDDEN)
    if not hidden:
        return html
    for element in hidden:
        element.drop_tree()  # its tail, the text after it, stays
    return str(lxml.html.tostring(tree, encoding="unicode"))


def html_to_text(html: str, url: str | None = None) -> PageText:
    """The page's main text and metadata (trafilatura), or all visible text as a fallback."""
    import trafilatura  # imported here: it is slow to import and most commands never need it

    html = without_hidden(INTERNAL_SUBSET.sub("<!DOCTYPE html>", html, count=1))

    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:
        # Hostile or odd pages break its internals (an <svg> as the page's root made its
        # date finder fail an lxml assertion): one such file stopped `briefbot ingest`
        # with a traceback. The page is then read as its visible text, like any it cannot
        # extract.
        log.warning("trafilatura failed on a page (%s); reading its text", type(exc).__name__)
        document = None
    text = getattr(document, "text", None) if document is not None else None
    if not text:
        return PageText(text=_plain_text(html), url=url)
    page_url = getattr(document, "url", None) or url
    outlet = getattr(document, "sitename", None)
    if outlet and page_url and "@" in outlet and outlet in page_url:
        # Named after a URL with a user name (`https://known.outlet@other.host/`): that
        # names a site the page is not on.
        outlet = None
    return PageText(
        text=text,
        title=getattr(document, "title", None),
        outlet=outlet,
        url=page_url,
        published=getattr(document, "date", None),
    )
