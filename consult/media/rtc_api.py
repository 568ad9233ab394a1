"""HTTP signalling for calls: Starlette routes around a `MediaRegistry`.

    GET  /api/rtc/config                       -> 200 {"iceServers": [...]}
    POST /api/rtc/{consultation_id}/offer      {"sdp", "type": "offer"} -> 200 {"sdp", "type"}
         ?reason=join|recover|mode  &take_over=1 (a replaced tab takes the call back)
    POST /api/rtc/{consultation_id}/status     {"muted"?: bool, "camera"?: bool}
         -> 200 {"you": state | "absent" | "superseded", "peers": [{role, state, ...}]}
    POST /api/rtc/{consultation_id}/leave      {"reason"?: "hangup" | "unload"} -> {"left": bool}

The POSTs take an optional `?session=<client id>` (see `MediaRegistry.join`) and need
`Content-Type: application/json`, which keeps them out of reach of cross-site form posts (the
staff side authenticates with a cookie). Errors are JSON `{"error": code, "message": text}`:
409 `superseded` when another tab took over the call, 410 `call_ended` once it has ended.

Who may join, and as which role, is the app's decision: `authorize(request, consultation_id)`
returns the role or raises `PermissionError` (403; `NotAuthenticated` for 401), `LookupError`
(404) or `CallEnded` (410). No Reflex here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from consult.media.registry import (
    MediaRegistry,
    NegotiationError,
    RegistryClosed,
    Superseded,
    UnknownRole,
)
from consult.media.signalling import (
    JOIN_REASONS,
    LEAVE_REASONS,
    MAX_SDP_BYTES,
    SignallingError,
    has_video,
    parse_offer,
    parse_reason,
    parse_session,
    parse_status,
)
from showroom.request_body import BodyError, parse_json, read_bounded, require_media_type

logger = logging.getLogger(__name__)

Authorize = Callable[[Request, int], Awaitable[str]]
OnRating = Callable[[int], Awaitable[None]]

MAX_BODY_BYTES = MAX_SDP_BYTES + 4096
NO_STORE = {"Cache-Control": "no-store"}


class NotAuthenticated(PermissionError):
    """No (valid) credentials at all: 401 rather than 403."""


class CallEnded(Exception):
    """The consultation has ended: nobody joins it any more (410)."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status, headers=NO_STORE)


def _signalling_error(exc: SignallingError) -> ApiError:
    status = 413 if exc.code == "sdp_too_large" else 400
    return ApiError(status, exc.code, exc.message)


async def _read_json(request: Request) -> object:
    try:
        require_media_type(request)
        body = await read_bounded(request, MAX_BODY_BYTES)
        return parse_json(body) if body.strip() else {}
    except BodyError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc


async def _authorize(
    authorize: Authorize, registry: MediaRegistry, request: Request, consultation_id: int
) -> str:
    try:
        return await authorize(request, consultation_id)
    except CallEnded as exc:
        await registry.end_call(consultation_id)  # whoever is still connected is let go
        raise ApiError(410, "call_ended", str(exc) or "This consultation has ended.") from exc
    except NotAuthenticated as exc:
        raise ApiError(401, "unauthenticated", str(exc) or "Sign in or use your link.") from exc
    except PermissionError as exc:
        raise ApiError(403, "forbidden", str(exc) or "Not allowed in this call.") from exc
    except LookupError as exc:
        raise ApiError(404, "not_found", str(exc) or "No such consultation.") from exc


def _session(request: Request) -> str | None:
    try:
        return parse_session(request.query_params.get("session"))
    except SignallingError as exc:
        raise _signalling_error(exc) from exc


def _reason(request: Request, allowed: frozenset[str], default: str) -> str:
    try:
        return parse_reason(request.query_params.get("reason"), allowed, default)
    except SignallingError as exc:
        raise _signalling_error(exc) from exc


def rtc_routes(
    registry: MediaRegistry, authorize: Authorize, *, on_rating: OnRating | None = None
) -> list[Route]:
    """The signalling routes, to mount on the app's Starlette/ASGI backend.

    `on_rating(consultation_id)` runs when a browser's own connection rating changes."""

    async def config(request: Request) -> Response:
        return JSONResponse({"iceServers": registry.ice_servers}, headers=NO_STORE)

    async def offer(request: Request) -> Response:
        consultation_id: int = request.path_params["consultation_id"]
        try:
            role = await _authorize(authorize, registry, request, consultation_id)
            session = _session(request)
            reason = _reason(request, JOIN_REASONS, "join")
            take_over = request.query_params.get("take_over", "") == "1"
            payload = await _read_json(request)
            try:
                parsed = parse_offer(payload)
            except SignallingError as exc:
                raise _signalling_error(exc) from exc
            try:
                sdp, type_ = await registry.join(
                    consultation_id,
                    role,
                    parsed.sdp,
                    parsed.type,
                    session=session,
                    reason=reason,
                    audio_only=not has_video(parsed.sdp),
                    take_over=take_over,
                )
            except Superseded as exc:
                raise ApiError(409, "superseded", str(exc)) from exc
            except UnknownRole as exc:
                raise ApiError(403, "role_not_allowed", str(exc)) from exc
            except NegotiationError as exc:
                raise ApiError(400, "negotiation_failed", str(exc)) from exc
            except RegistryClosed as exc:
                raise ApiError(503, "shutting_down", str(exc)) from exc
        except ApiError as exc:
            logger.info("offer for consultation %s refused: %s", consultation_id, exc.code)
            return error_response(exc.status, exc.code, exc.message)
        return JSONResponse({"sdp": sdp, "type": type_}, headers=NO_STORE)

    async def status(request: Request) -> Response:
        consultation_id: int = request.path_params["consultation_id"]
        try:
            role = await _authorize(authorize, registry, request, consultation_id)
            session = _session(request)
            try:
                reported = parse_status(await _read_json(request))
            except SignallingError as exc:
                raise _signalling_error(exc) from exc
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message)
        rating_changed = registry.report(
            consultation_id,
            role,
            session,
            muted=reported.muted,
            camera=reported.camera,
            quality=reported.quality,
            rtt_ms=reported.rtt_ms,
            loss_pct=reported.loss_pct,
        )
        if rating_changed and on_rating is not None:
            await on_rating(consultation_id)
        return JSONResponse(registry.status(consultation_id, role, session), headers=NO_STORE)

    async def leave(request: Request) -> Response:
        consultation_id: int = request.path_params["consultation_id"]
        try:
            role = await _authorize(authorize, registry, request, consultation_id)
            session = _session(request)
            payload = await _read_json(request)
            if not isinstance(payload, dict) or set(payload) - {"reason"}:
                raise ApiError(400, "unknown_field", 'The body may only carry "reason".')
            reason = payload.get("reason", "hangup")
            if reason not in LEAVE_REASONS:
                raise ApiError(400, "bad_reason", 'The reason must be "hangup" or "unload".')
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message)
        left = await registry.leave(consultation_id, role, session, reason=str(reason))
        return JSONResponse({"left": left}, headers=NO_STORE)

    return [
        Route("/api/rtc/config", config, methods=["GET"], name="rtc_config"),
        Route("/api/rtc/{consultation_id:int}/offer", offer, methods=["POST"], name="rtc_offer"),
        Route("/api/rtc/{consultation_id:int}/leave", leave, methods=["POST"], name="rtc_leave"),
        Route("/api/rtc/{consultation_id:int}/status", status, methods=["POST"], name="rtc_status"),
    ]
