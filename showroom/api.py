"""The HTTP API beside the Reflex pages: signalling, payment webhooks, media files, staff API.

Every route validates its input and answers errors as JSON {"error": code, "message": text}.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from consult.booking.bookings import staff_for_feed
from consult.booking.mail import staff_feed
from consult.booking.rules import BookingError
from consult.calls.board_feed import announce_rating, live_board
from consult.calls.consultations import chat_topic, consultation_for_link
from consult.calls.events import record_event
from consult.calls.supervision import AUX_ROLES, MEDIA_ROLES, SupervisionError, live_call
from consult.commerce.housekeeping import after_commit as commerce_after_commit
from consult.commerce.webhooks import webhook_routes
from consult.media.recording_api import recording_routes
from consult.media.recordings import Viewer
from consult.media.registry import MediaRegistry
from consult.media.rtc_api import CallEnded, NotAuthenticated, rtc_routes
from consult.models import Consultation
from showroom import routes
from showroom.catalogue.api import catalogue_routes
from showroom.db import session_scope
from showroom.i18n import normalise_language, t
from showroom.identity import SESSION_COOKIE, LinkError, StaffIdentity, identify
from showroom.pubsub import get_broker
from showroom.session_routes import session_routes
from showroom.settings import get_settings


def error(request: Request, status: int, code: str, key: str) -> JSONResponse:
    """An error in the caller's language (Accept-Language), with a stable code for programs."""
    lang = normalise_language(request.headers.get("accept-language"))
    return JSONResponse({"error": code, "message": t(lang, key)}, status_code=status)


def staff_of(request: Request) -> StaffIdentity | None:
    with session_scope() as session:
        return identify(session, request.cookies.get(SESSION_COOKIE))


async def authorize_call(request: Request, consultation_id: int) -> str:
    """Who may connect to a call's media, and as which role: the customer with its link or the
    staff member in it (`?as=aux`: their view of a supervisor who barged in), or a supervisor
    of the store (`?as=monitor` to listen, `?as=supervisor` to barge in) while the call is live."""
    header = request.headers.get("authorization", "")
    wanted = request.query_params.get("as", "")
    if wanted not in ("", "aux", *MEDIA_ROLES):
        raise PermissionError("supervise.unknown_step")
    with session_scope() as session:
        if header.lower().startswith("bearer ") and header[7:].strip():
            try:
                granted = consultation_for_link(
                    session, get_settings().secret_key, header[7:].strip()
                )
            except LinkError as exc:
                raise PermissionError(exc.key) from None
            if granted.id != consultation_id or wanted in MEDIA_ROLES:
                raise PermissionError("link.invalid")
            if granted.status == "ended":
                raise CallEnded("call.ended")
            return AUX_ROLES["customer"] if wanted == "aux" else "customer"
        who = identify(session, request.cookies.get(SESSION_COOKIE))
        if who is None:
            raise NotAuthenticated("auth.login_required")
        consultation = session.get(Consultation, consultation_id)
        if consultation is None or consultation.store_id != who.store_id:
            raise LookupError(consultation_id)
        if wanted in MEDIA_ROLES:
            if not who.may("supervisor"):
                raise PermissionError("auth.forbidden")
            try:
                live_call(session, consultation_id, who.store_id, who.staff_id)
            except SupervisionError as exc:
                if exc.key == "supervise.ended":
                    raise CallEnded("call.ended") from None
                raise PermissionError(exc.key) from None
            return MEDIA_ROLES[wanted]
        if consultation.staff_id != who.staff_id:
            raise PermissionError("auth.forbidden")
        if consultation.status == "ended":
            raise CallEnded("call.ended")
        return AUX_ROLES["staff"] if wanted == "aux" else "staff"


def _store_call_event(
    consultation_id: int, kind: str, role: str | None, detail: dict[str, Any]
) -> int:
    with session_scope() as session:
        return record_event(session, consultation_id, kind, role=role, **detail).id


async def store_call_event(
    consultation_id: int, kind: str, role: str | None, detail: dict[str, Any]
) -> None:
    """The media plane's state changes: stored (off the event loop), then shown in the chat.

    A supervisor's connections (and each side's view of one) are not the call's sides: their
    steps are stored by the supervisor's page, and the customer never hears of a listener."""
    if role not in (None, "customer", "staff"):
        return
    event_id = await asyncio.to_thread(_store_call_event, consultation_id, kind, role, detail)
    await get_broker().publish(
        chat_topic(consultation_id),
        {"kind": "event", "event": kind, "role": role, "id": event_id},
    )


def viewer_of(request: Request) -> Viewer | None:
    who = staff_of(request)
    return Viewer(who.staff_id, who.store_id, who.role) if who is not None else None


async def me(request: Request) -> JSONResponse:
    who = staff_of(request)
    if who is None:
        return error(request, 401, "login_required", "auth.login_required")
    return JSONResponse({"id": who.staff_id, "name": who.display_name, "role": who.role})


async def supervisor_board(request: Request) -> JSONResponse:
    who = staff_of(request)
    if who is None:
        return error(request, 401, "login_required", "auth.login_required")
    if not who.may("supervisor"):
        return error(request, 403, "forbidden", "auth.forbidden")
    return JSONResponse(await asyncio.to_thread(live_board, who.store_id))


async def calendar_feed(request: Request) -> Response:
    """A staff member's bookings as .ics; the secret, signed token in the URL is the login."""
    settings = get_settings()
    try:
        with session_scope() as session:
            staff_id = staff_for_feed(session, settings.secret_key, request.path_params["token"])
            body = staff_feed(
                session, staff_id, base_url=settings.public_url, key=settings.secret_key
            )
    except BookingError:
        return error(request, 404, "not_found", "link.invalid")
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300"},
    )


async def health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def build_api(registry: MediaRegistry) -> Starlette:
    settings = get_settings()
    (settings.media_dir / "staff").mkdir(parents=True, exist_ok=True)
    (settings.media_dir / "products").mkdir(parents=True, exist_ok=True)
    if registry.on_event is None:
        registry.on_event = store_call_event
    return Starlette(
        routes=[
            Route(f"{routes.API}/health", health),
            Route(f"{routes.API}/me", me),
            Route(f"{routes.API}/supervisor/board", supervisor_board),
            Route(f"{routes.API}/staff/calendar/{{token}}.ics", calendar_feed),
            *rtc_routes(registry, authorize_call, on_rating=announce_rating),
            *webhook_routes(after_commit=commerce_after_commit),
            *catalogue_routes(),
            *session_routes(),
            *recording_routes(viewer_of, settings.secret_key, settings.recordings_dir),
            Mount(f"{routes.MEDIA}/staff", StaticFiles(directory=settings.media_dir / "staff")),
            Mount(f"{routes.MEDIA}/panoramas", StaticFiles(directory=settings.media_dir)),
            Mount(
                f"{routes.MEDIA}/products", StaticFiles(directory=settings.media_dir / "products")
            ),
        ]
    )
