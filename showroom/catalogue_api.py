"""REST API for POS/ERP systems: set stock and prices. Authenticated by an API key.

PUT is idempotent: it sets a value, so a retried request changes nothing more.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from showroom.catalogue import TOPIC, CatalogueChange, CatalogueError, set_price, set_stock
from showroom.db import session_scope
from showroom.pubsub import get_broker
from showroom.settings import get_settings

PREFIX = "/api/catalogue"
MAX_BODY = 4096


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": code, "message": message}, status_code=status)


def _authorised(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    given = header[7:].strip().encode()
    return any(hmac.compare_digest(given, key.encode()) for key in get_settings().api_keys)


async def _json_object(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise CatalogueError(
            "unsupported_media_type", "Send JSON (Content-Type: application/json).", 415
        )
    body = await request.body()
    if len(body) > MAX_BODY:
        raise CatalogueError("body_too_large", f"The body may be at most {MAX_BODY} bytes.", 413)
    try:
        payload = json.loads(body)
    except ValueError:
        raise CatalogueError("invalid_json", "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise CatalogueError("not_object", "The body must be a JSON object.")
    return payload


Apply = Callable[[Session, dict[str, Any], dict[str, Any]], CatalogueChange]


def _endpoint(fields: set[str], apply: Apply) -> Callable[[Request], Awaitable[JSONResponse]]:
    """A PUT endpoint: authenticate, validate the body, store, then tell open tours."""

    async def endpoint(request: Request) -> JSONResponse:
        if not _authorised(request):
            return _error(
                401, "unauthenticated", "A valid API key is required (Authorization: Bearer …)."
            )
        try:
            payload = await _json_object(request)
            if unknown := set(payload) - fields:
                raise CatalogueError(
                    "unknown_field", f"Unknown field(s): {', '.join(sorted(unknown))}."
                )
            with session_scope() as session:
                change = apply(session, dict(request.path_params), payload)
        except CatalogueError as error:
            return _error(error.status, error.code, error.message)
        if change.changed:
            await get_broker().publish(TOPIC, change.message())
        return JSONResponse(change.message())

    return endpoint


def _put_stock(session: Session, path: dict[str, Any], body: dict[str, Any]) -> CatalogueChange:
    return set_stock(session, path["store"], path["sku"], body.get("quantity"))


def _put_price(session: Session, path: dict[str, Any], body: dict[str, Any]) -> CatalogueChange:
    return set_price(session, path["sku"], body.get("price"), body.get("currency"))


def catalogue_routes() -> list[Route]:
    return [
        Route(
            f"{PREFIX}/stores/{{store}}/stock/{{sku}}",
            _endpoint({"quantity"}, _put_stock),
            methods=["PUT"],
        ),
        Route(
            f"{PREFIX}/products/{{sku}}/price",
            _endpoint({"price", "currency"}, _put_price),
            methods=["PUT"],
        ),
    ]
