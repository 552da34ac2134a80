"""The webhook's HTTP server: a request without Telegram's secret header is refused before
its body is read, and no body over MAX_UPDATE_BYTES is read at all.

python-telegram-bot's webhook handler (tornado) checks the secret in `post`, once tornado
has read the whole body: anyone who finds the port could make the bot read a megabyte per
request. PTB builds its own handler and server, with no hook for either, so the check is
made one level down, in tornado's public interfaces: `HTTPServer.configure` chooses the
class PTB's `HTTPServer(...)` call makes, and its `start_request` wraps each request's
delegate (as tornado's own `xheaders` adapter does) in one that answers 403 on the headers.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable

from tornado import httputil
from tornado.httpserver import HTTPServer

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; tornado's default is 100 MB.
MAX_UPDATE_BYTES = 1 << 20


class SecretFirstServer(HTTPServer):
    """An HTTPServer whose requests must carry the secret header to be read further."""

    secret = b""  # set by guard_webhook; while unset, every request is refused

    def start_request(
        self, server_conn: object, request_conn: httputil.HTTPConnection
    ) -> httputil.HTTPMessageDelegate:
        delegate = super().start_request(server_conn, request_conn)
        return _SecretFirst(delegate, request_conn, self.secret)


class _SecretFirst(httputil.HTTPMessageDelegate):
    """Passes a request on once its headers hold the secret; otherwise answers 403 and
    closes the connection, the body unread (and no '100 Continue' sent for it)."""

    def __init__(
        self,
        delegate: httputil.HTTPMessageDelegate,
        connection: httputil.HTTPConnection,
        secret: bytes,
    ) -> None:
        self.delegate = delegate
        self.connection = connection
        self.secret = secret
        self.refused = False

    def headers_received(
        self,
        start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
        headers: httputil.HTTPHeaders,
    ) -> Awaitable[None] | None:
        given = _as_bytes(headers.get(SECRET_HEADER, ""))
        if self.secret and hmac.compare_digest(given, self.secret):
            return self.delegate.headers_received(start_line, headers)
        self.refused = True
        return self._refuse()

    async def _refuse(self) -> None:
        await self.connection.write_headers(
            httputil.ResponseStartLine("HTTP/1.1", 403, "Forbidden"),
            httputil.HTTPHeaders({"Content-Length": "0", "Connection": "close"}),
        )
        # Finished before the body was read: tornado closes the connection now.
        self.connection.finish()

    def data_received(self, chunk: bytes) -> Awaitable[None] | None:
        return None if self.refused else self.delegate.data_received(chunk)

    def finish(self) -> None:
        if not self.refused:
            self.delegate.finish()

    def on_connection_close(self) -> None:
        if not self.refused:
            self.delegate.on_connection_close()


def _as_bytes(text: str) -> bytes:
    # tornado reads headers as Latin-1; compare_digest takes only ASCII str.
    return text.encode("latin-1", "replace")


def guard_webhook(secret: str) -> None:
    """Make the webhook's server (the process's only HTTPServer) refuse requests without
    `secret` unread, and bodies over MAX_UPDATE_BYTES."""
    SecretFirstServer.secret = _as_bytes(secret)
    HTTPServer.configure(SecretFirstServer, max_body_size=MAX_UPDATE_BYTES)
