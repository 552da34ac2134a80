"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

The real `Application` talks HTTP to it exactly as to api.telegram.org. It answers the
methods the bot uses with JSON python-telegram-bot accepts, records every request in
order, checks what Telegram checks (HTML markup, the 4096-unit limit, 64-byte callback
data, editing a message that exists), fails loudly on unknown methods (HTTP 404) and
injects faults on demand.

Playing users:  fake.user_sends("/timeline", chat=..., chat_type="group", thread_id=7)
                fake.user_presses("pg:...:2", message)
Waiting:        await fake.sent("sendMessage", 2)   # the first 2 sendMessage requests
Documents:      fake.user_sends_document(b"...", "story.txt", caption="/addstory")
                (served by getFile and the file route under base_file_url)
Faults:         fake.fail("sendMessage", 429, retry_after=1)
                fake.fail("sendMessage", 403, "Forbidden: bot was blocked by the user",
                          chat_id=42)
                fake.slow("sendMessage", seconds=1.5)

To support another method, add `async def m_<methodName>(self, params)` returning the
`result` value (or raise ApiError); see the existing ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl

TOKEN = "123456789:TEST-token-for-the-fake-api"
BOT_ID = 123456789
BOT_USERNAME = "briefbot_test_bot"
ANONYMOUS_ADMIN_BOT_ID = 1087968824  # Telegram's "GroupAnonymousBot"
MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Telegram's HTML: tags it accepts (anything else is "Unsupported start tag").
ALLOWED_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "blockquote", "tg-spoiler", "span", "tg-emoji",
}  # fmt: skip
JSON_PARAMS = {
    "reply_markup", "entities", "commands", "scope", "link_preview_options",
    "reply_parameters", "allowed_updates", "caption_entities",
}  # fmt: skip


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description, optional parameters."""

    def __init__(self, status: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Request:
    method: str
    params: dict[str, Any]
    at: float
    answered: str = "pending"  # then "ok", or the error description sent back

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        if value is None or not str(value).lstrip("-").isdigit():
            return None  # an @username
        return int(value)

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def markup(self) -> dict[str, Any] | None:
        return self.params.get("reply_markup")

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Fault:
    method: str
    status: int
    description: str
    chat_id: int | None
    times: int  # how many matching requests fail; -1 for every one
    retry_after: int | None = None
    delay: float = 0.0
    migrate_to_chat_id: int | None = None


@dataclass
class StoredMessage:
    message_id: int
    chat: dict[str, Any]
    text: str
    sender: dict[str, Any] | None  # None: a channel's post, which has no "from"
    thread_id: int | None = None
    html: str | None = None
    reply_markup: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": self.chat,
            "text": self.text,
            **self.extra,
        }
        if self.sender is not None:
            data["from"] = self.sender
        if "document" in self.extra:
            del data["text"]  # a document message carries a caption, not text
        if self.thread_id is not None:
            data["message_thread_id"] = self.thread_id
            data["is_topic_message"] = True
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


class _Html(HTMLParser):
    """Telegram's HTML check: known tags only, balanced, visible text collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'Unsupported start tag "{tag}"'
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not re.match(r"(https?|tg)://", href):
                self.error = self.error or f'Unsupported URL protocol in "{href}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f'Unexpected end tag "{tag}"'
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> str:
    """The visible text of Telegram HTML, or ApiError 400 as Telegram would answer."""
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise ApiError(400, "Bad Request: can't parse entities: unsupported entity")
    if re.search(r"<(?![a-zA-Z/])", text):
        raise ApiError(400, "Bad Request: can't parse entities: unexpected '<'")
    parser = _Html()
    parser.feed(text)
    parser.close()
    if parser.error is None and parser.stack:
        parser.error = f'Can\'t find end tag corresponding to start tag "{parser.stack[-1]}"'
    if parser.error:
        raise ApiError(400, f"Bad Request: can't parse entities: {parser.error}")
    return "".join(parser.text)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotAPI:
    """Start with `await fake.start()`; `fake.url + "/bot"` is the bot's base_url."""

    def __init__(self, token: str = TOKEN, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Briefbot",
            "username": username,
        }
        self.requests: list[Request] = []
        self.unknown_methods: list[str] = []
        self.faults: list[Fault] = []
        self.commands: dict[str, list[dict[str, str]]] = {}  # scope JSON -> commands
        self.member_status: dict[tuple[int, int], str] = {}
        # Extra fields of a getChatMember answer, e.g. {"can_post_messages": True}.
        self.member_rights: dict[tuple[int, int], dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        # Forum topics an admin closed: (chat id, thread id); the bot may not post there.
        self.closed_topics: set[tuple[int, int]] = set()
        self.messages: dict[tuple[int, int], StoredMessage] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self.downloads: list[str] = []  # file ids downloaded, in order
        self._updates: list[dict[str, Any]] = []
        self._next_update = 1
        self._next_message = 1
        self._next_callback = 1
        self._changed = asyncio.Condition()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.url = ""

    # --- lifetime ---------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            for task in list(self._connections):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await self._server.wait_closed()
            self._server = None

    # --- playing users ----------------------------------------------------------

    def chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        title: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if username:
            chat["username"] = username
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = title or f"Group {chat_id}"
            if chat_type == "supergroup":
                chat["is_forum"] = True
        self.chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}

    def user_sends(
        self,
        text: str,
        *,
        chat: int = 2001,
        user: int | None = None,
        chat_type: str = "private",
        thread_id: int | None = None,
        reply_to: dict[str, Any] | None = None,
        anonymous_admin: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Queue a message from a user; returns the message as Telegram would send it.
        `anonymous_admin`: sent by a group's anonymous administrator (as the group itself);
        `extra`: more message fields, e.g. a service message's migrate_to_chat_id."""
        user_id = user if user is not None else (chat if chat_type == "private" else 2001)
        chat_json = self.chat(chat, chat_type) if chat not in self.chats else self.chats[chat]
        message = StoredMessage(
            message_id=self._new_message_id(),
            chat=chat_json,
            text=text,
            sender=self.user(user_id),
            thread_id=thread_id,
        )
        if anonymous_admin:
            message.sender = {
                "id": ANONYMOUS_ADMIN_BOT_ID, "is_bot": True, "first_name": "Group",
                "username": "GroupAnonymousBot",
            }  # fmt: skip
            message.extra["sender_chat"] = chat_json
        message.extra.update(extra or {})
        if text.startswith("/"):
            length = len(text.split()[0])
            message.extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}
            ]
        if reply_to is not None:
            message.extra["reply_to_message"] = reply_to
        self.messages[(chat, message.message_id)] = message
        data = message.as_json()
        self._queue({"message": data})
        return data

    def user_edits(self, message: dict[str, Any], text: str) -> dict[str, Any]:
        """Queue an edit of a user's message (as `user_sends` returned it) to `text`."""
        stored = self.messages[(message["chat"]["id"], message["message_id"])]
        stored.text = text
        stored.extra.pop("entities", None)
        if text.startswith("/"):
            length = len(text.split()[0])
            stored.extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}
            ]
        data = {**stored.as_json(), "edit_date": int(time.time())}
        self._queue({"edited_message": data})
        return data

    def channel_posts(self, text: str, *, chat: int) -> dict[str, Any]:
        """Queue a post in a channel, as its admins make them: from the channel itself."""
        chat_json = self.chats.get(chat) or self.chat(chat, "channel")
        message = StoredMessage(
            message_id=self._new_message_id(), chat=chat_json, text=text, sender=None
        )
        message.extra["sender_chat"] = chat_json
        if text.startswith("/"):
            length = len(text.split()[0])
            message.extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(text[:length])}
            ]
        self.messages[(chat, message.message_id)] = message
        data = message.as_json()
        self._queue({"channel_post": data})
        return data

    def bot_membership(self, chat: int, status: str, *, user: int, old: str = "member") -> None:
        """Queue the update Telegram sends when `user` changes the bot's status in `chat`
        ("kicked", "left", "member", "administrator")."""
        chat_json = self.chats.get(chat) or self.chat(chat, "private" if chat > 0 else "group")
        self._queue(
            {
                "my_chat_member": {
                    "chat": chat_json,
                    "from": self.user(user),
                    "date": int(time.time()),
                    "old_chat_member": {"status": old, "user": self.bot_user},
                    "new_chat_member": {
                        "status": status,
                        "user": self.bot_user,
                        **({"until_date": 0} if status == "kicked" else {}),
                    },
                }
            }
        )

    def user_sends_document(
        self,
        content: bytes,
        file_name: str,
        *,
        caption: str | None = None,
        chat: int = 1001,
        user: int | None = None,
        file_size: int | None = None,
        mime_type: str = "text/plain",
        queue: bool = True,
    ) -> dict[str, Any]:
        """A user sends a file (with an optional caption); `file_size` is what Telegram
        reports, which the bot should trust to refuse big files before downloading."""
        user_id = user if user is not None else chat
        chat_json = self.chat(chat) if chat not in self.chats else self.chats[chat]
        file_id = f"doc{len(self.files) + 1}"
        self.files[file_id] = content
        message = StoredMessage(self._new_message_id(), chat_json, "", self.user(user_id))
        message.extra["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": len(content) if file_size is None else file_size,
        }
        if caption is not None:
            message.extra["caption"] = caption
            if caption.startswith("/"):
                length = utf16_len(caption.split()[0])
                message.extra["caption_entities"] = [
                    {"type": "bot_command", "offset": 0, "length": length}
                ]
        self.messages[(chat, message.message_id)] = message
        data = message.as_json()
        if queue:
            self._queue({"message": data})
        return data

    def user_presses(
        self,
        callback_data: str,
        message: dict[str, Any] | Request | int,
        *,
        user: int | None = None,
    ) -> str:
        """Queue a button press on a bot message (its JSON, its sendMessage request, or its
        chat id for a press on a message that no longer exists); returns the query id."""
        if isinstance(message, Request):
            message = self.message_for(message)
        if isinstance(message, int):
            chat_id = message
            message_json: dict[str, Any] | None = None
        else:
            chat_id = message["chat"]["id"]
            message_json = message
        query_id = str(self._next_callback)
        self._next_callback += 1
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.user(user if user is not None else chat_id),
            "chat_instance": f"ci{chat_id}",
            "data": callback_data,
        }
        if message_json is not None:
            stored = self.messages.get((chat_id, message_json["message_id"]))
            query["message"] = stored.as_json() if stored else message_json
        self._queue({"callback_query": query})
        return query_id

    def message_for(self, request: Request) -> dict[str, Any]:
        """The bot message a sendMessage request created."""
        result = request.params.get("_result")
        assert result is not None, f"{request.method} did not create a message"
        return self.messages[(result["chat"]["id"], result["message_id"])].as_json()

    def _queue(self, update: dict[str, Any]) -> None:
        update["update_id"] = self._next_update
        self._next_update += 1
        self._updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # --- faults -------------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int,
        description: str | None = None,
        *,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` matching requests with an error (-1: all of them);
        `migrate_to_chat_id` answers 400 "group chat was upgraded to a supergroup chat"."""
        default = {
            400: "Bad Request: chat not found",
            403: "Forbidden: bot was blocked by the user",
            429: f"Too Many Requests: retry after {retry_after or 1}",
            500: "Internal Server Error",
        }.get(status, "Error")
        if status == 429 and retry_after is None:
            retry_after = 1
        self.faults.append(
            Fault(
                method, status, description or default, chat_id, times, retry_after, delay,
                migrate_to_chat_id,
            )
        )  # fmt: skip

    def slow(
        self, method: str, seconds: float, *, times: int = 1, chat_id: int | None = None
    ) -> None:
        """Answer the next `times` requests of `method` (to `chat_id` if given) correctly,
        but only after `seconds`."""
        self.faults.append(Fault(method, 200, "", chat_id, times, delay=seconds))

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        chat_id = params.get("chat_id")
        for fault in self.faults:
            if fault.method != method or fault.times == 0:
                continue
            if fault.chat_id is not None and str(fault.chat_id) != str(chat_id):
                continue
            if fault.times > 0:
                fault.times -= 1
            return fault
        return None

    # --- waiting for the bot --------------------------------------------------------

    def of(self, method: str, chat_id: int | None = None) -> list[Request]:
        """Requests of `method` so far (to `chat_id` if given), in order."""
        return [
            r
            for r in self.requests
            if r.method == method and (chat_id is None or r.chat_id == chat_id)
        ]

    async def sent(
        self, method: str, n: int = 1, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[Request]:
        """Wait until the bot made at least `n` `method` requests; returns the first n.
        Counts only requests that were answered successfully."""
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._changed:
            while True:
                done = [r for r in self.of(method, chat_id) if r.answered == "ok"]
                if len(done) >= n:
                    return done[:n]
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    seen = [(r.method, r.answered) for r in self.requests]
                    raise AssertionError(
                        f"expected {n} {method} requests within {timeout}s; saw {seen}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def until(self, predicate: Any, *, timeout: float = 10.0) -> None:
        """Wait until `predicate()` holds (checked after every request the bot makes)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                seen = [(r.method, r.answered) for r in self.requests]
                raise AssertionError(f"condition not met within {timeout}s; saw {seen}") from None

    async def settle(self, seconds: float = 0.3) -> None:
        """Give the bot time to send anything more (for asserting nothing else was sent)."""
        await asyncio.sleep(seconds)

    # --- HTTP -------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                request = await self._read_request(reader)
                if request is None:
                    break
                path, headers, body = request
                kind = "application/json"
                if path.startswith(f"/file/bot{self.token}/"):
                    status, data, kind = self._download(path)
                else:
                    status, payload = await self._dispatch(path, headers, body)
                    data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Stopping the server: end quietly (asyncio's stream callback would log a
            # cancelled connection task as an error).
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _read_request(
        self, reader: asyncio.StreamReader
    ) -> tuple[str, dict[str, str], bytes] | None:
        line = await reader.readline()
        if not line:
            return None
        _method, path, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while True:
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int((await reader.readline()).strip(), 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    break
                body += chunk[:-2]
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return path, headers, body

    def _params(self, headers: dict[str, str], body: bytes) -> dict[str, Any]:
        kind = headers.get("content-type", "")
        raw: dict[str, Any] = {}
        if kind.startswith("multipart/form-data"):
            message = BytesParser(policy=HTTP).parsebytes(
                f"Content-Type: {kind}\r\n\r\n".encode() + body
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                filename = part.get_filename()
                payload = part.get_payload(decode=True)
                if filename:
                    raw[str(name)] = {"filename": filename, "content": payload}
                else:
                    raw[str(name)] = payload.decode() if isinstance(payload, bytes) else ""
        elif kind.startswith("application/json"):
            raw = json.loads(body or b"{}")
        else:
            raw = dict(parse_qsl(body.decode(), keep_blank_values=True))
        for key, value in list(raw.items()):
            if isinstance(value, str) and key in JSON_PARAMS:
                raw[key] = json.loads(value)
        return raw

    async def _dispatch(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :].split("?")[0]
        params = self._params(headers, body)
        record = Request(method, params, time.monotonic())
        if method != "getUpdates":
            self.requests.append(record)
        handler = getattr(self, f"m_{method}", None)
        try:
            if handler is None:
                self.unknown_methods.append(method)
                raise ApiError(404, f"Not Found: method {method} is not faked")
            fault = self._fault_for(method, params)
            if fault is not None and fault.delay:
                await asyncio.sleep(fault.delay)
            if fault is not None and fault.status != 200:
                parameters: dict[str, int] = {}
                if fault.retry_after:
                    parameters["retry_after"] = fault.retry_after
                if fault.migrate_to_chat_id:
                    parameters["migrate_to_chat_id"] = fault.migrate_to_chat_id
                raise ApiError(fault.status, fault.description, parameters or None)
            result = await handler(params)
        except ApiError as exc:
            record.answered = exc.description
            await self._notify()
            payload: dict[str, Any] = {
                "ok": False,
                "error_code": exc.status,
                "description": exc.description,
            }
            if exc.parameters:
                payload["parameters"] = exc.parameters
            return exc.status, payload
        if isinstance(result, dict) and "message_id" in result:
            params["_result"] = result
        record.answered = "ok"
        await self._notify()
        return 200, {"ok": True, "result": result}

    # --- methods ----------------------------------------------------------------------

    def _new_message_id(self) -> int:
        self._next_message += 1
        return self._next_message

    def _check_markup(self, params: dict[str, Any]) -> None:
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _visible(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        visible = parse_html(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > MESSAGE_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return visible

    def _chat_of(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = str(params["chat_id"])
        if raw.startswith("@"):  # public chats can be named by username
            for chat in self.chats.values():
                if str(chat.get("username", "")).lower() == raw[1:].lower():
                    return chat
            raise ApiError(400, "Bad Request: chat not found")
        chat_id = int(raw)
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return self.chats[chat_id]

    async def m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        timeout = float(params.get("timeout", 0) or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates)), timeout
                    )
        return self._updates[:limit]

    async def m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        visible = self._visible(params)
        self._check_markup(params)
        thread = params.get("message_thread_id")
        if thread is not None and not chat.get("is_forum"):
            raise ApiError(400, "Bad Request: message thread not found")
        if thread is not None and (chat["id"], int(thread)) in self.closed_topics:
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        message = StoredMessage(
            message_id=self._new_message_id(),
            chat=chat,
            text=visible,
            sender=self.bot_user,
            thread_id=int(thread) if thread is not None else None,
            html=str(params.get("text")),
            reply_markup=params.get("reply_markup"),
        )
        self.messages[(chat["id"], message.message_id)] = message
        return message.as_json()

    async def m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        key = (chat["id"], int(params.get("message_id", 0)))
        message = self.messages.get(key)
        if message is None or message.sender is not self.bot_user:
            raise ApiError(400, "Bad Request: message to edit not found")
        visible = self._visible(params)
        self._check_markup(params)
        markup = params.get("reply_markup")
        if message.html == params.get("text") and message.reply_markup == markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and "
                "reply markup are exactly the same as a current content and reply markup of "
                "the message",
            )
        message.text, message.html, message.reply_markup = visible, params.get("text"), markup
        return message.as_json()

    async def m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired")
        self.callback_answers[query_id] = params
        return True

    async def m_setMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command["command"]):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[json.dumps(scope, sort_keys=True)] = commands
        return True

    async def m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop(json.dumps(scope, sort_keys=True), None)
        return True

    async def m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, str]]:
        scope = params.get("scope") or {"type": "default"}
        return self.commands.get(json.dumps(scope, sort_keys=True), [])

    async def m_getChatMember(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        user_id = int(params["user_id"])
        status = self.member_status.get((chat["id"], user_id), "member")
        member: dict[str, Any] = {"status": status, "user": self.user(user_id)}
        if status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        elif status == "restricted":
            raise ApiError(400, "Bad Request: restricted members are not faked yet")
        member.update(self.member_rights.get((chat["id"], user_id), {}))
        return member

    async def m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_of(params)
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def m_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(self.files[file_id]),
            "file_path": f"documents/{file_id}",
        }

    def _download(self, path: str) -> tuple[int, bytes, str]:
        """The file route: /file/bot<token>/documents/<file_id>, raw bytes."""
        file_id = path.rsplit("/", 1)[-1]
        if file_id not in self.files:
            return 404, b"not found", "text/plain"
        self.downloads.append(file_id)
        return 200, self.files[file_id], "application/octet-stream"

    async def m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def m_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}


def visible_text(html_text: str) -> str:
    """What a reader sees of a message sent with parse_mode=HTML (for assertions)."""
    return parse_html(html_text)
