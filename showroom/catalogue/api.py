"""REST API for POS/ERP systems: read products and stock, set stock and prices, one at a time or
in bulk. Authenticated by an API key; described by the OpenAPI 3.1 document it serves itself.

PUT is idempotent by nature: it sets a value, so a retried request changes nothing more.
An `Idempotency-Key` header additionally makes a retry answer exactly what the first request
answered (kept in this process for a day); the same key with another body is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from showroom.catalogue.openapi import document
from showroom.catalogue.products import (
    MAX_BULK_ITEMS,
    MAX_CSV_BYTES,
    CatalogueChange,
    CatalogueError,
    get_product,
    import_csv,
    list_products,
    publish,
    set_price,
    set_stock,
    store_stock,
)
from showroom.db import session_scope
from showroom.request_body import BodyError, parse_json, read_bounded, require_media_type
from showroom.settings import get_settings

PREFIX = "/api/catalogue"
MAX_BODY = 4096
MAX_BULK_BODY = 256 * 1024
JSON = "application/json"
IDEMPOTENCY_TTL_S = 24 * 3600
IDEMPOTENCY_KEYS = 10_000


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _authorised(request: Request) -> bool:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return False
    given = header[7:].strip().encode()
    return any(hmac.compare_digest(given, key.encode()) for key in get_settings().api_keys)


def _unauthenticated() -> JSONResponse:
    return _error(401, "unauthenticated", "A valid API key is required (Authorization: Bearer …).")


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = parse_json(body)
    except BodyError as error:
        raise CatalogueError(error.code, error.message, error.status) from None
    if not isinstance(payload, dict):
        raise CatalogueError("not_object", "The body must be a JSON object.")
    return payload


def _only(payload: dict[str, Any], fields: set[str]) -> None:
    if unknown := set(payload) - fields:
        raise CatalogueError("unknown_field", f"Unknown field(s): {', '.join(sorted(unknown))}.")


# Idempotency-Key: the first answer, replayed for a retry --------------------------------------

_answers: OrderedDict[str, tuple[float, str, int, bytes]] = OrderedDict()


def _remembered(key: str, fingerprint: str) -> Response | None:
    now = time.monotonic()
    while _answers and next(iter(_answers.values()))[0] < now - IDEMPOTENCY_TTL_S:
        _answers.popitem(last=False)
    if (kept := _answers.get(key)) is None:
        return None
    if kept[1] != fingerprint:
        return _error(
            422, "idempotency_key_reused", "This Idempotency-Key came with another request."
        )
    return Response(kept[3], status_code=kept[2], media_type="application/json",
                    headers={"Idempotent-Replayed": "true"})  # fmt: skip


def _remember(key: str, fingerprint: str, response: Response) -> None:
    _answers[key] = (time.monotonic(), fingerprint, response.status_code, bytes(response.body))
    while len(_answers) > IDEMPOTENCY_KEYS:
        _answers.popitem(last=False)


Handler = Callable[[Request], Awaitable[Response]]
BodyHandler = Callable[[Request, bytes], Awaitable[Response]]


def _writing(handler: BodyHandler, limit: int = MAX_BODY, media_type: str = JSON) -> Handler:
    """Authenticate, read the body with a bound, replay a known Idempotency-Key, turn refusals
    into JSON errors. Nothing is read before the caller is known."""

    async def endpoint(request: Request) -> Response:
        if not _authorised(request):
            return _unauthenticated()
        key = request.headers.get("idempotency-key", "").strip()
        if len(key) > 255:
            return _error(
                400, "invalid_idempotency_key", "An Idempotency-Key has at most 255 characters."
            )
        try:
            require_media_type(request, media_type)
            body = await read_bounded(request, limit)
        except BodyError as error:
            return _error(error.status, error.code, error.message)
        fingerprint = ""
        if key:
            fingerprint = hashlib.sha256(request.url.path.encode() + b"\0" + body).hexdigest()
            if (replay := _remembered(key, fingerprint)) is not None:
                return replay
        try:
            response = await handler(request, body)
        except CatalogueError as error:
            response = _error(error.status, error.code, error.message)
        if key and response.status_code < 500:
            _remember(key, fingerprint, response)
        return response

    return endpoint


def _get(handler: Callable[[Request], dict[str, Any]]) -> Handler:
    async def endpoint(request: Request) -> Response:
        if not _authorised(request):
            return _unauthenticated()
        try:
            return JSONResponse(handler(request))
        except CatalogueError as error:
            return _error(error.status, error.code, error.message)

    return endpoint


# Endpoints ---------------------------------------------------------------------------------


async def put_stock(request: Request, body: bytes) -> Response:
    payload = _json_object(body)
    _only(payload, {"quantity"})
    path = request.path_params
    with session_scope() as session:
        change = set_stock(session, path["store"], path["sku"], payload.get("quantity"))
    await publish([change])
    return JSONResponse(change.message())


async def put_price(request: Request, body: bytes) -> Response:
    payload = _json_object(body)
    _only(payload, {"price", "currency"})
    with session_scope() as session:
        change = set_price(
            session, request.path_params["sku"], payload.get("price"), payload.get("currency")
        )
    await publish([change])
    return JSONResponse(change.message())


def _apply_one(session: Session, item: object) -> CatalogueChange:
    if not isinstance(item, dict):
        raise CatalogueError("not_object", "Each update must be a JSON object.")
    if "quantity" in item:
        _only(item, {"store", "sku", "quantity"})
        return set_stock(
            session, str(item.get("store", "")), str(item.get("sku", "")), item["quantity"]
        )
    if "price" in item:
        _only(item, {"sku", "price", "currency"})
        return set_price(session, str(item.get("sku", "")), item["price"], item.get("currency"))
    raise CatalogueError("no_change", "An update sets 'quantity' (with 'store') or 'price'.")


async def put_bulk(_request: Request, body: bytes) -> Response:
    """Many updates in one transaction: all are stored, or none (with every item's problem)."""
    payload = _json_object(body)
    _only(payload, {"updates"})
    updates = payload.get("updates")
    if not isinstance(updates, list) or not updates:
        raise CatalogueError("invalid_updates", "'updates' must be a non-empty list.")
    if len(updates) > MAX_BULK_ITEMS:
        raise CatalogueError(
            "too_many_updates", f"At most {MAX_BULK_ITEMS:,} updates at once.", 422
        )
    changes: list[CatalogueChange] = []
    problems: list[dict[str, Any]] = []
    with session_scope() as session:
        for index, item in enumerate(updates):
            try:  # every check runs before its write, so a refused item wrote nothing
                changes.append(_apply_one(session, item))
            except CatalogueError as error:
                problems.append({"index": index, "error": error.code, "message": error.message})
        if problems:
            session.rollback()
            return _error(422, "invalid_updates", f"{len(problems)} update(s) refused; nothing was stored.",
                          problems=problems)  # fmt: skip
    await publish(changes)
    return JSONResponse({"changes": [c.message() for c in changes]})


async def post_import(_request: Request, body: bytes) -> Response:
    """A CSV file in the admin page's format: good rows are stored, bad rows reported."""
    with session_scope() as session:
        report = import_csv(session, body)
    if report.error:
        status = 413 if report.error in ("too_large", "too_many_rows") else 422
        return _error(status, report.error, report.error_message)
    await publish(report.changes)
    return JSONResponse(report.summary())


def _products(_request: Request) -> dict[str, Any]:
    with session_scope() as session:
        return {"products": list_products(session)}


def _product(request: Request) -> dict[str, Any]:
    with session_scope() as session:
        return get_product(session, request.path_params["sku"])


def _store_stock(request: Request) -> dict[str, Any]:
    with session_scope() as session:
        slug = request.path_params["store"]
        return {"store": slug, "stock": store_stock(session, slug)}


def _one_stock(request: Request) -> dict[str, Any]:
    store, sku = request.path_params["store"], request.path_params["sku"]
    with session_scope() as session:
        stock = store_stock(session, store)
        if sku not in stock:
            raise CatalogueError("unknown_sku", f"No product has the SKU {sku!r}.", 404)
    return {"store": store, "sku": sku, "quantity": stock[sku]}


async def openapi(_request: Request) -> Response:
    return JSONResponse(document())


def _methods(path: str, **handlers: Handler) -> Route:
    """One route per path, whatever its methods, so that a 405 names them all in `Allow`
    and OPTIONS answers with them (Starlette answers for the first route of a path only)."""
    allowed = sorted({*handlers, "OPTIONS"} | ({"HEAD"} if "GET" in handlers else set()))

    async def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": ", ".join(allowed)})
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return Route(path, endpoint, methods=allowed)


def catalogue_routes() -> list[Route]:
    return [
        _methods(f"{PREFIX}/openapi.json", GET=openapi),
        _methods(f"{PREFIX}/products", GET=_get(_products)),
        _methods(f"{PREFIX}/products/{{sku}}", GET=_get(_product)),
        _methods(f"{PREFIX}/products/{{sku}}/price", PUT=_writing(put_price)),
        _methods(f"{PREFIX}/stores/{{store}}/stock", GET=_get(_store_stock)),
        _methods(
            f"{PREFIX}/stores/{{store}}/stock/{{sku}}",
            GET=_get(_one_stock),
            PUT=_writing(put_stock),
        ),
        _methods(f"{PREFIX}/bulk", PUT=_writing(put_bulk, MAX_BULK_BODY)),
        _methods(f"{PREFIX}/import", POST=_writing(post_import, MAX_CSV_BYTES, "text/csv")),
    ]
