"""How the app's responses are cached and compressed (what the app can do without a proxy).

- Vite's build assets (`/assets/…`, named by their content hash) never change under a name:
  a year, `immutable`, so a returning phone loads no script twice.
- Pages (HTML) are revalidated on every visit, so a deploy reaches everyone at once.
- Panorama tiles, previews and photos (`/media/…`) are cached for a day and then revalidated
  with the validators Starlette's static files already send (`ETag`, `Last-Modified`).
- JSON and other text from the app is gzipped when the client accepts it (the build's own files
  arrive pre-compressed by Reflex).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MEDIA = "public, max-age=86400"
GZIP_FROM_BYTES = 1024


def cache_control(path: str, content_type: str) -> str | None:
    """The Cache-Control a successful GET of `path` gets, or None to leave the app's own."""
    if path.startswith("/assets/"):
        return IMMUTABLE
    if path.startswith("/media/"):
        return MEDIA
    if content_type.startswith("text/html"):
        return REVALIDATE
    return None


class CacheHeaders:
    """Sets Cache-Control on successful GET and HEAD responses the app left without one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def send_with_cache(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = MutableHeaders(scope=message)
                rule = cache_control(path, headers.get("content-type", ""))
                if rule and "cache-control" not in headers:
                    headers["Cache-Control"] = rule
            await send(message)

        await self.app(scope, receive, send_with_cache)


def deliver(app: ASGIApp) -> ASGIApp:
    """The app wrapped for delivery: cache headers, then compression."""
    return GZipMiddleware(CacheHeaders(app), minimum_size=GZIP_FROM_BYTES)
