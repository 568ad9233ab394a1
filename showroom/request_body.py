"""One way to read a request body: bounded while streaming, and JSON bounded in depth.

Every JSON route (signalling, the catalogue API, the Stripe webhook) reads through here, so
a 200 MiB body costs at most `limit` bytes of memory (a declared `Content-Length` over the
limit is refused before anything is read) and a document nested thousands of levels deep is
a 400, not a `RecursionError`. Plain Starlette; no Reflex.
"""

from __future__ import annotations

import json
import re

from starlette.requests import Request

MAX_DEPTH = 32  # far more than any of our documents needs; json.loads recurses per level

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class BodyError(Exception):
    """A body refused before it reached the route: status, stable code, English message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def too_large(limit: int) -> BodyError:
    return BodyError(413, "body_too_large", f"The body may be at most {limit:,} bytes.")


def declared_length(request: Request) -> int | None:
    declared = request.headers.get("content-length", "").strip()
    return int(declared) if declared.isdigit() else None


async def read_bounded(request: Request, limit: int) -> bytes:
    """The body, or BodyError(413) as soon as it passes `limit`: declared or counted."""
    declared = declared_length(request)
    if declared is not None and declared > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:  # a lying or absent Content-Length: stop reading here
            raise too_large(limit)
    return bytes(body)


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in `body`, brackets inside strings not counted."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_depth(body: bytes, max_depth: int = MAX_DEPTH) -> None:
    if nesting_depth(body) > max_depth:
        raise BodyError(400, "too_deep", f"The JSON may nest at most {max_depth} levels.")


def parse_json(body: bytes, max_depth: int = MAX_DEPTH) -> object:
    """The parsed document; BodyError(400) if it is not JSON or nests too deeply."""
    check_depth(body, max_depth)
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyError(400, "invalid_json", "The body is not valid JSON.") from None


def require_media_type(request: Request, media_type: str = "application/json") -> None:
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != media_type:
        raise BodyError(415, "unsupported_media_type", f"Send the body as {media_type}.")


async def read_json(request: Request, limit: int, *, max_depth: int = MAX_DEPTH) -> object:
    """Content-Type checked, body read with a bound, JSON parsed with a depth bound."""
    require_media_type(request)
    return parse_json(await read_bounded(request, limit), max_depth)
