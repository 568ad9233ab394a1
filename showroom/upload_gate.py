"""A gate in front of Reflex's `/_upload`: who may upload, and how much, before a byte is read.

Reflex stores a buffered upload (and starts a streamed one) before the handler runs, so a
check inside the handler comes too late: an anonymous 1 GiB POST would fill the temp disk.
Here the handler named in `Reflex-Event-Handler` must have a rule (unknown handlers are
refused), the caller's session cookie must belong to staff with the rule's role, and the body
is cut off at the rule's size: a larger `Content-Length` is refused at once, a lying or absent
one when the count passes it. The handler still checks again when it runs.

Plain ASGI; no Reflex.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from showroom.db import session_scope
from showroom.i18n import normalise_language, t
from showroom.identity import SESSION_COOKIE, StaffIdentity, identify

log = logging.getLogger(__name__)

UPLOAD_PATH = "/_upload"
# Multipart framing and the handler's bound arguments ride along with the files.
FORM_OVERHEAD = 64 * 1024


@dataclass(frozen=True)
class UploadRule:
    """Who may call one upload handler, and the largest body it takes."""

    role: str
    max_bytes: int


def staff_for_cookie(token: str | None) -> StaffIdentity | None:
    with session_scope() as session:
        return identify(session, token)


class UploadGate:
    def __init__(
        self,
        app: ASGIApp,
        rules: Mapping[str, UploadRule],
        *,
        path: str = UPLOAD_PATH,
        who: Callable[[str | None], StaffIdentity | None] = staff_for_cookie,
    ) -> None:
        self.app, self.rules, self.path, self.who = app, dict(rules), path, who

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        checked = await self._check(request)
        if isinstance(checked, JSONResponse):
            await checked(scope, receive, send)
            return
        await self._bounded(request, checked.max_bytes, scope, receive, send)

    async def _check(self, request: Request) -> JSONResponse | UploadRule:
        """The refusal, or the rule the body is read under. Reads nothing of the body."""
        handler = request.headers.get("reflex-event-handler", "")
        rule = self.rules.get(handler)
        if rule is None:
            log.warning("upload refused: no rule for handler %r", handler[:200])
            return _refuse(request, 403, "forbidden", "upload.unknown")
        token = request.cookies.get(SESSION_COOKIE)
        who = await anyio.to_thread.run_sync(self.who, token)
        if who is None:
            return _refuse(request, 401, "login_required", "auth.login_required")
        if not who.may(rule.role):
            log.warning("upload refused: staff %s may not call %s", who.staff_id, handler)
            return _refuse(request, 403, "forbidden", "auth.forbidden")
        declared = request.headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > rule.max_bytes:
            return _refuse(request, 413, "too_large", "upload.too_large")
        return rule

    async def _bounded(
        self, request: Request, limit: int, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Pass the body on while counting; past the limit the app sees the client leave, and
        the caller gets a 413 instead of whatever the app answers to that."""
        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a "disconnect" is replaced by the 413 below
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not over:  # a failure of its own; a cut-off body is answered below
                raise
        if over and not started:
            log.warning("upload cut off after %s bytes (limit %s)", received, limit)
            await _refuse(request, 413, "too_large", "upload.too_large")(scope, receive, send)


def _refuse(request: Request, status: int, code: str, key: str) -> JSONResponse:
    lang = normalise_language(request.headers.get("accept-language"))
    return JSONResponse({"error": code, "message": t(lang, key)}, status_code=status)


def upload_gate(rules: Mapping[str, UploadRule]) -> Callable[[ASGIApp], Any]:
    """For `rx.App(api_transformer=[..., upload_gate(rules)])`."""
    return lambda app: UploadGate(app, rules)
