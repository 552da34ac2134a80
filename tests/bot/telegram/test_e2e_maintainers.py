"""Maintainers over real HTTP: users send commands and files to the fake Bot API, the real
Application polls it, pages come from an httpx.MockTransport, and the tests read what the
bot sent and what the store holds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.maintenance import Intake
from config.settings import Settings
from store import Store
from store.models import NewEvent
from tests.bot.briefing import add_article, much_cited, sample_briefing
from tests.bot.telegram.helpers import press
from tests.fakes.bot_api import Request, visible_text
from tests.fakes.telegram import RunningBot
from tests.fakes.web import FakeWeb, article_page
from tests.store.rows import dump

OWNER, OTHER_MAINTAINER, READER = 1001, 1002, 77
LIMIT = 20_000
WORKING = "Working… reading the article."
NOT_ALLOWED = "Sorry, that command is only for the briefing's maintainers."
URL = "https://news.example.org/2021/10/08/inquiry"
STORY = (
    "On 2021-10-07, the head of the regional prison service was dismissed after the leak. "
    "On 2021-10-08, prosecutors opened an inquiry into the hospital staff."
)


@pytest.fixture
def settings(db_path: Path) -> Settings:
    # Stories are added in this process: the `extraction` fixture replaces extraction here.
    return Settings(  # type: ignore[call-arg]
        db=db_path,
        maintainers=[OWNER, OTHER_MAINTAINER],
        max_article_bytes=LIMIT,
        story_worker=False,
        _env_file=None,
    )


def _extract(text: str, published: str | None, **_: object) -> list[NewEvent]:
    """A deterministic stand-in for extraction: one event per 'On YYYY-MM-DD, ...' sentence,
    so these tests exercise the maintainers' flow whatever extraction's quality."""
    return [
        NewEvent(m.group(1), None, m.group(2).capitalize(), citations=((m.start(), m.end()),))
        for m in re.finditer(r"On (\d{4}-\d\d-\d\d), ([^.]+\.)", text)
    ]


async def _merge(
    store: Store, conn: Any, source_id: int, text: str, draft: NewEvent, **_: Any
) -> Any:
    """Same date as an existing event: the article also supports it."""
    row = await (
        await conn.execute("SELECT id FROM events WHERE date = ?", (draft.date,))
    ).fetchone()
    if row is not None:
        await store.events.attach(conn, row[0], source_id, text, draft)
        return row[0], False
    return await store.events.add(conn, source_id, text, draft), True


@pytest.fixture(autouse=True)
def extraction(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr("ingest.pipeline.extract_events", _extract)
    monkeypatch.setattr("ingest.pipeline.merge_event", _merge)
    yield


@pytest.fixture
def web() -> FakeWeb:
    return FakeWeb()


@pytest.fixture
async def bot(telegram_bot: RunningBot, web: FakeWeb) -> RunningBot:
    # The application closes these at shutdown, as it would its own.
    telegram_bot.app.bot_data.intake = Intake(web.client(), web.resolve, httpx.AsyncClient())
    return telegram_bot


async def ask(bot: RunningBot, text: str, *, user: int = OWNER, **kwargs: Any) -> str:
    """Send `text` in `user`'s private chat; the visible text of the bot's next message."""
    before = len(bot.api.of("sendMessage"))
    bot.api.user_sends(text, chat=user, **kwargs)
    sent = await bot.api.sent("sendMessage", before + 1)
    return visible_text(sent[-1].text)


async def add(bot: RunningBot, send: Any, *, user: int = OWNER) -> Request:
    """Do `send()` (a message that starts /addstory); check the working message comes first
    and is then edited in place; returns that edit."""
    sends = len(bot.api.of("sendMessage"))
    edits = len(bot.api.of("editMessageText"))
    send()
    working = (await bot.api.sent("sendMessage", sends + 1))[-1]
    assert visible_text(working.text) == WORKING
    edit = (await bot.api.sent("editMessageText", edits + 1))[-1]
    assert int(edit.params["message_id"]) == working.params["_result"]["message_id"]
    return edit


def _text(request: Request) -> str:
    return visible_text(request.text)


# --- adding stories ----------------------------------------------------------------


async def test_addstory_url_previews_new_and_supported_events_then_keep(
    bot: RunningBot, web: FakeWeb
) -> None:
    ids = await sample_briefing(bot.store)
    web.page(URL, article_page("Inquiry opened", "Example News", "2021-10-08", [STORY]))
    edit = await add(bot, lambda: bot.api.user_sends(f"/addstory {URL}", chat=OWNER))
    text = _text(edit)
    [source] = [s for s in await bot.store.sources.list_all() if s.url == URL]
    new = [e for e in await bot.store.events.all() if e.date == "2021-10-08"]
    assert f"Added story {source.id}: Inquiry opened" in text
    assert "Outlet: Example News" in text
    assert "Published: 8 Oct 2021" in text and "(inferred)" not in text
    assert "1 new event; 1 existing event it also supports." in text
    assert f"#{new[0].id} 8 Oct 2021 — Prosecutors opened an inquiry" in text
    assert f"#{ids['dismissal']} 7 Oct 2021 — Head of the Saratov regional" in text
    labels = [label for label, _data in edit.buttons()]
    assert labels == ["Keep", "Undo"]

    keep = edit.buttons()[0][1]
    query = bot.api.user_presses(
        keep, bot.api.messages[(OWNER, int(edit.params["message_id"]))].as_json(), user=OWNER
    )
    await bot.api.sent("answerCallbackQuery", 1)
    assert bot.api.callback_answers[query]["text"] == "Kept."
    kept = (await bot.api.sent("editMessageText", 2))[-1]
    assert _text(kept) == f"Story {source.id} is kept in the briefing."
    actions = [(e.actor, e.action, e.target) for e in await bot.store.audit.all()]
    assert actions == [
        (OWNER, "add story", f"source:{source.id}"),
        (OWNER, "keep story", f"source:{source.id}"),
    ]
    # The press replayed: a notice, nothing changes.
    before = await dump(bot.store)
    again = bot.api.user_presses(keep, OWNER, user=OWNER)
    await bot.api.sent("answerCallbackQuery", 2)
    assert bot.api.callback_answers[again]["text"] == "Already decided: the story was kept."
    assert await dump(bot.store) == before


async def test_undo_button_restores_the_exact_previous_state(bot: RunningBot) -> None:
    await sample_briefing(bot.store)
    before = await dump(bot.store)
    pasted = "outlet: Example News\ntitle: Inquiry opened\npublished: 2021-10-09\n\n" + STORY
    edit = await add(bot, lambda: bot.api.user_sends("/addstory\n" + pasted, chat=OWNER))
    assert "Outlet: Example News" in _text(edit)
    assert await dump(bot.store) != before
    undo = edit.buttons()[1][1]
    query = bot.api.user_presses(undo, OWNER, user=OWNER)
    await bot.api.sent("answerCallbackQuery", 1)
    assert bot.api.callback_answers[query]["text"] == "Undone."
    assert await dump(bot.store) == before
    [added, undone] = await bot.store.audit.all()
    assert (added.action, added.undone, undone.action) == ("add story", True, "undo")


async def test_forged_or_foreign_presses_change_nothing(bot: RunningBot) -> None:
    edit = await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=OWNER))
    keep, undo = (data for _label, data in edit.buttons())
    before = await dump(bot.store)
    audit_id, nonce = keep.split(":")[2:]
    presses = {
        "another maintainer": (undo, OTHER_MAINTAINER),
        "a reader": (keep, READER),
        "forged nonce": (
            f"story:keep:{audit_id}:{'0' * 8 if nonce != '0' * 8 else '1' * 8}",
            OWNER,
        ),
        "unknown review": ("story:undo:999:abcdef12", OWNER),
        "malformed": ("story:keep:1", OWNER),
    }
    notices = {}
    for n, (name, (data, user)) in enumerate(presses.items(), start=1):
        query = bot.api.user_presses(data, OWNER, user=user)
        await bot.api.sent("answerCallbackQuery", n)
        notices[name] = bot.api.callback_answers[query]["text"]
    only = "Only the maintainer who added this story can keep or undo it."
    gone = "This button does not work any more."
    assert notices == {
        "another maintainer": only,
        "a reader": only,
        "forged nonce": gone,
        "unknown review": gone,
        "malformed": gone,
    }
    assert await dump(bot.store) == before
    assert [e.action for e in await bot.store.audit.all()] == ["add story"]
    assert len(bot.api.of("editMessageText")) == 1  # the preview was never replaced


async def test_keep_on_a_preview_deleted_meanwhile_still_keeps_it(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """The preview is deleted after Keep is pressed: the story is kept and the presser told
    so; the failed edit was logged as an error and the query answered twice."""
    edit = await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=OWNER))
    keep = edit.buttons()[0][1]
    message = bot.api.messages.pop((OWNER, int(edit.params["message_id"]))).as_json()
    query = bot.api.user_presses(keep, message, user=OWNER)
    await bot.api.sent("answerCallbackQuery", 1)
    assert bot.api.callback_answers[query]["text"] == "Kept."
    await bot.api.until(lambda: len(bot.api.of("editMessageText")) == 2)
    await bot.api.settle(0.2)
    assert len(bot.api.of("answerCallbackQuery")) == 1
    assert (await bot.store.reviews.get(preview_audit_id(keep))).state == "kept"
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_keep_pressed_while_the_bot_was_down_still_updates_the_preview(
    bot: RunningBot,
) -> None:
    """A press that reaches the bot late (it was restarting) can no longer be answered:
    the story was kept but the preview kept its buttons, and pressing again only said
    'Already decided'."""
    edit = await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=OWNER))
    keep = edit.buttons()[0][1]
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    bot.api.fail("answerCallbackQuery", 400, too_old)
    bot.api.user_presses(keep, bot.api.messages[(OWNER, int(edit.params["message_id"]))].as_json())
    kept = (await bot.api.sent("editMessageText", 2))[-1]
    assert _text(kept) == "Story 1 is kept in the briefing."
    assert kept.buttons() == []
    assert (await bot.store.reviews.get(preview_audit_id(keep))).state == "kept"


async def test_article_already_present_changes_nothing(bot: RunningBot) -> None:
    await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=OWNER))
    before = await dump(bot.store)
    edit = await add(bot, lambda: bot.api.user_sends("/addstory   " + STORY.upper(), chat=OWNER))
    [source] = await bot.store.sources.list_all()
    assert (
        _text(edit)
        == f"That article is already in the briefing as story {source.id}; nothing changed."
    )
    assert await dump(bot.store) == before
    assert [e.action for e in await bot.store.audit.all()] == ["add story"]


async def test_attached_document_in_a_legacy_encoding(bot: RunningBot) -> None:
    text = "outlet: Новая газета\ntitle: Проверка\n\n" + STORY
    edit = await add(
        bot,
        lambda: bot.api.user_sends_document(
            text.encode("cp1251"), "story.txt", caption="/addstory", chat=OWNER
        ),
    )
    assert "Outlet: Новая газета" in _text(edit)
    assert bot.api.downloads == ["doc1"]
    [source] = await bot.store.sources.list_all()
    assert (source.title, source.file) == ("Проверка", "story.txt")


async def test_a_files_caption_text_is_said_to_be_unread(bot: RunningBot) -> None:
    """A file captioned '/addstory' with metadata after it was added without a word that
    the caption's lines were dropped."""
    caption = "/addstory\ntitle: Caption title\nurl: https://news.example.org/a"
    edit = await add(
        bot,
        lambda: bot.api.user_sends_document(
            STORY.encode(), "story.txt", caption=caption, chat=OWNER
        ),
    )
    assert _text(edit).startswith("Added story 1: ")
    assert _text(edit).endswith(
        "The caption's text after /addstory was not read: a file's title:, outlet:, url: and"
        " published: lines go at its top."
    )
    assert _keep_undo(edit) == ["Keep", "Undo"]
    [source] = await bot.store.sources.list_all()
    assert source.title is None and source.url is None
    # A caption with only the command gets no such line.
    edit = await add(
        bot,
        lambda: bot.api.user_sends_document(
            STORY.replace("2021", "2022").encode(), "b.txt", caption="/addstory", chat=OWNER
        ),
    )
    assert "was not read" not in _text(edit)


async def test_addstory_as_a_reply_to_a_document_or_a_text(bot: RunningBot) -> None:
    document = bot.api.user_sends_document(STORY.encode(), "a.md", chat=OWNER, queue=False)
    edit = await add(bot, lambda: bot.api.user_sends("/addstory", chat=OWNER, reply_to=document))
    assert "2 new events" in _text(edit)
    pasted = bot.api.user_sends(STORY.replace("2021-10-0", "2022-10-0"), chat=OWNER)
    await bot.api.sent("sendMessage", 2)  # "I answer commands": plain text is not one
    edit = await add(bot, lambda: bot.api.user_sends("/addstory", chat=OWNER, reply_to=pasted))
    assert "2 new events" in _text(edit)
    assert len(await bot.store.sources.list_all()) == 2


async def test_addstory_as_a_reply_to_the_bots_own_message_is_refused(bot: RunningBot) -> None:
    """Replying /addstory to the bot's /timeline answer added that answer as a story: the
    briefing then cited itself."""
    await sample_briefing(bot.store)
    listed = await ask(bot, "/timeline")
    [timeline] = bot.api.of("sendMessage")
    before = await dump(bot.store)
    refusal = await ask(bot, "/addstory", reply_to=bot.api.message_for(timeline))
    assert refusal == (
        "Not added: that is the bot's own message; reply /addstory to the article's message"
        " or file."
    )
    assert listed and await dump(bot.store) == before


async def test_addstory_as_a_reply_to_an_earlier_addstory_reads_the_article_in_it(
    bot: RunningBot,
) -> None:
    """The replied message's own '/addstory' was read as the article's first word: the
    story already added was added again as a new one."""
    command = bot.api.user_sends("/addstory " + STORY, chat=OWNER)
    await bot.api.sent("editMessageText", 1)
    [source] = await bot.store.sources.list_all()
    before = await dump(bot.store)
    edit = await add(bot, lambda: bot.api.user_sends("/addstory", chat=OWNER, reply_to=command))
    assert _text(edit) == (
        f"That article is already in the briefing as story {source.id}; nothing changed."
    )
    assert await dump(bot.store) == before


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("story.txt", STORY)
    return buffer.getvalue()


URL_CASES = {
    "loopback": (
        "http://127.0.0.1:8000/story",
        None,
        "127.0.0.1 is a local or private network address; only public sites are fetched",
    ),
    "404": (URL, lambda w: w.page(URL, "gone", status=404), "the page was not found (HTTP 404)"),
    "pdf": (
        URL,
        lambda w: w.page(URL, b"%PDF-1.4", "application/pdf"),
        "that link is a PDF, not a web page: send its text as a .txt file",
    ),
    "image": (
        URL,
        lambda w: w.page(URL, b"\x89PNG", "image/png"),
        "that link is an image, not an article",
    ),
    "timeout": (URL, lambda w: w.timeout(URL), "the site did not answer in time"),
    "redirects forever": (URL, lambda w: w.redirect(URL, URL), "too many redirects (more than 5)"),
    "scripts only": (
        URL,
        lambda w: w.page(
            URL, "<html><body>" + "<script>steal()</script>" * 200 + "</body></html>"
        ),
        "no article text found on that page",
    ),
}


@pytest.mark.parametrize("case", list(URL_CASES), ids=list(URL_CASES))
async def test_bad_links_get_one_clear_message_and_store_nothing(
    bot: RunningBot, web: FakeWeb, case: str
) -> None:
    url, setup, reason = URL_CASES[case]
    if setup:
        setup(web)
    before = await dump(bot.store)
    edit = await add(bot, lambda: bot.api.user_sends(f"/addstory {url}", chat=OWNER))
    assert _text(edit) == f"Not added: {reason}."
    assert await dump(bot.store) == before
    assert await bot.store.audit.all() == []


TEXT_CASES = {
    "no dates": (
        "/addstory Prosecutors opened an inquiry into the hospital staff.",
        "no dates in that text, so it cannot add events to the briefing",
    ),
    "only metadata": (
        "/addstory\ntitle: Nothing else",
        "no article text after the metadata lines",
    ),
    "bad date line": (
        "/addstory\npublished: soon\n\n" + STORY,
        "published: must be a date like 2021-10-05",
    ),
    "ftp link": (
        "/addstory ftp://files.example/story.txt",
        "only http:// and https:// links can be fetched",
    ),
}


@pytest.mark.parametrize("case", list(TEXT_CASES), ids=list(TEXT_CASES))
async def test_bad_text_gets_one_clear_message(bot: RunningBot, case: str) -> None:
    message, reason = TEXT_CASES[case]
    edit = await add(bot, lambda: bot.api.user_sends(message, chat=OWNER))
    assert _text(edit) == f"Not added: {reason}."
    assert await bot.store.sources.list_all() == []


async def test_empty_addstory_gets_the_usage(bot: RunningBot) -> None:
    text = await ask(bot, "/addstory")
    assert text.startswith("Usage: /addstory URL")
    assert bot.api.of("editMessageText") == []


DOCUMENT_CASES = {
    "zip renamed .txt": (_zip(), "story.txt", "binary file, not text"),
    "unsupported type": (
        STORY.encode(),
        "story.pdf",
        "send the article as a .txt, .md or .html file (not .pdf)",
    ),
    "empty file": (b"   ", "story.txt", "empty file"),
    "html of scripts": (
        ("<html><head><script>x()</script></head><body>" + "<script>y()</script>" * 300).encode(),
        "story.html",
        "no article text",
    ),
}


@pytest.mark.parametrize("case", list(DOCUMENT_CASES), ids=list(DOCUMENT_CASES))
async def test_bad_documents_get_one_clear_message(bot: RunningBot, case: str) -> None:
    content, name, reason = DOCUMENT_CASES[case]
    edit = await add(
        bot, lambda: bot.api.user_sends_document(content, name, caption="/addstory", chat=OWNER)
    )
    assert _text(edit) == f"Not added: {reason}."
    assert await bot.store.sources.list_all() == []


def _photo(caption: str) -> dict[str, Any]:
    """A photo message's fields: the command is in its caption, as with a document."""
    photo = {"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 60}
    entity = {"type": "bot_command", "offset": 0, "length": len(caption.split()[0])}
    return {"photo": [photo], "caption": caption, "caption_entities": [entity]}


async def test_a_photo_captioned_addstory_is_answered(bot: RunningBot) -> None:
    """A screenshot of an article sent with /addstory got no answer at all."""
    bot.api.user_sends("", chat=OWNER, extra=_photo("/addstory"))
    [usage] = await bot.api.sent("sendMessage", 1)
    assert _text(usage).startswith("Usage: /addstory URL")
    assert await bot.store.sources.list_all() == []
    # The caption's text is the article, as after /addstory in a message.
    edit = await add(
        bot, lambda: bot.api.user_sends("", chat=OWNER, extra=_photo("/addstory " + STORY))
    )
    assert "2 new events" in _text(edit)


async def test_a_caption_addressed_to_another_bot_is_left_to_it(bot: RunningBot) -> None:
    """In a group with two bots, a file captioned /addstory@otherbot was added here."""
    group = -100503
    bot.api.chat(group, "group")
    bot.api.user_sends_document(
        STORY.encode(), "story.txt", caption="/addstory@other_news_bot", chat=group, user=OWNER
    )
    await bot.api.settle(0.5)
    assert bot.api.of("sendMessage") == [] and bot.api.of("getFile") == []
    assert await bot.store.sources.list_all() == []
    caption = f"/addstory@{bot.api.username.upper()}"  # Telegram names are not case-sensitive
    bot.api.user_sends_document(
        STORY.encode(), "story.txt", caption=caption, chat=group, user=OWNER
    )
    await bot.api.sent("editMessageText", 1)
    assert len(await bot.store.sources.list_all()) == 1


async def test_a_50_mb_file_is_refused_before_downloading(bot: RunningBot) -> None:
    bot.api.user_sends_document(
        b"x" * 100, "huge.txt", caption="/addstory", chat=OWNER, file_size=50_000_000
    )
    [refusal] = await bot.api.sent("sendMessage", 1)
    assert _text(refusal) == "Not added: file too large (50,000,000 bytes; the limit is 20,000)."
    await bot.api.settle(0.2)
    assert bot.api.of("getFile") == [] and bot.api.downloads == []


async def test_a_file_larger_than_telegram_said_is_cut_off_while_downloading(
    bot: RunningBot,
) -> None:
    content = ((STORY + "\n") * 200).encode()  # about 33 kB, over the 20 kB limit
    edit = await add(
        bot,
        lambda: bot.api.user_sends_document(
            content, "story.txt", caption="/addstory", chat=OWNER, file_size=1000
        ),
    )
    assert _text(edit).startswith("Not added: ")
    assert "too large" in _text(edit)
    assert await bot.store.sources.list_all() == []


async def test_a_slow_fetch_does_not_hold_up_other_users(bot: RunningBot, web: FakeWeb) -> None:
    release = asyncio.Event()
    web.held(URL, article_page("Slow", "Slow News", "2021-10-08", [STORY]), release)
    bot.api.user_sends(f"/addstory {URL}", chat=OWNER)
    await bot.api.sent("sendMessage", 1)  # the working message
    bot.api.user_sends("/help", chat=READER)
    [_working, help_reply] = await bot.api.sent("sendMessage", 2)
    assert help_reply.chat_id == READER  # answered while the page is still on its way
    assert bot.api.of("editMessageText") == []
    release.set()
    [edit] = await bot.api.sent("editMessageText", 1)
    assert "Added story 1: Slow" in _text(edit)


LONG_TITLE = "Very long headline " * 300  # 5,700 characters
LONG_TITLED = f"---\ntitle: {LONG_TITLE}\noutlet: {'Outlet ' * 100}\n---\n{STORY}".encode()


def _keep_undo(request: Request) -> list[str]:
    return [label for label, _data in request.buttons()]


async def test_an_overlong_title_is_cut_and_the_preview_keeps_its_buttons(
    bot: RunningBot,
) -> None:
    def send() -> None:
        bot.api.user_sends_document(LONG_TITLED, "story.md", caption="/addstory", chat=OWNER)

    edit = await add(bot, send)
    [source] = await bot.store.sources.list_all()
    assert source.title is not None and source.outlet is not None
    assert len(source.title) <= 300 and source.title.endswith("…")
    assert LONG_TITLE.startswith(source.title[:-1])
    assert len(source.outlet) <= 100 and source.outlet.endswith("…")
    assert _text(edit).startswith(f"Added story {source.id}: {source.title}\n")
    assert _keep_undo(edit) == ["Keep", "Undo"]
    # Sent again: the "already in the briefing" reply is short too.
    again = await add(bot, send)
    assert _text(again) == (
        f"“{source.title}” is already in the briefing as story {source.id}; nothing changed."
    )
    assert len(await bot.store.sources.list_all()) == 1


async def test_a_title_stored_before_the_cut_is_shown_cut(bot: RunningBot) -> None:
    source = await add_article(bot.store, STORY, title=LONG_TITLE.strip(), url=URL)
    edit = await add(bot, lambda: bot.api.user_sends(f"/addstory {URL}", chat=OWNER))
    text = _text(edit)
    assert text.startswith("“Very long headline") and text.endswith(
        f"…” is already in the briefing as story {source}; nothing changed."
    )
    assert len(text) < 400
    assert (await bot.store.sources.get(source)).title == LONG_TITLE.strip()  # kept as stored


async def test_when_the_preview_cannot_replace_the_working_message_a_new_one_has_the_buttons(
    bot: RunningBot,
) -> None:
    bot.api.fail("editMessageText", 400, "Bad Request: message to edit not found")
    bot.api.user_sends("/addstory " + STORY, chat=OWNER)
    [working, preview] = await bot.api.sent("sendMessage", 2)
    assert _text(working) == WORKING
    [source] = await bot.store.sources.list_all()
    assert _text(preview).startswith(f"Added story {source.id}: ")
    assert _keep_undo(preview) == ["Keep", "Undo"]
    keep = preview.buttons()[0][1]
    query = bot.api.user_presses(keep, bot.api.message_for(preview), user=OWNER)
    await bot.api.sent("answerCallbackQuery", 1)
    assert bot.api.callback_answers[query]["text"] == "Kept."
    assert (await bot.store.reviews.get(preview_audit_id(keep))).state == "kept"


async def test_when_no_preview_can_be_sent_a_short_line_carries_the_buttons(
    bot: RunningBot,
) -> None:
    bot.api.fail("editMessageText", 400, "Bad Request: message is too long")
    bot.api.slow("sendMessage", 0)  # the working message goes through
    bot.api.fail("sendMessage", 400, "Bad Request: message is too long")  # the preview not
    bot.api.user_sends("/addstory " + STORY, chat=OWNER)
    [_working, line] = await bot.api.sent("sendMessage", 2)
    assert _text(line) == (
        "The story was added, but its preview could not be shown. Keep it, or Undo it?"
    )
    assert _keep_undo(line) == ["Keep", "Undo"]
    assert len(await bot.store.sources.list_all()) == 1


def preview_audit_id(data: str) -> int:
    """The review a Keep or Undo button's data names (story:keep:AUDIT:NONCE)."""
    return int(data.split(":")[2])


# --- corrections -------------------------------------------------------------------

CORRECTION_COMMANDS = [
    "/addstory " + STORY,
    "/editevent 1 summary New words",
    "/hideevent 1",
    "/mergeevents 1 2",
    "/splitcitation 3 2",
    "/removestory 1",
    "/history 1",
    "/undo",
    "/maintainer add 55",
]


@pytest.mark.parametrize(
    "command", CORRECTION_COMMANDS, ids=[c.split()[0] for c in CORRECTION_COMMANDS]
)
async def test_a_reader_is_told_no_and_nothing_changes(bot: RunningBot, command: str) -> None:
    await sample_briefing(bot.store)
    before = await dump(bot.store)
    assert await ask(bot, command, user=READER) == NOT_ALLOWED
    assert await dump(bot.store) == before
    assert await bot.store.audit.all() == []


async def test_corrections_are_audited_and_undo_restores_each_exactly(bot: RunningBot) -> None:
    ids = await sample_briefing(bot.store)
    steps = [
        (
            f"/editevent {ids['leak']} summary Footage from the hospital is published",
            f"Event {ids['leak']}: summary is now Footage from the hospital is published.",
        ),
        (
            f"/editevent {ids['case']} date 2021-10-06..2021-10-07",
            f"Event {ids['case']}: date is now",
        ),
        (
            f"/editevent {ids['case']} status confirmed",
            f"Event {ids['case']}: status is now confirmed.",
        ),
        (
            f"/editevent {ids['case']} attribution the regional prosecutor",
            f"Event {ids['case']}: attribution is now according to the regional prosecutor.",
        ),
        (
            f"/editevent {ids['case']} place OTB-1",
            f"Event {ids['case']}: place is now Tuberculosis Hospital No. 1.",
        ),
        (f"/hideevent {ids['torture']}", f"Event {ids['torture']} is hidden from readers."),
        (
            f"/mergeevents {ids['leak']} {ids['torture']}",
            f"Event {ids['torture']} is merged into event {ids['leak']}.",
        ),
        (f"/splitcitation {ids['case']} 2", "Citation 2 (c"),
        (f"/removestory {ids['b']}", f"Removed story {ids['b']}: Prison chief dismissed."),
    ]
    for command, expected in steps:
        before = await dump(bot.store)
        assert (await ask(bot, command)).startswith(expected), command
        assert await dump(bot.store) != before, command
        assert (await ask(bot, "/undo")).startswith("Undone: "), command
        assert await dump(bot.store) == before, command
    entries = await bot.store.audit.all()
    assert len(entries) == 2 * len(steps)
    assert all(e.actor == OWNER and e.before is not None and e.after is not None for e in entries)
    assert await ask(bot, "/undo") == "You have no change left to undo."


async def test_history_lists_an_events_changes(bot: RunningBot) -> None:
    ids = await sample_briefing(bot.store)
    await ask(bot, f"/editevent {ids['leak']} summary Footage is published")
    await ask(bot, f"/editevent {ids['leak']} status alleged", user=OTHER_MAINTAINER)
    await ask(bot, "/undo", user=OTHER_MAINTAINER)
    text = await ask(bot, f"/history {ids['leak']}")
    lines = [line for line in text.splitlines() if line]
    assert lines[0] == f"Changes to event {ids['leak']}:"
    assert "· 1001 · edit summary: summary “Gulagu.net publishes footage" in lines[1]
    assert "→ “Footage is published”" in lines[1]
    assert "· 1002 · edit status: status “reported” → “alleged” (undone)" in lines[2]
    assert "· 1002 · undid a change" in lines[3]


async def test_undo_only_reverts_your_own_change_and_refuses_over_anothers(
    bot: RunningBot,
) -> None:
    ids = await sample_briefing(bot.store)
    await ask(bot, f"/editevent {ids['leak']} status alleged")
    await ask(bot, f"/editevent {ids['leak']} summary Other words", user=OTHER_MAINTAINER)
    after = await dump(bot.store)
    text = await ask(bot, "/undo")
    assert text == (
        "What it changed has been changed again since"
        f" (edit status, event {ids['leak']}; /history shows who)."
        " You have no earlier change to undo."
    )
    assert await dump(bot.store) == after


BAD_CORRECTIONS = {
    "/editevent": "Give the event number, what to change and the new value. Usage: "
    "/editevent N summary|date|place|status|attribution VALUE",
    "/editevent 1 colour red": "You can edit an event's summary, date, place, status or"
    " attribution. Usage:",
    "/editevent 1 date 2021-13-40": "A date is written 2021-10-05, 2021-10 or 2021",
    "/editevent 1 date 2021-02-30": "2021-02-30 is not a day of the calendar.",
    "/editevent 1 date 2021-10-09..2021-10-01": "The span ends before it starts.",
    "/editevent 1 status rumour": "Status is one of: reported, confirmed, alleged, unverified,",
    "/editevent 1 place Atlantis": "No single known place called 'Atlantis'",
    "/editevent 999 summary x": "There is no event 999.",
    "/hideevent abc": "'abc' is not an event number.",
    # It said "Give the event number", which had been given.
    "/hideevent 1 on": "After the event number only 'off' may follow (to show it again).",
    "/hideevent 1 2": "After the event number only 'off' may follow (to show it again).",
    "/mergeevents 1": "Give two event numbers",
    "/mergeevents 1 1": "An event cannot be merged into itself.",
    "/splitcitation 4 1": "Event 4 has only that citation; nothing to split.",
    "/splitcitation 1 9": "Event 1 has citations 1 to 1.",
    "/removestory 99": "There is no story 99.",
    # Past 15 digits: "'1234567890123456789' is not an event number".
    "/editevent 1234567890123456789 summary x": "There is no event 1234567890123456789.",
    "/hideevent 1234567890123456789": "There is no event 1234567890123456789.",
    "/removestory 1234567890123456789": "There is no story 1234567890123456789.",
    "/maintainer add 1234567890123456789": "There is no Telegram user 1234567890123456789.",
    "/removestory": "Give a story number. Usage: /removestory N (N as in /sources)",
    "/history": "Give an event number. Usage: /history N (an event's changes)",
    "/maintainer add": "Say add or remove, and the Telegram user id.",
    "/maintainer add x1": "'x1' is not a Telegram user id number.",
    "/undo now": "'now' is not a change number. Usage: /undo (reverts your last change)",
    "/maintainer promote 5": "Say add or remove, and the Telegram user id.",
    "/maintainer add 1002": "1002 is already a maintainer (in BRIEFBOT_MAINTAINERS).",
    "/maintainer remove 1002": "1002 is set in BRIEFBOT_MAINTAINERS; remove it there.",
}


@pytest.mark.parametrize("command", list(BAD_CORRECTIONS), ids=list(BAD_CORRECTIONS))
async def test_malformed_corrections_get_a_hint_and_change_nothing(
    bot: RunningBot, command: str
) -> None:
    await sample_briefing(bot.store)
    before = await dump(bot.store)
    text = await ask(bot, command)
    assert text.startswith(BAD_CORRECTIONS[command]) or BAD_CORRECTIONS[command] in text, text
    assert "\n" not in text
    assert await dump(bot.store) == before
    assert await bot.store.audit.all() == []


async def test_splitcitation_without_a_number_lists_the_citations(bot: RunningBot) -> None:
    ids = await sample_briefing(bot.store)
    text = await ask(bot, f"/splitcitation {ids['case']}")
    first, second = (await bot.store.events.get(ids["case"])).citations
    assert [line for line in text.splitlines() if line] == [
        f"Event {ids['case']} cites:",
        f"Send /splitcitation {ids['case']} K (K as numbered here) or /splitcitation"
        f" {ids['case']} c{first.id} (the citation's id, which other splits do not change) to"
        " move a citation into an event of its own.",
        f"1. c{first.id} · Meduza: “Investigators opened a criminal case on 6 October 2021”",
        f"2. c{second.id} · The Moscow Times: “Officials said an inquiry would follow.”",
    ]


def _page_lines(request: Request) -> list[int]:
    """The numbers of the citations listed on one page."""
    return [int(m.group(1)) for m in re.finditer(r"^(\d+)\. c\d+ · ", _text(request), re.M)]


async def test_a_long_citation_list_pages_for_maintainers_only(bot: RunningBot) -> None:
    """An event cited 80 times lists its citations over several pages with ◀ ▶, in a group
    too; a reader who presses a button there is told no and the message stays."""
    event_id, _excerpts = await much_cited(bot.store, 40)
    group = -100502
    bot.api.user_sends(f"/splitcitation {event_id}", chat=group, user=OWNER, chat_type="group")
    [shown] = await bot.api.sent("sendMessage", 1, chat_id=group)
    assert f"Send /splitcitation {event_id} K" in _text(shown)
    message = bot.api.message_for(shown)
    listed = _page_lines(shown)
    labels = [label for label, _data in shown.buttons()]
    assert labels[-1] == "▶" and labels[0].startswith("1/")
    pages = int(labels[0].split("/")[1])
    for n in range(2, pages + 1):
        forward = dict(shown.buttons())["▶"]
        notice = await press(bot, forward, message, user=OTHER_MAINTAINER)
        assert "text" not in notice
        shown = (await bot.api.sent("editMessageText", n - 1))[-1]
        listed += _page_lines(shown)
    assert listed == list(range(1, 81))
    assert "▶" not in dict(shown.buttons())
    before = len(bot.api.of("editMessageText"))
    notice = await press(bot, dict(shown.buttons())["◀"], message, user=READER)
    assert notice["text"] == NOT_ALLOWED
    await bot.api.settle(0.2)
    assert len(bot.api.of("editMessageText")) == before


async def test_a_page_button_never_runs_a_change(bot: RunningBot) -> None:
    """Page buttons re-run the command they were made for; one that would change the
    briefing (which no answer carries, but stored data is not trusted) is refused."""
    ids = await sample_briefing(bot.store)
    token = await bot.store.callbacks.save(OWNER, f"/hideevent {ids['leak']}")
    before = await dump(bot.store)
    notice = await press(bot, f"pg:{token}:2", OWNER, user=OWNER)
    assert notice["text"] == "This button does not work any more."
    assert await dump(bot.store) == before


# --- who maintains -----------------------------------------------------------------


async def test_owner_adds_and_removes_a_maintainer_and_their_menu(bot: RunningBot) -> None:
    await sample_briefing(bot.store)
    assert await ask(bot, "/history 1", user=55) == NOT_ALLOWED
    assert await ask(bot, "/maintainer add 55", user=OTHER_MAINTAINER) == (
        "Only the owner (the first id in BRIEFBOT_MAINTAINERS) may add or remove maintainers."
    )
    assert await ask(bot, "/maintainer add 55") == "55 is now a maintainer."
    await bot.api.until(lambda: '{"chat_id": 55, "type": "chat"}' in bot.api.commands)
    menu = {c["command"] for c in bot.api.commands['{"chat_id": 55, "type": "chat"}']}
    assert {"addstory", "undo", "maintainer", "timeline"} <= menu
    assert (await ask(bot, "/history 1", user=55)).startswith("Event 1 has no recorded changes")
    listed = await ask(bot, "/maintainer list", user=55)
    assert [line for line in listed.splitlines() if line] == [
        "Maintainers:",
        "1001 (owner)",
        "1002",
        "55",
    ]
    assert await ask(bot, "/maintainer remove 55") == "55 is no longer a maintainer."
    await bot.api.sent("deleteMyCommands", 1)
    assert '{"chat_id": 55, "type": "chat"}' not in bot.api.commands
    assert await ask(bot, "/history 1", user=55) == NOT_ALLOWED
    assert await ask(bot, "/undo") == "Undone: remove maintainer (user 55)."
    await bot.api.until(lambda: '{"chat_id": 55, "type": "chat"}' in bot.api.commands)
    assert (await ask(bot, "/history 1", user=55)).startswith("Event 1 has no recorded changes")
    actions = [e.action for e in await bot.store.audit.all()]
    assert actions == ["add maintainer", "remove maintainer", "undo"]


async def test_maintainer_commands_are_only_in_maintainers_menus(bot: RunningBot) -> None:
    await bot.api.sent("setMyCommands", 4)
    menus = {scope: {c["command"] for c in cmds} for scope, cmds in bot.api.commands.items()}
    for scope, names in menus.items():
        if '"chat_id": 1001' in scope or '"chat_id": 1002' in scope:
            assert "addstory" in names and "undo" in names, scope
        else:
            assert not names & {"addstory", "editevent", "undo", "maintainer"}, scope


async def test_fetched_article_keeps_the_url_and_infers_nothing_it_was_given(
    bot: RunningBot, web: FakeWeb
) -> None:
    page = article_page("Inquiry", "Example News", "", [STORY])
    web.page(URL, page)
    edit = await add(bot, lambda: bot.api.user_sends(f"/addstory {URL}", chat=OWNER))
    [source] = await bot.store.sources.list_all()
    assert source.url == URL
    assert source.published == "2021-10-08"  # from the URL's date
    assert "Published: 8 Oct 2021" in _text(edit)


async def test_in_a_group_commands_work_for_maintainers_only(bot: RunningBot) -> None:
    ids = await sample_briefing(bot.store)
    group = -100500
    command = f"/hideevent@{bot.api.username} {ids['beatings']}"
    bot.api.user_sends(command, chat=group, user=READER, chat_type="group")
    [refused] = await bot.api.sent("sendMessage", 1, chat_id=group)
    assert _text(refused) == NOT_ALLOWED
    bot.api.user_sends(command, chat=group, user=OTHER_MAINTAINER, chat_type="group")
    [_refused, done] = await bot.api.sent("sendMessage", 2, chat_id=group)
    assert _text(done).startswith(f"Event {ids['beatings']} is hidden from readers.")
    assert (await bot.store.events.get(ids["beatings"])).hidden


async def test_a_link_already_in_the_briefing_is_not_fetched_again(
    bot: RunningBot, web: FakeWeb
) -> None:
    web.page(URL, article_page("Inquiry opened", "Example News", "2021-10-08", [STORY]))
    await add(bot, lambda: bot.api.user_sends(f"/addstory {URL}", chat=OWNER))
    before = await dump(bot.store)
    edit = await add(bot, lambda: bot.api.user_sends(f"/addstory {URL}", chat=OWNER))
    [source] = await bot.store.sources.list_all()
    assert _text(edit) == (
        f"“Inquiry opened” is already in the briefing as story {source.id}; nothing changed."
    )
    assert len(web.requests) == 1
    assert await dump(bot.store) == before


async def test_a_removed_maintainer_can_no_longer_keep_their_story(bot: RunningBot) -> None:
    assert await ask(bot, "/maintainer add 55") == "55 is now a maintainer."
    edit = await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=55), user=55)
    assert await ask(bot, "/maintainer remove 55") == "55 is no longer a maintainer."
    keep = edit.buttons()[0][1]
    query = bot.api.user_presses(keep, 55, user=55)
    await bot.api.sent("answerCallbackQuery", 1)
    notice = bot.api.callback_answers[query]["text"]
    # It was "Only the maintainer who added this story can keep or undo it.", to the one who had.
    assert notice == (
        "Sorry, only the briefing's maintainers can keep or undo a story, and you are no"
        " longer one."
    )
    [review_entry] = [e for e in await bot.store.audit.all() if e.action == "add story"]
    assert (await bot.store.reviews.get(review_entry.id)).state == "pending"


async def test_an_unexpected_failure_replaces_the_working_message(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(text: str, published: str | None, **_: object) -> list[NewEvent]:
        raise RuntimeError("extraction bug")

    monkeypatch.setattr("ingest.pipeline.extract_events", broken)
    edit = await add(bot, lambda: bot.api.user_sends("/addstory " + STORY, chat=OWNER))
    assert _text(edit) == "Sorry, adding that article failed."
    [_working, apology] = await bot.api.sent("sendMessage", 2)
    assert _text(apology) == "Sorry, something went wrong. Please try again later."
    assert await bot.store.sources.list_all() == []
    assert await bot.store.audit.all() == []


@pytest.mark.parametrize("command", ["/hideevent {beatings}", "/addstory " + STORY])
async def test_a_command_sent_as_the_group_is_told_to_come_from_a_person(
    bot: RunningBot, command: str
) -> None:
    """A maintainer who is the group's anonymous admin was told the command is only for
    maintainers, though they are one: the message came from the group, not from them."""
    ids = await sample_briefing(bot.store)
    before = await dump(bot.store)
    group = -100504
    bot.api.user_sends(command.format(**ids), chat=group, chat_type="group", anonymous_admin=True)
    [refused] = await bot.api.sent("sendMessage", 1, chat_id=group)
    assert _text(refused) == (
        "Maintainer commands must come from a person, and this one was sent as the group or a"
        " channel: send it from your own account, or in a private chat with the bot."
    )
    assert await dump(bot.store) == before


async def test_in_a_group_maintainer_ids_stay_private(bot: RunningBot) -> None:
    group = -100501
    bot.api.user_sends("/maintainer list", chat=group, user=OTHER_MAINTAINER, chat_type="group")
    [listed] = await bot.api.sent("sendMessage", 1, chat_id=group)
    assert _text(listed) == (
        "Maintainers' user ids are not shown in groups: send /maintainer list to the bot in a"
        " private chat."
    )
    assert str(OWNER) not in _text(listed)


FORWARDED = {
    "/removestory 1": "removestory",
    "/maintainer add 666": "maintainer",
    "/hideevent {beatings}": "hideevent",
    "/addstory " + STORY: "addstory",
}


@pytest.mark.parametrize("command", list(FORWARDED), ids=list(FORWARDED.values()))
async def test_a_forwarded_command_is_not_run_as_the_forwarders(
    bot: RunningBot, command: str
) -> None:
    """A message the owner forwarded to the bot ran as the owner's own command: someone
    else's '/maintainer add 666' forwarded to show it made 666 a maintainer, and an old
    '/removestory 1' forwarded again removed the story again."""
    ids = await sample_briefing(bot.store)
    before = await dump(bot.store)
    origin = {"type": "user", "date": 1633000000, "sender_user": bot.api.user(READER)}
    text = await ask(bot, command.format(**ids), extra={"forward_origin": origin})
    assert text == (
        "That message was forwarded: a maintainer command runs only when you send it"
        " yourself. To add a forwarded article, reply /addstory to it."
    )
    assert await dump(bot.store) == before
    assert await bot.store.audit.all() == []
    assert await bot.store.maintainers.ids() == []
