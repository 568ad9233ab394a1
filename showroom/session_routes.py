"""Staff log in and out through the server, which sets the session cookie itself:
`HttpOnly` (no page script can read it), `SameSite=Strict`, `Secure` behind HTTPS. The
Reflex pages never hold the token; they identify the caller from the cookie the browser
sent when it opened the page's connection, checked against the database at every event.

    POST /api/session/login   form: email, password, next  -> 303 to `next` (or the staff
                              page), or back to /login?error=...; with `Accept:
                              application/json`: 200 {"id", "name", "role"} / 401 / 429
    POST /api/session/logout  -> 303 to /login (the session is deleted server-side)

Both refuse a foreign `Origin` (403): no other site can log a browser in or out. Failed
logins are throttled per account and per address (`showroom.login_throttle`) and logged.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from showroom import login_throttle, routes
from showroom.db import session_scope
from showroom.i18n import normalise_language, t
from showroom.identity import SESSION_COOKIE, AuthError, StaffIdentity, identify, log_in, log_out
from showroom.request_body import BodyError, read_bounded, require_media_type
from showroom.settings import get_settings, public_origins

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 4096
FORM = "application/x-www-form-urlencoded"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _foreign_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is not None and origin not in public_origins()


def client_address(request: Request) -> str:
    """The caller's address for the throttle: the socket's peer, or behind N trusted reverse
    proxies (SHOWROOM_TRUSTED_PROXY_HOPS=N) the address the outermost of them saw. A client
    can write anything into X-Forwarded-For, so without trusted proxies it is ignored."""
    peer = request.client.host if request.client else "unknown"
    hops = int(os.environ.get("SHOWROOM_TRUSTED_PROXY_HOPS", "0") or 0)
    forwarded = [a.strip() for a in request.headers.get("x-forwarded-for", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-hops] if hops and len(forwarded) >= hops else peer


def _safe_next(target: str) -> str:
    """Only a path on this site: never `//elsewhere` or a full URL."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else ""


def _masked(email: str) -> str:
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def _refused(request: Request, status: int, code: str, next_path: str, wait: int = 0) -> Response:
    if _wants_json(request):
        lang = normalise_language(request.headers.get("accept-language"))
        key = "auth.throttled" if code == "throttled" else f"auth.{code}"
        headers = {"Retry-After": str(wait)} if wait else None
        message = t(lang, key).format(seconds=wait)
        return JSONResponse({"error": code, "message": message}, status, headers=headers)
    query = {"error": code, **({"wait": str(wait)} if wait else {})}
    query |= {"next": next_path} if next_path else {}
    return RedirectResponse(f"{routes.LOGIN}?{urlencode(query)}", status_code=303)


@dataclass(frozen=True)
class Attempt:
    token: str = ""
    who: StaffIdentity | None = None  # None: refused
    wait_s: int = 0  # throttled: not even checked; try again in this many seconds


def _attempt(email: str, password: str, client: str) -> Attempt:
    limits = [login_throttle.account(email), login_throttle.address(client)]
    with session_scope() as session:
        if wait := login_throttle.wait_s(session, limits):
            return Attempt(wait_s=wait)
        try:
            token = log_in(session, email, password, hours=get_settings().session_hours)
        except AuthError:
            login_throttle.purge(session)
            login_throttle.record_failure(session, limits)
            return Attempt()
        login_throttle.clear(session, limits[0])
        return Attempt(token, identify(session, token))


async def login(request: Request) -> Response:
    if _foreign_origin(request):
        return JSONResponse({"error": "forbidden", "message": "Foreign origin."}, 403)
    try:
        require_media_type(request, FORM)
        form = parse_qs((await read_bounded(request, MAX_FORM_BYTES)).decode("utf-8"))
    except (BodyError, UnicodeDecodeError) as error:
        status = error.status if isinstance(error, BodyError) else 400
        return JSONResponse({"error": "bad_request", "message": str(error)}, status)
    email = form.get("email", [""])[0].strip()
    password = form.get("password", [""])[0]
    next_path = _safe_next(form.get("next", [""])[0])
    if not email or not password:
        return _refused(request, 400, "missing_fields", next_path)
    client = client_address(request)
    attempt = await run_in_threadpool(_attempt, email, password, client)
    token, who, wait = attempt.token, attempt.who, attempt.wait_s
    if wait:
        log.warning("login throttled for %s from %s (%s s)", _masked(email), client, wait)
        return _refused(request, 429, "throttled", next_path, wait)
    if who is None:
        log.warning("failed login for %s from %s", _masked(email), client)
        return _refused(request, 401, "invalid_credentials", next_path)
    if _wants_json(request):
        response: Response = JSONResponse({"id": who.staff_id, "name": who.display_name,
                                           "role": who.role})  # fmt: skip
    else:
        home = routes.SUPERVISOR if who.role == "supervisor" else routes.STAFF
        response = RedirectResponse(next_path or home, status_code=303)
    set_session_cookie(response, token)
    return response


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.public_url.startswith("https://"),
    )


async def logout(request: Request) -> Response:
    if _foreign_origin(request):
        return JSONResponse({"error": "forbidden", "message": "Foreign origin."}, 403)
    token = request.cookies.get(SESSION_COOKIE)

    def _end() -> None:
        with session_scope() as session:
            log_out(session, token)

    await run_in_threadpool(_end)
    response = RedirectResponse(routes.LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def session_routes() -> list[Route]:
    return [
        Route(f"{routes.API}/session/login", login, methods=["POST"]),
        Route(f"{routes.API}/session/logout", logout, methods=["POST"]),
    ]
