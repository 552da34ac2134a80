"""Answers as Telegram HTML (parse_mode=HTML), split into pages under Telegram's limit.

Everything that comes from articles, maintainers or readers goes through `html.escape`;
only http(s) URLs become links; graphic excerpts sit in <tg-spoiler> unless the chat
turned /graphic on. Telegram counts its 4096-unit limit in UTF-16 code units of the text
left after parsing the markup, so that is what `visible` measures.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from bot.answers import (
    PLACE_SEPARATOR,
    WITHDRAWN,
    Answer,
    CitationItem,
    CitationView,
    EventItem,
    Item,
    LineItem,
    PlaceItem,
    SourceItem,
    WithdrawnItem,
    events_phrase,
    numbered,
)
from bot.paging import Limits, paginate

MESSAGE_LIMIT = 4096  # Telegram's limit, UTF-16 code units after entity parsing
# A margin under the limit, and a cap on the markup itself so a page of many links
# stays a reasonable request.
HTML_LIMITS = Limits(visible=MESSAGE_LIMIT - 96, raw=3 * MESSAGE_LIMIT, items=8)

# Characters that reorder the text after them (embeddings, overrides, isolates): a title
# holding U+202E shows readers its words backwards, so "gnp.exe" reads "exe.png". Readers
# see the text without them; the stored text keeps them, as it keeps every character.
# A pattern, not a str.translate table: every piece of every reply goes through it.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
TAG = re.compile(r"<[^>]*>")
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


def esc(text: str) -> str:
    return html.escape(BIDI_CONTROLS.sub("", text), quote=False)


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) address, else None (never javascript: etc.)."""
    if not url:
        return None
    url = url.strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if "@" in parts.netloc:  # a user name: `https://known.outlet@other.host/` misleads
        return None
    return url


def link(text: str, url: str | None) -> str:
    target = safe_url(url)
    if target is None:
        return esc(text)
    return f'<a href="{html.escape(target, quote=True)}">{esc(text)}</a>'


def _cut(text: str, cut: int | None) -> str:
    if cut is None or len(text) <= cut:
        return text
    return text[:cut].rstrip() + "…"


def visible_text(rendered: str) -> str:
    """The text Telegram shows for our HTML: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", rendered))


def clip_html(rendered: str, length: int) -> str:
    """Our HTML cut after `length` visible characters, with "…" and the tags open at the
    cut closed (a spoiler stays a spoiler). Text between tags is always escaped here, so
    every "<" starts a tag."""
    kept: list[str] = []
    open_tags: list[str] = []
    left = length
    for piece in TAG_OR_TEXT.split(rendered):
        if piece.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif piece.startswith("<"):
            open_tags.append((piece[1:-1].split(maxsplit=1) or [""])[0])
        else:
            text = html.unescape(piece)
            if len(text) > left:
                kept.append(esc(text[:left].rstrip() + "…"))
                kept.extend(f"</{name}>" for name in reversed(open_tags))
                return "".join(kept)
            left -= len(text)
        kept.append(piece)
    return rendered


class HtmlRenderer:
    def header(self, answer: Answer, first_page: bool) -> str:
        lines = [f"<b>{esc(answer.title)}</b>"] if answer.title else []
        if first_page:
            lines.extend(esc(line) for line in answer.intro)
        return "\n".join(lines)

    def empty(self, answer: Answer) -> str:
        return esc(answer.empty or "")

    def footer(self, answer: Answer) -> str:
        return "\n".join(esc(line) for line in answer.footer)

    def visible(self, rendered: str) -> str:
        return visible_text(rendered)

    def clip(self, rendered: str, length: int) -> str:
        return clip_html(rendered, length)

    def item(self, item: Item, answer: Answer, cut: int | None) -> str:
        if isinstance(item, EventItem):
            return self._event(item, answer, cut)
        if isinstance(item, SourceItem):
            return self._source(item, cut)
        if isinstance(item, CitationItem):
            return _quote(item.citation, item.graphic and not answer.graphic_shown, cut)
        if isinstance(item, PlaceItem):
            kind = item.kind + (f", {item.region}" if item.region else "")
            return (
                f"<b>{esc(_cut(item.name, cut))}</b> ({esc(_cut(kind, cut))})"
                f" — {events_phrase(item.events)}"
            )
        if isinstance(item, WithdrawnItem):
            return self._withdrawn(item, answer, cut)
        assert isinstance(item, LineItem)
        return esc(_cut(item.text, cut))

    def ref(self, command: str, number: int) -> str:
        """A pointer to `/command number` that a reader can tap."""
        return numbered(command, number)

    def _event(self, item: EventItem, answer: Answer, cut: int | None) -> str:
        head = f"<b>{esc(item.when)}</b>"
        if item.status:
            head += f" · <i>{esc(item.status)}</i>"
        head += f" · {self.ref('event', item.id)}"
        hide = item.graphic and not answer.graphic_shown
        summary = esc(_cut(item.summary, cut))
        # A graphic event's summary retells the excerpt, so it is hidden the same way.
        lines = [head, f"<tg-spoiler>{summary}</tg-spoiler>" if hide else summary]
        if item.attribution:
            lines.append(f"<i>according to {esc(_cut(item.attribution, cut))}</i>")
        if item.places:
            lines.append("📍 " + esc(_cut(PLACE_SEPARATOR.join(item.places), cut)))
        lines.extend(_quote(citation, hide, cut) for citation in item.citations)
        if item.more_citations:
            lines.append(f"+{item.more_citations} more: {self.ref('event', item.id)}")
        if cut is not None:
            lines.append(f"<i>Shortened; full text:</i> {self.ref('event', item.id)}")
        return "\n".join(lines)

    def _withdrawn(self, item: WithdrawnItem, answer: Answer, cut: int | None) -> str:
        # No pointer to the event itself: it is not shown any more.
        summary = esc(_cut(item.summary, cut))
        if item.graphic and not answer.graphic_shown:
            summary = f"<tg-spoiler>{summary}</tg-spoiler>"
        fate = (
            f"<i>Merged into</i> {self.ref('event', item.into)}"
            if item.into is not None
            else f"<i>{esc(WITHDRAWN)}</i>"
        )
        return f"<b>{esc(item.when)}</b> · event {item.id}\n{summary}\n{fate}"

    def _source(self, item: SourceItem, cut: int | None) -> str:
        title = link(_cut(item.title or "(untitled)", cut), item.url)
        when = item.published or "date unknown"
        if item.published and item.published_inferred:
            when += " (inferred)"
        return (
            f"<b>{item.id}.</b> {title}\n{esc(_cut(item.outlet, cut))}, {esc(when)}"
            f" · {events_phrase(item.events)} · {numbered('source', item.id)}"
        )


def _quote(citation: CitationView, hide: bool, cut: int | None) -> str:
    """An excerpt as a quote (in a spoiler when `hide`), then its outlet, linked."""
    quote = esc(_cut(citation.excerpt, cut))
    if hide:
        quote = f"<tg-spoiler>{quote}</tg-spoiler>"
    where = link(_cut(citation.outlet, cut), citation.url)
    if citation.published:
        where += f", {esc(citation.published)}"
    return f"<blockquote>{quote}</blockquote>— {where}"


class DigestRenderer(HtmlRenderer):
    """Digests: an event that opens a new date carries that date as a heading (bot/digest.py),
    so a heading always sits on the same page as its first event. In a channel readers
    cannot send commands, so pointers are links that open the bot (`start_link`, the
    bot's t.me/<bot>?start= address) at the answer."""

    def __init__(self, start_link: str | None = None) -> None:
        self.start_link = start_link

    def ref(self, command: str, number: int) -> str:
        if self.start_link is None:
            return super().ref(command, number)
        return link(f"{command} {number}", f"{self.start_link}{command}_{number}")

    def item(self, item: Item, answer: Answer, cut: int | None) -> str:
        text = super().item(item, answer, cut)
        heading = getattr(item, "heading", None)
        return f"<b>{esc(heading)}</b>\n{text}" if heading else text


def render_pages(answer: Answer) -> list[str]:
    """The answer as Telegram HTML pages ([] when the answer is for no one)."""
    if answer.ignored:
        return []
    return paginate(HtmlRenderer(), answer, HTML_LIMITS)
