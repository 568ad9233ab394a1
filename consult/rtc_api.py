"""HTTP signalling for calls: Starlette routes around a `MediaRegistry`.

    GET  /api/rtc/config                       -> 200 {"iceServers": [...]}
    POST /api/rtc/{consultation_id}/offer      {"sdp", "type": "offer"} -> 200 {"sdp", "type"}
    POST /api/rtc/{consultation_id}/leave      {} -> 200 {"left": bool}

Both POSTs take an optional `?session=<client id>` (see `MediaRegistry.join`) and need
`Content-Type: application/json`, which keeps them out of reach of cross-site form posts (the
staff side authenticates with a cookie). Errors are JSON `{"error": code, "message": text}`.

Who may join, and as which role, is the app's decision: `authorize(request, consultation_id)`
returns the role or raises `PermissionError` (403; `NotAuthenticated` for 401) or `LookupError`
(404). No Reflex here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from consult.media import MediaRegistry, NegotiationError, RegistryClosed, UnknownRole
from consult.signalling import MAX_SDP_BYTES, SignallingError, parse_offer, parse_session

logger = logging.getLogger(__name__)

Authorize = Callable[[Request, int], Awaitable[str]]

MAX_BODY_BYTES = MAX_SDP_BYTES + 4096
NO_STORE = {"Cache-Control": "no-store"}


class NotAuthenticated(PermissionError):
    """No (valid) credentials at all: 401 rather than 403."""


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
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(
                413, "body_too_large", f"The body is larger than {MAX_BODY_BYTES} bytes."
            )
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {exc}") from exc


async def _authorize(authorize: Authorize, request: Request, consultation_id: int) -> str:
    try:
        return await authorize(request, consultation_id)
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


def rtc_routes(registry: MediaRegistry, authorize: Authorize) -> list[Route]:
    """The signalling routes, to mount on the app's Starlette/ASGI backend."""

    async def config(request: Request) -> Response:
        return JSONResponse({"iceServers": registry.ice_servers}, headers=NO_STORE)

    async def offer(request: Request) -> Response:
        consultation_id: int = request.path_params["consultation_id"]
        try:
            role = await _authorize(authorize, request, consultation_id)
            session = _session(request)
            payload = await _read_json(request)
            try:
                parsed = parse_offer(payload)
            except SignallingError as exc:
                raise _signalling_error(exc) from exc
            try:
                sdp, type_ = await registry.join(
                    consultation_id, role, parsed.sdp, parsed.type, session=session
                )
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

    async def leave(request: Request) -> Response:
        consultation_id: int = request.path_params["consultation_id"]
        try:
            role = await _authorize(authorize, request, consultation_id)
            session = _session(request)
            await _read_json(request)  # content type and size only; the body is unused
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message)
        left = await registry.leave(consultation_id, role, session)
        return JSONResponse({"left": left}, headers=NO_STORE)

    return [
        Route("/api/rtc/config", config, methods=["GET"], name="rtc_config"),
        Route("/api/rtc/{consultation_id:int}/offer", offer, methods=["POST"], name="rtc_offer"),
        Route("/api/rtc/{consultation_id:int}/leave", leave, methods=["POST"], name="rtc_leave"),
    ]
