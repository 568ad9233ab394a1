"""Security headers on every answer, pages and API alike.

The Content-Security-Policy allows exactly what the pages load: the app itself (its
websocket included), Stripe.js and Stripe's API (or localstripe's), data: and blob: images
(QR codes, panorama textures) and camera streams. Reflex's pages need inline scripts and
`eval` (its `call_script` events), so scripts cannot be locked down further without Reflex
changes; everything else is. Framing is refused (`frame-ancestors 'none'`, X-Frame-Options).

Plain ASGI; no Reflex.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from showroom.settings import Settings

STRIPE_JS = "https://js.stripe.com"
STRIPE_FRAMES = ("https://js.stripe.com", "https://hooks.stripe.com")
STRIPE_API = "https://api.stripe.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings) -> str:
    public = urlsplit(settings.public_url)
    socket = f"{'wss' if public.scheme == 'https' else 'ws'}://{public.netloc}"
    if settings.stripe_api_base:  # localstripe serves its Stripe.js and API from one origin
        stripe_js = stripe_api = _origin(settings.stripe_api_base)
        stripe_frames: tuple[str, ...] = (stripe_js,)
    else:
        stripe_js, stripe_api, stripe_frames = STRIPE_JS, STRIPE_API, STRIPE_FRAMES
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'unsafe-inline' 'unsafe-eval' {stripe_js}",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "media-src": "'self' blob: mediastream:",
        "connect-src": f"'self' {socket} {stripe_api}",
        "worker-src": "'self' blob:",
        "frame-src": " ".join(stripe_frames),
        "frame-ancestors": "'none'",
        "form-action": "'self'",
        "base-uri": "'self'",
        "object-src": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(self), microphone=(self), geolocation=()",
    }
    if settings.public_url.startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000"
    return headers


class SecurityHeaders:
    """Adds the headers to every HTTP answer that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: dict[str, str]) -> None:
        self.app, self.headers = app, headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in sent:
                        sent[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ControlCharacterPaths:
    """A path with a control character (`/api/catalogue/products/a%0Ab`) gets the API's JSON
    404: Reflex's outermost router cannot match such a path and would answer in plain text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and any(ord(c) < 32 or ord(c) == 127 for c in path):
            answer = {"error": "not_found", "message": "There is nothing at this address."}
            await JSONResponse(answer, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
