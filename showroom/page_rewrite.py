"""Rewriting the app's HTML pages on their way out (Reflex builds them; what a page's first
paint needs is decided here): the tour's scene preview (tour_prelude.py) and code asked for
after the first paint (paint_first.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Rewrite = Callable[[Scope, str], Awaitable[str]]


class PageRewrite:
    """Rewrites the HTML of successful GETs of the paths `applies` picks; everything else
    passes untouched. The page is read whole and uncompressed (the delivery layer outside
    compresses it again); with `keep_validators`, a 304 passes through and the page's ETag
    is marked as this rewrite's, else validators are dropped (a page that differs per request
    beyond its file)."""

    def __init__(
        self,
        app: ASGIApp,
        applies: Callable[[str], bool],
        rewrite: Rewrite,
        keep_validators: str = "",
    ) -> None:
        self.app, self.applies, self.rewrite = app, applies, rewrite
        self.mark = keep_validators

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not self.applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        start, body = await self._whole(scope, receive)
        if not start:
            return
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        if start.get("status") == 200 and headers.get("content-type", "").startswith("text/html"):
            body = (await self.rewrite(scope, body.decode())).encode()
            headers["content-length"] = str(len(body))
            self._validators(headers)
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})

    async def _whole(self, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
        skip = {b"accept-encoding", b"range"}
        if not self.mark:
            skip |= {b"if-none-match", b"if-modified-since"}
        headers = [(k, self._unmarked(k, v)) for k, v in scope["headers"] if k not in skip]
        # Without the server's "send this file" shortcut, the file comes as body messages.
        extensions = {k: v for k, v in scope.get("extensions", {}).items() if "pathsend" not in k}
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        inner = {**scope, "headers": headers, "extensions": extensions}
        await self.app(inner, receive, capture)
        if start and self.mark and start.get("status") == 304:
            marked = MutableHeaders(raw=list(start.get("headers", [])))
            self._validators(marked)
            start = {**start, "headers": marked.raw}
        return start, b"".join(chunks)

    def _unmarked(self, name: bytes, value: bytes) -> bytes:
        if name != b"if-none-match" or not self.mark:
            return value
        return value.replace(f'-{self.mark}"'.encode(), b'"')

    def _validators(self, headers: MutableHeaders) -> None:
        if not self.mark:
            for stale in ("etag", "last-modified"):
                if stale in headers:
                    del headers[stale]
        elif (etag := headers.get("etag", "")).endswith('"'):
            headers["etag"] = f'{etag[:-1]}-{self.mark}"'
