"""Answers as plain text, for the console and `briefbot ask`.

The same items and pages as in Telegram; no markup, so links are written out and
graphic excerpts the chat hides are replaced by a notice.
"""

from __future__ import annotations

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
)
from bot.paging import Limits, paginate

# Pages as in Telegram, so "page 2/3" means the same thing everywhere.
TEXT_LIMITS = Limits(visible=4000, raw=4000, items=8)
GRAPHIC_HIDDEN = "[graphic excerpt hidden; /graphic on shows it]"
GRAPHIC_SUMMARY_HIDDEN = "[graphic description hidden; /graphic on shows it]"


def _cut(text: str, cut: int | None) -> str:
    if cut is None or len(text) <= cut:
        return text
    return text[:cut].rstrip() + "…"


class TextRenderer:
    def header(self, answer: Answer, first_page: bool) -> str:
        lines = [answer.title] if answer.title else []
        if first_page:
            lines.extend(answer.intro)
        return "\n".join(lines)

    def empty(self, answer: Answer) -> str:
        return answer.empty or ""

    def footer(self, answer: Answer) -> str:
        # A button's command after the list it chooses from: above it, a choice of places
        # came before the places it chooses among ("choose one below").
        commands = [f"  {b.command}" for b in answer.buttons]
        return "\n".join([*answer.footer, *commands])

    def visible(self, rendered: str) -> str:
        return rendered

    def clip(self, rendered: str, length: int) -> str:
        return rendered if len(rendered) <= length else rendered[:length].rstrip() + "…"

    def item(self, item: Item, answer: Answer, cut: int | None) -> str:
        if isinstance(item, EventItem):
            return self._event(item, answer, cut)
        if isinstance(item, SourceItem):
            return self._source(item, cut)
        if isinstance(item, CitationItem):
            return _quote(item.citation, item.graphic and not answer.graphic_shown, cut)
        if isinstance(item, PlaceItem):
            kind = item.kind + (f", {item.region}" if item.region else "")
            return f"{_cut(item.name, cut)} ({kind}) — {events_phrase(item.events)}"
        if isinstance(item, WithdrawnItem):
            return self._withdrawn(item, answer, cut)
        assert isinstance(item, LineItem)
        return _cut(item.text, cut)

    def _event(self, item: EventItem, answer: Answer, cut: int | None) -> str:
        head = item.when + (f" [{item.status}]" if item.status else "") + f" · /event {item.id}"
        hide = item.graphic and not answer.graphic_shown
        lines = [head, GRAPHIC_SUMMARY_HIDDEN if hide else _cut(item.summary, cut)]
        if item.attribution:
            lines.append(f"according to {_cut(item.attribution, cut)}")
        if item.places:
            lines.append("Places: " + _cut(PLACE_SEPARATOR.join(item.places), cut))
        lines.extend(f"  {_quote(citation, hide, cut)}" for citation in item.citations)
        if item.more_citations:
            lines.append(f"  +{item.more_citations} more: /event {item.id}")
        if cut is not None:
            lines.append(f"  (shortened; /event {item.id} has it in full)")
        return "\n".join(lines)

    def _withdrawn(self, item: WithdrawnItem, answer: Answer, cut: int | None) -> str:
        hide = item.graphic and not answer.graphic_shown
        summary = GRAPHIC_SUMMARY_HIDDEN if hide else _cut(item.summary, cut)
        fate = f"Merged into /event {item.into}" if item.into is not None else WITHDRAWN
        return f"{item.when} · event {item.id}\n{summary}\n{fate}"

    def _source(self, item: SourceItem, cut: int | None) -> str:
        title = _cut(item.title or "(untitled)", cut)
        when = item.published or "date unknown"
        if item.published and item.published_inferred:
            when += " (inferred)"
        lines = [f"{item.id}. {title} — {item.outlet}, {when} — {events_phrase(item.events)}"]
        if item.url:
            lines.append(f"   {item.url}")
        lines.append(f"   /source {item.id}")
        return "\n".join(lines)


def _quote(citation: CitationView, hide: bool, cut: int | None) -> str:
    """An excerpt in quotes (a notice instead when `hide`), its outlet and link."""
    quote = GRAPHIC_HIDDEN if hide else _quoted(_cut(citation.excerpt, cut))
    where = _cut(citation.outlet, cut) + (f", {citation.published}" if citation.published else "")
    link = f" {citation.url}" if citation.url else ""
    return f"{quote} — {where}{link}"


# Marks that open a quotation: an excerpt starting with one is itself a quotation.
OPENING_QUOTES = "“„«\"'‘‹"


def _quoted(excerpt: str) -> str:
    """The excerpt in quotation marks, unless it is one already: wrapped again it began
    with two marks (““He resigned…”), and a reader could not tell where the quote ends."""
    return excerpt if excerpt.startswith(tuple(OPENING_QUOTES)) else f"“{excerpt}”"


def render_pages(answer: Answer) -> list[str]:
    """The answer as plain-text pages ([] when the answer is for no one)."""
    if answer.ignored:
        return []
    return paginate(TextRenderer(), answer, TEXT_LIMITS)


def render_text(answer: Answer) -> str:
    """Every page, one after another, with a line between pages."""
    return render_answers([answer])


def render_answers(answers: list[Answer]) -> str:
    """Pages of one list (each answer a page read from the store, or split here), each
    ending in a "page n/N" line when there is more than one."""
    pages = [page for answer in answers for page in render_pages(answer)]
    if len(pages) == 1:
        return pages[0]
    return "\n\n".join(
        f"{page}\n— page {n}/{len(pages)} —" for n, page in enumerate(pages, start=1)
    )
